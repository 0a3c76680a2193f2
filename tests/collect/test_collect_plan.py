"""Collection without containers: the scaffold config and mix, the deterministic plan, the
checks that stop a bad run before any container starts, loop detection and the scripted
teacher's replies."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import bare_task, run_cli
from harbor.models.trajectories import (
    Agent,
    Observation,
    ObservationResult,
    Step,
    ToolCall,
    Trajectory,
)

from litecoder_harbor.collect.plan import (
    assign_scaffolds,
    default_config_path,
    load_collect_config,
    parse_mix,
)
from litecoder_harbor.collect.scripted_teacher import (
    CLAUDE_CODE_BASH_TIMEOUT_MS,
    DONE_TEXT,
    FINISHED,
    LOOP_COMMAND,
    Behaviour,
    TaskEntry,
    TaskIndex,
    TeacherServer,
    solution_commands,
    terminus_reply,
    tool_call_reply,
)
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.scaffolds import scaffold_class
from litecoder_harbor.scaffolds.loops import LoopDetector, find_loop
from litecoder_harbor.scaffolds.options import DEFAULT_TURN_CAP

TASKS = [Path(f"tasks/t{i:02d}") for i in range(40)]


def test_shipped_config_has_the_papers_mix_and_every_scaffold():
    config = load_collect_config()
    assert config.mix == {"terminus-2": 0.866, "openhands": 0.071, "claude-code": 0.063}
    assert set(config.scaffolds) == {"terminus-2", "openhands", "claude-code"}
    assert default_config_path().read_text().startswith("# Teacher collection")


def test_assignment_follows_the_mix_exactly_and_is_fixed_by_the_seed():
    mix = parse_mix("terminus-2=0.866,openhands=0.071,claude-code=0.063")
    plan = assign_scaffolds(TASKS, 5, mix, seed=0)
    assert len(plan) == 200
    assert Counter(t.scaffold for t in plan) == {
        "terminus-2": 173,
        "openhands": 14,
        "claude-code": 13,
    }
    assert Counter((t.task_dir, t.attempt) for t in plan) == {
        (task, a): 1 for task in TASKS for a in range(5)
    }
    assert assign_scaffolds(list(reversed(TASKS)), 5, mix, seed=0) == plan
    assert assign_scaffolds(TASKS, 5, mix, seed=1) != plan
    assert {t.scaffold for t in assign_scaffolds(TASKS, 1, parse_mix("openhands=1"), 0)} == {
        "openhands"
    }


@pytest.mark.parametrize(
    ("mix", "message"),
    [
        ("terminus-2=0.5,codex=0.5", "unknown scaffold 'codex'"),
        ("terminus-2=0.5,openhands=0.4", "must sum to 1, got 0.9"),
        ("terminus-2=1.2,openhands=-0.2", "between 0 and 1"),
        ("terminus-2", "is not name=weight"),
        ("terminus-2=half", "not a number"),
        ("terminus-2=0.5,terminus-2=0.5", "given twice"),
    ],
)
def test_bad_mix_is_one_clear_error(mix, message):
    with pytest.raises(LitecoderError, match=message):
        parse_mix(mix)


def test_bad_config_names_file_field_and_line(tmp_path):
    config = tmp_path / "teacher.yaml"
    text = default_config_path().read_text().replace("claude-code: 0.063", "claude-code: 0.5")
    config.write_text(text)
    with pytest.raises(LitecoderError) as err:
        load_collect_config(config)
    assert f"{config}: mix: " in str(err.value) and "sum to 1" in str(err.value)
    original = default_config_path().read_text()
    config.write_text(original.replace("  openhands:\n    agent", "  open-hands:\n    agent"))
    with pytest.raises(LitecoderError) as err:
        load_collect_config(config)
    assert "scaffolds.open-hands: 'open-hands' is not one of" in str(err.value)
    line = original.splitlines().index("  openhands:", 10) + 1
    assert f"(line {line})" in str(err.value)


def test_scaffold_environment_settings_are_harbors_and_checked(tmp_path):
    config = load_collect_config()
    assert config.settings("openhands").min_memory_mb is None  # the class's floor applies
    assert scaffold_class("openhands").MIN_MEMORY_MB == 4096
    assert config.settings("terminus-2").environment == {}
    path = tmp_path / "teacher.yaml"
    original = default_config_path().read_text()
    lines = original.splitlines()
    agent = "    agent: litecoder_harbor.scaffolds:OpenHands"
    environment_line = lines.index(agent) + 3
    for wrong, message, line in [
        ("memory_mb: 4096", "environment: 'memory_mb' is not a Harbor", environment_line),
        ("type: modal", "environment: 'type' is not a Harbor", environment_line),
        ("override_cpus: lots", "environment.override_cpus: input", environment_line + 1),
        ("override_memory_mb: 8192", "min_memory_mb and environment.override_memory_mb", None),
    ]:
        setting = f"{agent}\n    min_memory_mb: 4096\n    environment:\n      {wrong}\n"
        path.write_text(original.replace(f"{agent}\n", setting))
        with pytest.raises(LitecoderError) as err:
            load_collect_config(path)
        assert f"{path}: scaffolds.openhands" in str(err.value), str(err.value)
        assert message in str(err.value), str(err.value)
        if line is not None:
            assert f"(line {line})" in str(err.value), str(err.value)


def test_memory_floor_never_gives_a_task_less_than_it_asks(tmp_path):
    small = bare_task(tmp_path, "small") / "small"
    big = bare_task(tmp_path, "big") / "big"
    (big / "task.toml").write_text("[agent]\ntimeout_sec = 60\n[environment]\nmemory_mb = 8192\n")
    openhands = load_collect_config().settings("openhands")
    assert openhands.environment_settings("openhands", [small, small]) == {
        "override_memory_mb": 4096
    }
    assert openhands.environment_settings("openhands", [small, big]) == {"override_memory_mb": 8192}
    terminus = load_collect_config().settings("terminus-2")
    assert terminus.environment_settings("terminus-2", [small, big]) == {}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        (["--mix", "terminus-2=0.9,gemini=0.1"], {}, "unknown scaffold 'gemini'"),
        (["--mix", "terminus-2=0.9"], {}, "must sum to 1"),
        (["--mix", "terminus-2=1", "--model", "openai/gpt-4.1"], {}, "set OPENAI_API_KEY"),
        (
            ["--mix", "claude-code=1", "--model", "anthropic/claude-sonnet-4-5"],
            {},
            "set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN",
        ),
        (
            ["--mix", "terminus-2=1", "--api-base", "http://127.0.0.1:{port}/v1"],
            {},
            "unreachable",
        ),
        (
            ["--mix", "openhands=1", "--api-base", "http://127.0.0.1:{port}/v1"],
            {},
            "inside the task container",
        ),
        (["--config", "missing.yaml"], {}, "missing.yaml does not exist"),
        (["-k", "0"], {"OPENAI_API_KEY": "sk-test"}, "-k 0: must be between 1 and 100,000"),
        (
            ["--mix", "terminus-2=1", "--model", "gpt-4.1"],
            {"OPENAI_API_KEY": "sk-test"},
            "--model: 'gpt-4.1' names no provider: LiteLLM needs provider/name",
        ),
    ],
)
def test_bad_input_stops_before_any_container(tmp_path, extra, env, message):
    port = closed_port()
    args = [
        "collect",
        "--tasks",
        str(bare_task(tmp_path / "tasks")),
        "--out",
        str(tmp_path / "jobs"),
    ]
    if "--model" not in extra:
        args += ["--model", "openai/teacher"]
    args += [a.format(port=port) for a in extra]
    scrubbed = {k: "" for k in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")}
    proc = run_cli(*args, cwd=tmp_path, env={**scrubbed, **env})
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
    assert not any((tmp_path / "jobs").glob("collect-*"))


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[environment]\nmemory_mb = "lots"\n', "task.toml: environment.memory_mb: Input should"),
        ("[environment\nmemory_mb = 1\n", "task.toml: Harbor rejects task.toml: "),
    ],
)
def test_malformed_task_toml_is_named_before_any_container(tmp_path, toml, message):
    tasks = bare_task(tmp_path / "tasks")
    task_toml = tasks / "bare" / "task.toml"
    task_toml.write_text(toml)
    proc = run_cli(
        "collect", "--tasks", str(tasks), "--model", "openai/teacher", "--out", str(tmp_path / "jobs"),
        "--mix", "terminus-2=1", cwd=tmp_path, env={"OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1 and lines[0].startswith(f"error: {task_toml}: "), lines
    assert message in lines[0], lines
    assert not any((tmp_path / "jobs").glob("collect-*"))


def test_scaffold_model_without_provider_names_the_config_field(tmp_path):
    config = tmp_path / "teacher.yaml"
    config.write_text(
        default_config_path()
        .read_text()
        .replace(
            "agent: litecoder_harbor.scaffolds:Terminus2",
            "agent: litecoder_harbor.scaffolds:Terminus2\n    model: gpt-4.1",
            1,
        )
    )
    proc = run_cli(
        "collect", "--tasks", str(bare_task(tmp_path / "tasks")), "--model", "openai/teacher",
        "--mix", "terminus-2=1", "--config", str(config), "--out", str(tmp_path / "jobs"),
        env={"OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert f"error: {config}: scaffolds.terminus-2.model: 'gpt-4.1' names no provider" in lines[0]
    assert not (tmp_path / "jobs").exists()


def test_bad_agent_option_in_config_names_the_field(tmp_path):
    config = tmp_path / "teacher.yaml"
    config.write_text(
        default_config_path().read_text().replace("loop_window: 5", "loop_window: 1", 1)
    )
    proc = run_cli(
        "collect", "--tasks", str(bare_task(tmp_path / "tasks")), "--model", "openai/teacher",
        "--mix", "terminus-2=1", "--config", str(config), "--out", str(tmp_path / "jobs"),
        env={"OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "scaffolds.terminus-2.kwargs.loop_window" in proc.stderr, proc.stderr


def test_loop_detector_fires_on_repeated_command_or_unchanged_screen():
    fresh = LoopDetector(3)
    reasons = [fresh.observe("ls\n", f"screen {i}") for i in range(3)]
    assert reasons[:2] == [None, None] and "'ls' 3 times in a row" in reasons[2]
    waiting = LoopDetector(3)
    reasons = [waiting.observe(cmd, "$ ") for cmd in ("make\n", "", "")]
    assert "unchanged screen" in reasons[2]
    varied = LoopDetector(3)
    assert not any(varied.observe(f"echo {i}\n", f"{i}") for i in range(10))


def trajectory_of(commands: list[str]) -> Trajectory:
    steps = [Step(step_id=1, source="user", message="do it")]
    for i, command in enumerate(commands):
        steps.append(
            Step(
                step_id=i + 2,
                source="agent",
                message="",
                tool_calls=[
                    ToolCall(tool_call_id=f"c{i}", function_name="bash", arguments={"cmd": command})
                ],
                observation=Observation(
                    results=[ObservationResult(source_call_id=f"c{i}", content=f"out {i}")]
                ),
            )
        )
    return Trajectory(agent=Agent(name="x", version="1"), steps=steps)


def test_find_loop_reads_any_scaffolds_atif():
    assert find_loop(trajectory_of(["ls", "pwd", "ls", "ls", "ls"]), 3)
    assert find_loop(trajectory_of(["ls", "pwd", "ls", "pwd", "ls"]), 3) is None


TASK = TaskEntry("org/demo", "Write hello to /app/out.txt.", "H4sIAAAA" * 400)


def conversation(*replies: str) -> list[dict]:
    """The Terminus-2 chat after `replies`: the first prompt, then reply/observation pairs."""
    messages = [{"role": "user", "content": f"Task Description:\n{TASK.instruction}\n"}]
    for reply in replies:
        messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": "$ "}]
    return messages


def test_teacher_replays_the_solution_waits_for_it_then_confirms():
    first = json.loads(terminus_reply(TASK, Behaviour.SOLVE, conversation()))
    typed = "".join(c["keystrokes"] for c in first["commands"])
    assert all(c["keystrokes"].endswith("\n") for c in first["commands"])
    assert TASK.solution_archive in typed.replace("' >> /tmp/teacher/solution.b64\nprintf %s '", "")
    assert "bash /solution/solve.sh" in typed and FINISHED not in typed
    assert not first["task_complete"]
    waiting = json.loads(terminus_reply(TASK, Behaviour.SOLVE, conversation(json.dumps(first))))
    assert waiting["commands"] == [{"keystrokes": "", "duration": 5.0}]
    done_messages = conversation(json.dumps(first))
    done_messages[-1]["content"] = f"...\n{FINISHED}\n$ "
    done = json.loads(terminus_reply(TASK, Behaviour.SOLVE, done_messages))
    assert done["task_complete"] and done["commands"] == []
    confirm = json.loads(terminus_reply(TASK, Behaviour.SOLVE, conversation(json.dumps(done))))
    assert confirm["task_complete"]


@pytest.mark.parametrize(
    ("behaviour", "first_commands", "complete"),
    [
        (Behaviour.LOOP, [LOOP_COMMAND], False),
        (Behaviour.GIVE_UP, [], True),
        (Behaviour.WRONG, ["echo 'not the task' > /tmp/teacher-wrong-answer.txt\n"], False),
    ],
)
def test_teacher_misbehaves_on_request(behaviour, first_commands, complete):
    reply = json.loads(terminus_reply(TASK, behaviour, conversation()))
    assert [c["keystrokes"] for c in reply["commands"]] == first_commands
    assert reply["task_complete"] is complete
    assert Behaviour.for_model(f"openai/teacher-{behaviour.value}", Behaviour.SOLVE) is behaviour
    assert Behaviour.for_model("openai/teacher", behaviour) is behaviour


def test_teacher_speaks_openai_tool_calls_when_offered_tools():
    """OpenHands' protocol: the solution as one shell call (required choices filled in), an
    empty command while it runs quietly, the finish tool once it has said it finished."""
    tools = [
        {"type": "function", "function": {"name": "think", "parameters": {
            "type": "object", "required": ["thought"],
            "properties": {"thought": {"type": "string"}}}}},
        {"type": "function", "function": {"name": "execute_bash", "parameters": {
            "type": "object", "required": ["command", "security_risk"],
            "properties": {"command": {"type": "string"}, "timeout": {"type": "number"},
                           "security_risk": {"type": "string", "enum": ["LOW", "HIGH"]}}}}},
        {"type": "function", "function": {"name": "finish", "parameters": {
            "type": "object", "properties": {"message": {"type": "string"}}}}},
    ]  # fmt: skip

    def arguments(reply: dict) -> tuple[str, dict]:
        call = reply["tool_calls"][0]["function"]
        return call["name"], json.loads(call["arguments"])

    def observe(reply: dict, output: str) -> None:
        call_id = reply["tool_calls"][0]["id"]
        messages.extend([reply, {"role": "tool", "tool_call_id": call_id, "content": output}])

    messages = conversation()
    layout = tool_call_reply(TASK, Behaviour.SOLVE, messages, tools)
    name, args = arguments(layout)
    assert name == "execute_bash" and args["security_risk"] == "LOW"
    assert args["command"] == " && ".join(solution_commands(TASK)[:-1])
    observe(layout, "[The command completed with exit code 0.]")
    run = tool_call_reply(TASK, Behaviour.SOLVE, messages, tools)
    assert arguments(run)[1]["command"].startswith("bash /solution/solve.sh;")
    observe(run, "[The command has no new output after 10 seconds.]")
    waiting = tool_call_reply(TASK, Behaviour.SOLVE, messages, tools)
    assert arguments(waiting) == ("execute_bash", {"command": "", "security_risk": "LOW"})
    observe(waiting, f"...\n{FINISHED}\n[The command completed with exit code 0.]")
    assert arguments(tool_call_reply(TASK, Behaviour.SOLVE, messages, tools))[0] == "finish"
    looping = tool_call_reply(TASK, Behaviour.LOOP, messages, tools)
    assert arguments(looping) == ("execute_bash", {"command": "ls", "security_risk": "LOW"})


BASH_TOOL = {
    "name": "Bash",
    "description": "Run a shell command.",
    "input_schema": {
        "type": "object",
        "required": ["command"],
        "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}},
    },
}


def test_teacher_speaks_anthropic_messages_to_the_anthropic_sdk(tmp_path, monkeypatch):
    """Claude Code's protocol: streamed and plain Messages replies, as Anthropic's own client
    parses them; a tool_use while there is something to run, then a plain answer."""
    import anthropic

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    folder = bare_task(tmp_path / "tasks")
    (folder / "bare" / "solution").mkdir()
    (folder / "bare" / "solution" / "solve.sh").write_text("echo hi > /app/out.txt\n")
    server = TeacherServer(TaskIndex(folder)).start()
    try:
        client = anthropic.Anthropic(base_url=server.url.removesuffix("/v1"), api_key="x")
        messages = [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "<system-reminder>be brief</system-reminder>"},
                    {"type": "text", "text": "Nothing to do here.\n"},
                ],
            }
        ]
        ask = {"model": "teacher", "max_tokens": 1024, "tools": [BASH_TOOL]}
        commands = []
        for output in ("", FINISHED):
            with client.messages.stream(messages=messages, **ask) as stream:
                reply = stream.get_final_message()
            [call] = reply.content
            assert (reply.stop_reason, call.type, call.name) == ("tool_use", "tool_use", "Bash")
            commands.append(call.input["command"])
            assert call.input["timeout"] == CLAUDE_CODE_BASH_TIMEOUT_MS  # not the 2-min default
            messages += [
                {"role": "assistant", "content": [call.model_dump(include={"type", "id", "name", "input"})]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": call.id, "content": [{"type": "text", "text": output}]},
                ]},
            ]  # fmt: skip
        assert commands[0] == " && ".join(solution_commands(server.index.entries[0])[:-1])
        assert commands[1].startswith("bash /solution/solve.sh;")
        last = client.messages.create(messages=messages, **ask)
        assert last.stop_reason == "end_turn" and last.content[0].text == DONE_TEXT
        looping = client.messages.create(messages=messages, **{**ask, "model": "teacher-loop"})
        assert looping.content[0].input["command"] == "ls"
        untooled = client.messages.create(model="teacher", max_tokens=64, messages=messages)
        assert untooled.content[0].type == "text"
        counted = client.messages.count_tokens(model="teacher", messages=messages)
        assert counted.input_tokens > 0
    finally:
        server.stop()


def test_terminus_schema_lists_harbor_options_and_ours():
    harbor = Path(sys.executable).parent / "harbor"
    result = subprocess.run(
        [str(harbor), "agent", "schema", "litecoder_harbor.scaffolds:Terminus2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    properties = json.loads(result.stdout)["properties"]
    for name in ("loop_window", "install", "parser_name", "temperature", "api_base"):
        assert name in properties, name
    assert properties["max_turns"]["default"] == DEFAULT_TURN_CAP
    assert properties["record_terminal_session"]["default"] is False
    assert properties["install"]["enum"] == ["auto", "never"]
