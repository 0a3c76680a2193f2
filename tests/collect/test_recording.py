"""Recording model requests without containers: the protocols read into the chat model, the
proxy between the real SDKs and the scripted teacher, attribution to trial attempts, what is
written (whole, keyless) and the routing the scaffolds do."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import anthropic
import openai
import pytest
from conftest import bare_task, run_cli
from support.llm_stub import Raw, StubLLM

from litecoder_harbor.chat import ChatMessage, Conversation, FunctionCall, ToolCall
from litecoder_harbor.collect import recorded_conversation
from litecoder_harbor.collect.protocols import conversation, streamed_reply
from litecoder_harbor.collect.recording import RECORDINGS, RecordingProxy, recording_requests
from litecoder_harbor.collect.scripted_teacher import (
    TaskIndex,
    TeacherServer,
    message_events,
)
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import TMP_SUFFIX
from litecoder_harbor.scaffolds.recording import (
    ProxyAddresses,
    recorded_endpoint,
    recording_proxy,
)

CANARY_KEY = "sk-canary-recording-0123456789"
INSTRUCTION = "Nothing to do here."
BASH = {
    "name": "Bash",
    "description": "Run a shell command.",
    "input_schema": {
        "type": "object",
        "properties": {"command": {"type": "string"}},
        "required": ["command"],
    },
}


def call(id_: str, name: str, arguments: str) -> ToolCall:
    return ToolCall(id=id_, function=FunctionCall(name=name, arguments=arguments))


# --- the protocols -----------------------------------------------------------------------------


def test_an_openai_request_is_the_chat_model_with_parts_joined_and_the_reply_appended():
    request = {
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "You are"}, {"type": "text", "text": "an agent."}]},
            {"role": "user", "content": "Do it."},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "sh", "arguments": '{"cmd": "ls"}'}},
            ]},
            {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "a.txt"}]},
        ],
        "tools": [{"type": "function", "function": {"name": "sh", "parameters": {}}}],
    }  # fmt: skip
    reply = {"choices": [{"message": {"role": "assistant", "content": "Done."}}]}
    assert conversation("openai", request, reply) == Conversation(
        messages=[
            ChatMessage(role="system", content="You are\nan agent."),
            ChatMessage(role="user", content="Do it."),
            ChatMessage(
                role="assistant", content="", tool_calls=[call("c1", "sh", '{"cmd": "ls"}')]
            ),
            ChatMessage(role="tool", content="a.txt", tool_call_id="c1"),
            ChatMessage(role="assistant", content="Done."),
        ],
        tools=request["tools"],
    )


def test_an_anthropic_request_maps_system_tool_use_and_tool_results():
    request = {
        "system": [{"type": "text", "text": "You are Claude Code."}, {"type": "text", "text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Do it."}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hm", "signature": "x"},
                {"type": "text", "text": "Listing."},
                {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "a.txt"}]},
                {"type": "text", "text": "Go on."},
            ]},
        ],
        "tools": [BASH, {"type": "web_search_20250305", "name": "web_search"}],
    }  # fmt: skip
    reply = {"content": [{"type": "tool_use", "id": "t2", "name": "Bash", "input": {"command": "cat a.txt"}}]}  # fmt: skip
    assert conversation("anthropic", request, reply) == Conversation(
        messages=[
            ChatMessage(role="system", content="You are Claude Code.\nBe brief."),
            ChatMessage(role="user", content="Do it."),
            ChatMessage(role="assistant", content="Listing.", tool_calls=[call("t1", "Bash", '{"command": "ls"}')]),
            ChatMessage(role="tool", content="a.txt", tool_call_id="t1"),
            ChatMessage(role="user", content="Go on."),
            ChatMessage(role="assistant", content="", tool_calls=[call("t2", "Bash", '{"command": "cat a.txt"}')]),
        ],
        tools=[
            {"type": "function", "function": {"name": "Bash", "parameters": BASH["input_schema"], "description": "Run a shell command."}},
            {"type": "web_search_20250305", "name": "web_search"},
        ],
    )  # fmt: skip


def test_a_streamed_anthropic_reply_is_the_message_it_streams():
    message = {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "m",
        "content": [
            {"type": "text", "text": "Running it."},
            {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls -la", "timeout": 5}},
        ],
        "stop_reason": "tool_use", "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 4},
    }  # fmt: skip
    stream = "".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in message_events(message)
    ).encode()
    rebuilt = streamed_reply("anthropic", stream)
    assert rebuilt["content"] == message["content"]
    assert rebuilt["stop_reason"] == "tool_use"


OPENAI_STREAM = b"".join(
    b"data: " + json.dumps(chunk).encode() + b"\n\n"
    for chunk in [
        {"id": "s1", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Let me "}}]},
        {"id": "s1", "model": "m", "choices": [{"index": 0, "delta": {"content": "look."}}]},
        {"id": "s1", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "id": "c9", "type": "function", "function": {"name": "sh", "arguments": '{"cmd"'}}]}}]},
        {"id": "s1", "model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": ': "ls"}'}}]}, "finish_reason": "tool_calls"}]},
    ]
) + b"data: [DONE]\n\n"  # fmt: skip


def test_a_streamed_openai_reply_is_the_message_it_streams():
    reply = streamed_reply("openai", OPENAI_STREAM)
    [choice] = reply["choices"]
    assert choice["finish_reason"] == "tool_calls"
    assert conversation("openai", {"messages": []}, reply).messages == [
        ChatMessage(role="assistant", content="Let me look.", tool_calls=[call("c9", "sh", '{"cmd": "ls"}')])
    ]  # fmt: skip


# --- the proxy ---------------------------------------------------------------------------------


def solvable_task(folder: Path) -> Path:
    """A folder with one task the teacher can replay."""
    tasks = bare_task(folder)
    (tasks / "bare" / "solution").mkdir()
    (tasks / "bare" / "solution" / "solve.sh").write_text("#!/bin/sh\ntrue\n")
    return tasks


@pytest.fixture
def teacher(tmp_path):
    """The scripted teacher on a free port, logging every request it receives."""
    log = (tmp_path / "teacher.jsonl").open("a")
    server = TeacherServer(TaskIndex(solvable_task(tmp_path / "tasks")), request_log=log).start()
    yield server, tmp_path / "teacher.jsonl"
    server.stop()


def teacher_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def trial(jobs: Path, name: str, job: str = "collect-x-0123") -> tuple[Path, str]:
    """A trial dir as Harbor leaves it (result.json with the attempt's id); its attempt id."""
    attempt = str(uuid.uuid4())
    trial_dir = jobs / job / name
    (trial_dir / "agent").mkdir(parents=True)
    (trial_dir / "result.json").write_text(json.dumps({"id": attempt, "trial_name": name}))
    return trial_dir, attempt


def route(proxy: RecordingProxy, trial_dir: Path, attempt: str, path: str = "") -> str:
    return (
        f"{proxy.url('127.0.0.1')}/record/{trial_dir.parent.name}/{trial_dir.name}/{attempt}{path}"
    )


@pytest.fixture
def upstream_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY_KEY)


def assert_nothing_secret_or_partial(jobs: Path) -> None:
    for path in jobs.rglob("*"):
        assert not path.name.endswith(TMP_SUFFIX), path
        if path.is_file():
            text = path.read_text()
            assert CANARY_KEY not in text and "authorization" not in text.lower(), path


def test_an_openai_conversation_through_the_proxy_is_recorded_as_the_teacher_saw_it(
    teacher, tmp_path, upstream_key
):
    server, log = teacher
    jobs = tmp_path / "jobs"
    trial_dir, attempt = trial(jobs, "bare__a")
    tools = [{"type": "function", "function": {"name": "execute_bash", "parameters": {
        "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}}]  # fmt: skip
    with RecordingProxy(server.url, jobs, ["127.0.0.1"]) as proxy:
        client = openai.OpenAI(base_url=route(proxy, trial_dir, attempt, "/v1"), api_key=CANARY_KEY)
        messages = [{"role": "system", "content": "You are OpenHands."}, {"role": "user", "content": INSTRUCTION}]  # fmt: skip
        for _ in range(2):
            reply = client.chat.completions.create(model="teacher", messages=messages, tools=tools)
            messages.append(reply.choices[0].message.model_dump(exclude_none=True))
            messages.append({"role": "tool", "tool_call_id": reply.choices[0].message.tool_calls[0].id, "content": "ok"})  # fmt: skip
    *_, last = teacher_log(log)
    assert sorted(p.name for p in (trial_dir / RECORDINGS / attempt).iterdir()) == [
        "000001.json", "000002.json",
    ]  # fmt: skip
    recorded = json.loads((trial_dir / RECORDINGS / attempt / "000002.json").read_text())
    assert recorded["request"] == last["request"] and recorded["path"] == "/v1/chat/completions"
    assert recorded_conversation(trial_dir) == conversation(
        "openai", last["request"], last["reply"]
    )
    assert recorded_conversation(trial_dir).tools == tools
    assert_nothing_secret_or_partial(jobs)


@pytest.mark.parametrize("stream", [False, True])
def test_an_anthropic_conversation_streamed_or_not_is_recorded_as_the_teacher_saw_it(
    teacher, tmp_path, upstream_key, stream
):
    server, log = teacher
    jobs = tmp_path / "jobs"
    trial_dir, attempt = trial(jobs, "bare__b")
    with RecordingProxy(server.url, jobs, ["127.0.0.1"]) as proxy:
        client = anthropic.Anthropic(base_url=route(proxy, trial_dir, attempt), api_key=CANARY_KEY)
        request = {
            "model": "teacher", "max_tokens": 100, "system": [{"type": "text", "text": "You are Claude Code."}],
            "messages": [{"role": "user", "content": INSTRUCTION}], "tools": [BASH],
        }  # fmt: skip
        if stream:
            with client.messages.stream(**request) as events:
                answer = events.get_final_message()
        else:
            answer = client.messages.create(**request)
    assert answer.stop_reason == "tool_use"  # the client got the teacher's reply through it
    [last] = teacher_log(log)
    expected = conversation("anthropic", last["request"], last["reply"])
    assert recorded_conversation(trial_dir) == expected
    assert expected.messages[0] == ChatMessage(role="system", content="You are Claude Code.")
    assert expected.messages[-1].tool_calls[0].function.name == "Bash"
    assert (
        json.loads(expected.messages[-1].tool_calls[0].function.arguments)
        == answer.content[0].input
    )
    assert_nothing_secret_or_partial(jobs)


def test_a_streamed_openai_reply_is_relayed_and_recorded(tmp_path, upstream_key):
    jobs = tmp_path / "jobs"
    trial_dir, attempt = trial(jobs, "bare__c")
    with StubLLM() as stub, RecordingProxy(stub.url, jobs, ["127.0.0.1"]) as proxy:
        stub.add(Raw(OPENAI_STREAM, content_type="text/event-stream"))
        client = openai.OpenAI(base_url=route(proxy, trial_dir, attempt, "/v1"), api_key=CANARY_KEY)
        chunks = list(client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        ))  # fmt: skip
        [seen] = stub.requests
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Let me look."
    assert seen.headers["authorization"] == f"Bearer {CANARY_KEY}"  # forwarded, never stored
    assert recorded_conversation(trial_dir).messages == [
        ChatMessage(role="user", content="hi"),
        ChatMessage(role="assistant", content="Let me look.", tool_calls=[call("c9", "sh", '{"cmd": "ls"}')]),
    ]  # fmt: skip
    assert_nothing_secret_or_partial(jobs)


def test_concurrent_trials_of_one_task_each_get_their_own_requests(teacher, tmp_path):
    server, _ = teacher
    jobs = tmp_path / "jobs"
    trials = [trial(jobs, f"bare__{i}") for i in range(4)]
    with RecordingProxy(server.url, jobs, ["127.0.0.1"]) as proxy:

        def converse(trial_dir: Path, attempt: str, turns: int) -> None:
            client = openai.OpenAI(base_url=route(proxy, trial_dir, attempt, "/v1"), api_key="x")
            messages = [{"role": "user", "content": INSTRUCTION}]
            for turn in range(turns):
                client.chat.completions.create(model="teacher", messages=messages)
                messages += [{"role": "assistant", "content": f"turn {turn}"},
                             {"role": "user", "content": f"screen of {trial_dir.name}"}]  # fmt: skip

        threads = [
            threading.Thread(target=converse, args=(d, a, 2 + i)) for i, (d, a) in enumerate(trials)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for i, (trial_dir, _) in enumerate(trials):
        messages = recorded_conversation(trial_dir).messages
        assert len(messages) == 2 * (2 + i)  # its last request: all its turns, plus the reply
        assert messages[-2].content == f"screen of {trial_dir.name}"


def test_requests_of_a_discarded_attempt_are_not_the_trials(teacher, tmp_path):
    """Harbor retries a trial under the same name and dir: calls an earlier attempt made (or
    finished late) are filed under that attempt's id, never read as the kept one's."""
    server, _ = teacher
    jobs = tmp_path / "jobs"
    trial_dir, kept = trial(jobs, "bare__d")
    discarded = str(uuid.uuid4())
    with RecordingProxy(server.url, jobs, ["127.0.0.1"]) as proxy:
        for attempt, text in ((kept, "kept attempt"), (discarded, "discarded attempt")):
            client = openai.OpenAI(base_url=route(proxy, trial_dir, attempt, "/v1"), api_key="x")
            client.chat.completions.create(
                model="teacher", messages=[{"role": "user", "content": f"{INSTRUCTION} {text}"}]
            )
        # a late reply for a trial whose dir Harbor has removed recreates nothing
        gone = jobs / "collect-x-0123" / "bare__gone"
        client = openai.OpenAI(base_url=route(proxy, gone, kept, "/v1"), api_key="x")
        assert client.chat.completions.create(model="teacher", messages=[{"role": "user", "content": "x"}])  # fmt: skip
    assert recorded_conversation(trial_dir).messages[0].content.endswith("kept attempt")
    assert not gone.exists()


def test_a_path_that_is_no_route_is_refused_and_forwards_nothing(teacher, tmp_path):
    server, log = teacher
    with RecordingProxy(server.url, tmp_path, ["127.0.0.1"]) as proxy:
        for path in ("/v1/chat/completions", "/record/job/../x/v1/chat/completions",
                     "/record/j/t/not-a-uuid/v1/chat/completions"):  # fmt: skip
            client = openai.OpenAI(base_url=proxy.url("127.0.0.1") + path.removesuffix("/chat/completions"), api_key="x", max_retries=0)  # fmt: skip
            with pytest.raises(openai.NotFoundError, match="no recording route"):
                client.chat.completions.create(model="teacher", messages=[{"role": "user", "content": "x"}])  # fmt: skip
    assert teacher_log(log) == []


def test_a_body_sent_in_chunks_is_forwarded_whole_and_recorded(teacher, tmp_path):
    server, log = teacher
    trial_dir, attempt = trial(tmp_path / "jobs", "bare__f")
    body = json.dumps({"model": "teacher", "messages": [{"role": "user", "content": INSTRUCTION}]})
    with RecordingProxy(server.url, tmp_path / "jobs", ["127.0.0.1"]) as proxy:
        address = urlsplit(proxy.url("127.0.0.1"))
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        path = urlsplit(route(proxy, trial_dir, attempt, "/v1/chat/completions")).path
        halves = [body[:20].encode(), body[20:].encode()]
        connection.request("POST", path, body=iter(halves), encode_chunked=True)
        assert connection.getresponse().status == 200
    [entry] = teacher_log(log)
    assert entry["request"] == json.loads(body)
    assert recorded_conversation(trial_dir).messages[0].content == INSTRUCTION


def test_an_endpoint_with_userinfo_is_forwarded_with_it_and_recorded_without(tmp_path):
    jobs = tmp_path / "jobs"
    trial_dir, attempt = trial(jobs, "bare__e")
    with StubLLM() as stub:
        upstream = stub.url.replace("http://", f"http://user:{CANARY_KEY}@")
        with RecordingProxy(upstream, jobs, ["127.0.0.1"]) as proxy:
            stub.add("hello")
            openai.OpenAI(
                base_url=route(proxy, trial_dir, attempt, "/v1"), api_key="x"
            ).chat.completions.create(model="m", messages=[{"role": "user", "content": CANARY_KEY}])
    assert stub.requests[0].headers["authorization"] == "Bearer x"
    [message, _] = recorded_conversation(trial_dir).messages
    assert message.content == "[redacted api_base password]"
    assert_nothing_secret_or_partial(jobs)


# --- reading a trial ---------------------------------------------------------------------------


def test_a_trial_without_recording_has_no_conversation(tmp_path):
    trial_dir, _ = trial(tmp_path, "plain__harbor-run")
    assert recorded_conversation(trial_dir) is None


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d, a: (d / RECORDINGS / a / "000001.json").write_text('{"protocol": "op'), "not a recorded model call"),
        (lambda d, a: (d / RECORDINGS / a / "000001.json").write_text('{"protocol": "openai"}'), "'request'"),
        (lambda d, a: (d / "result.json").unlink(), "result.json: missing"),
        (lambda d, a: (d / "result.json").write_text("{}"), "result.json: id"),
    ],
)  # fmt: skip
def test_a_damaged_recording_is_one_clear_error(tmp_path, damage, message):
    trial_dir, attempt = trial(tmp_path, "t__1")
    (trial_dir / RECORDINGS / attempt).mkdir(parents=True)
    (trial_dir / RECORDINGS / attempt / "000001.json").write_text(json.dumps({
        "protocol": "openai", "request": {"messages": []}, "reply": {"choices": [{"message": {"content": "x"}}]},
    }))  # fmt: skip
    assert recorded_conversation(trial_dir).messages[-1].content == "x"
    damage(trial_dir, attempt)
    with pytest.raises(LitecoderError, match=message):
        recorded_conversation(trial_dir)


# --- routing in the scaffolds -------------------------------------------------------------------


def test_a_scaffold_routes_only_its_endpoint_and_only_where_it_reaches_the_proxy(tmp_path):
    logs_dir = tmp_path / "collect-x" / "task__abc" / "agent"
    attempt = uuid.uuid4()
    endpoint = "http://10.0.0.5:8000/v1"
    assert recorded_endpoint(endpoint, logs_dir, attempt, in_container=False) == endpoint
    token = recording_proxy.set(
        ProxyAddresses("http://10.0.0.5:8000", "http://127.0.0.1:1111", from_containers=None)
    )
    try:
        assert (
            recorded_endpoint(endpoint, logs_dir, attempt, in_container=False)
            == f"http://127.0.0.1:1111/record/collect-x/task__abc/{attempt}/v1"
        )
        assert recorded_endpoint(endpoint, logs_dir, attempt, in_container=True) == endpoint
        assert recorded_endpoint("http://other:8000/v1", logs_dir, attempt, in_container=False) == (
            "http://other:8000/v1"
        )
        assert recorded_endpoint(endpoint, logs_dir, None, in_container=False) == endpoint
    finally:
        recording_proxy.reset(token)


def test_collect_records_only_with_an_endpoint_and_unsets_the_route_after(teacher, tmp_path):
    server, _ = teacher
    with recording_requests(None, tmp_path, for_containers=False) as proxy:
        assert proxy is None and recording_proxy.get() is None
    with recording_requests(server.url, tmp_path, for_containers=False) as proxy:
        addresses = recording_proxy.get()
        assert addresses.upstream == server.url.removesuffix("/v1")
        assert addresses.from_host == proxy.url("127.0.0.1") and addresses.from_containers is None
    assert recording_proxy.get() is None


def test_terminus_and_installed_scaffolds_call_the_proxy_for_their_trial(tmp_path):
    from litecoder_harbor.scaffolds import ClaudeCode, OpenHands, Terminus2

    logs_dir = tmp_path / "collect-x" / "task__abc" / "agent"
    logs_dir.mkdir(parents=True)
    token = recording_proxy.set(
        ProxyAddresses("http://10.0.0.5:8000", "http://127.0.0.1:1", "http://172.17.0.1:2")
    )
    try:
        openhands = OpenHands(
            logs_dir=logs_dir, model_name="openai/t", api_base="http://10.0.0.5:8000/v1"
        )
        claude = ClaudeCode(logs_dir=logs_dir, model_name="anthropic/t", extra_env={"ANTHROPIC_BASE_URL": "http://10.0.0.5:8000"})  # fmt: skip
        for agent in (openhands, claude):
            agent.context_id = uuid.uuid4()
        assert openhands.model_connection.env["LLM_BASE_URL"] == (
            f"http://172.17.0.1:2/record/collect-x/task__abc/{openhands.context_id}/v1"
        )
        routed = f"http://172.17.0.1:2/record/collect-x/task__abc/{claude.context_id}"
        assert claude._resolve_auth_env()["ANTHROPIC_BASE_URL"] == routed
        assert claude.extra_env["ANTHROPIC_BASE_URL"] == routed  # laid over its commands
        terminus = Terminus2(logs_dir=logs_dir, model_name="openai/t", api_base="http://10.0.0.5:8000/v1")  # fmt: skip
        assert terminus._llm._api_base == "http://10.0.0.5:8000/v1"  # routed when its run starts
    finally:
        recording_proxy.reset(token)


@pytest.mark.parametrize(
    ("log", "reason"), [("no-such-folder/log.jsonl", "No such file or directory"), ("tasks", "Is a directory")]
)  # fmt: skip
def test_teacher_serve_refuses_a_request_log_it_cannot_write(tmp_path, log, reason):
    tasks = solvable_task(tmp_path / "tasks")
    before = sorted(tmp_path.rglob("*"))
    proc = run_cli("teacher", "serve", "--tasks", str(tasks), "--port", "0",
                   "--log-requests", str(tmp_path / log))  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: --log-requests {tmp_path / log}: cannot write: {reason}")
    assert sorted(tmp_path.rglob("*")) == before


def test_a_reply_is_logged_by_the_teacher_as_sent(teacher):
    server, log = teacher
    reply = openai.OpenAI(base_url=server.url, api_key="x").chat.completions.create(
        model="teacher-give-up", messages=[{"role": "user", "content": INSTRUCTION}]
    )
    [entry] = teacher_log(log)
    assert entry["path"] == "/v1/chat/completions"
    assert entry["request"]["messages"] == [{"role": "user", "content": INSTRUCTION}]
    assert entry["reply"]["choices"][0]["message"]["content"] == reply.choices[0].message.content
