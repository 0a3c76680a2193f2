"""`litecoder teacher serve`: a scripted teacher behind an OpenAI- and Anthropic-compatible
endpoint.

A development tool for offline runs and tests, not a model. It recognises the task from the
instruction in the conversation, then replays the task's reference solution through the
scaffold's own protocol: Terminus-2's JSON keystroke replies, OpenAI tool calls when a chat
request offers tools (OpenHands), or Anthropic Messages tool_use blocks, streamed or not (Claude
Code). It keeps no state between requests: the turn is read from the conversation, as a model
would. It can misbehave on purpose so failure handling and loop detection are exercised:
`solve`, `loop` (the same command forever), `give-up` (declares the task done at once) and
`wrong` (does something beside the point, then declares it done). A model name ending in
`-<behaviour>` (e.g. `openai/teacher-loop`) picks the behaviour per request; any other name gets
the server's default.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from litecoder_harbor.containers.daemon import bridge_gateway
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.tasks.discovery import find_tasks

FINISHED = "teacher: solution finished (42)"
"""Printed when the replayed solution ends. The typed command spells it `$((6*7))`, so the
marker appears on the screen only once the solution has really finished."""
_RUN_SOLUTION = f'bash /solution/solve.sh; echo "{FINISHED.replace("42", "$((6*7))")}"'
_CHUNK = 1500
"""Characters of base64 typed per command: long enough to be quick, short enough for a shell
line typed into tmux."""
LOOP_COMMAND = "ls\n"
WRONG_COMMAND = "echo 'not the task' > /tmp/teacher-wrong-answer.txt\n"


class Behaviour(StrEnum):
    SOLVE = "solve"
    LOOP = "loop"
    GIVE_UP = "give-up"
    WRONG = "wrong"

    @classmethod
    def for_model(cls, model: str, default: Behaviour) -> Behaviour:
        return next((b for b in cls if model.endswith(f"-{b.value}")), default)


@dataclass(frozen=True)
class TaskEntry:
    name: str
    instruction: str
    solution_archive: str
    """The task's solution/ folder as base64 of a gzipped tar, laid out again at /solution."""


class TaskIndex:
    """The tasks the teacher can solve, found by their instruction text."""

    def __init__(self, tasks_dir: Path):
        from harbor.models.task.task import Task

        self.entries: list[TaskEntry] = []
        for task_dir in find_tasks(Path(tasks_dir)):
            if not (task_dir / "solution" / "solve.sh").is_file():
                continue
            task = Task(task_dir)
            self.entries.append(
                TaskEntry(task.name, task.instruction.strip(), _archive(task_dir / "solution"))
            )
        if not self.entries:
            raise LitecoderError(
                f"{tasks_dir}: no task with solution/solve.sh",
                hint="point --tasks at a folder of Harbor task dirs with reference solutions",
            )
        self.entries.sort(key=lambda e: len(e.instruction), reverse=True)

    def find(self, conversation: str) -> TaskEntry | None:
        """The task whose instruction the conversation quotes (the longest, if several)."""
        return next((e for e in self.entries if e.instruction in conversation), None)


def _archive(folder: Path) -> str:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return base64.b64encode(buffer.getvalue()).decode()


def solution_commands(task: TaskEntry) -> list[str]:
    """Shell lines that put the task's solution/ at /solution and run solve.sh there."""
    archive = task.solution_archive
    chunks = [archive[i : i + _CHUNK] for i in range(0, len(archive), _CHUNK)]
    lines = ["mkdir -p /solution /tmp/teacher && rm -f /tmp/teacher/solution.b64"]
    lines += [f"printf %s '{chunk}' >> /tmp/teacher/solution.b64" for chunk in chunks]
    lines += ["base64 -d /tmp/teacher/solution.b64 | tar xzf - -C /solution", _RUN_SOLUTION]
    return lines


def terminus_reply(task: TaskEntry | None, behaviour: Behaviour, messages: list[dict]) -> str:
    """The next Terminus-2 JSON reply, read off the conversation so far."""
    turn = _turn(messages)
    screen = _text(messages[-1]) if messages else ""
    previous = _last_assistant_json(messages)
    if previous.get("task_complete"):
        return _terminus("Confirming.", "The task is complete.", [], done=True)
    if task is None:
        return _terminus("I do not recognise this task.", "Stop here.", [], done=True)
    if behaviour is Behaviour.LOOP:
        return _terminus("Looking around.", "List the files again.", [(LOOP_COMMAND, 0.1)])
    if behaviour is Behaviour.GIVE_UP:
        return _terminus("This is beyond me.", "Give up.", [], done=True)
    if behaviour is Behaviour.WRONG:
        if turn == 0:
            return _terminus("Guessing.", "Write an answer.", [(WRONG_COMMAND, 0.1)])
        return _terminus("Answer written.", "Done.", [], done=True)
    if turn == 0:
        lines = solution_commands(task)
        commands = [(line + "\n", 0.1) for line in lines[:-1]] + [(lines[-1] + "\n", 2.0)]
        return _terminus("Fresh terminal.", "Lay out and run the reference solution.", commands)
    if FINISHED in screen:
        return _terminus("The solution ran to the end.", "Mark the task complete.", [], done=True)
    return _terminus("Still running.", "Wait for it.", [("", 5.0)])


def _terminus(analysis: str, plan: str, commands: list[tuple[str, float]], done=False) -> str:
    return json.dumps(
        {
            "analysis": analysis,
            "plan": plan,
            "commands": [{"keystrokes": k, "duration": d} for k, d in commands],
            "task_complete": done,
        },
        indent=2,
    )


def _last_assistant_json(messages: list[dict]) -> dict:
    for message in reversed(messages):
        if message.get("role") == "assistant":
            try:
                parsed = json.loads(_text(message))
            except json.JSONDecodeError:
                return {}
            return parsed if isinstance(parsed, dict) else {}
    return {}


DONE_TEXT = "The task is complete."
CLAUDE_CODE_BASH_TIMEOUT_MS = 600_000
"""The longest Claude Code lets a Bash call run; by default it moves a command that runs over
2 minutes to the background, and the solution's finish marker would not come back."""


@dataclass(frozen=True)
class Tool:
    """A tool the scaffold offers, however its protocol spells it."""

    name: str
    parameters: dict

    @classmethod
    def parse(cls, spec: dict) -> Tool:
        """OpenAI's `{"type": "function", "function": {name, parameters}}` or Anthropic's
        `{name, input_schema}`."""
        function = spec.get("function") or spec
        schema = function.get("parameters") or function.get("input_schema") or {}
        return cls(str(function.get("name", "")), schema if isinstance(schema, dict) else {})

    def main_parameter(self) -> str:
        """The first required string parameter: what a shell tool takes the command in."""
        properties = self.parameters.get("properties") or {}
        for key in self.parameters.get("required") or list(properties):
            if (properties.get(key) or {}).get("type") == "string":
                return key
        return "command"

    def call(self, value: str) -> dict:
        """Arguments with `value` as the main parameter and the first choice of every other
        required parameter that lists its choices (OpenHands' `security_risk`)."""
        properties = self.parameters.get("properties") or {}
        arguments = {self.main_parameter(): value}
        for key in self.parameters.get("required") or []:
            choices = (properties.get(key) or {}).get("enum")
            if key not in arguments and choices:
                arguments[key] = choices[0]
        return arguments


def _tool_named(tools: list[Tool], *words: str) -> Tool | None:
    """The tool named after the earliest of `words` that some tool's name contains."""
    for word in words:
        for tool in tools:
            if word in tool.name.lower():
                return tool
    return None


def next_tool_call(
    task: TaskEntry | None, behaviour: Behaviour, messages: list[dict], tools: list[Tool]
) -> tuple[str, dict] | None:
    """The next (tool, arguments) for a scaffold that offers tools: one shell command lays the
    solution out, a short one runs it (a shell tool may keep only the end of a long command's
    screen, and the finish marker must be on it); an empty command, which asks a shell tool
    for more output, while the solution has not said it finished (OpenHands returns from a
    command that runs quietly for a while); then the scaffold's finish tool. None where a
    scaffold has no finish tool and ends an episode with a plain answer (Claude Code)."""
    turn = _turn(messages)
    shell = _tool_named(tools, "bash", "shell", "execute")
    finish = _tool_named(tools, "finish", "complete")
    command: str | None = None
    if task is not None and shell is not None:
        if behaviour is Behaviour.LOOP:
            command = LOOP_COMMAND.strip()
        elif behaviour is Behaviour.WRONG and turn == 0:
            command = WRONG_COMMAND.strip()
        elif behaviour is Behaviour.SOLVE and turn == 0:
            command = " && ".join(solution_commands(task)[:-1])
        elif behaviour is Behaviour.SOLVE and turn == 1:
            command = _RUN_SOLUTION
        elif behaviour is Behaviour.SOLVE and FINISHED not in _text(messages[-1]):
            command = ""
    if command is not None:
        return shell.name, shell.call(command)
    if finish is not None:
        return finish.name, finish.call(DONE_TEXT)
    return None


def tool_call_reply(
    task: TaskEntry | None, behaviour: Behaviour, messages: list[dict], tools: list[dict]
) -> dict:
    """The next assistant message in OpenAI function calling (OpenHands)."""
    call = next_tool_call(task, behaviour, messages, [Tool.parse(t) for t in tools])
    if call is None:
        return {"role": "assistant", "content": DONE_TEXT}
    name, arguments = call
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_teacher_{_turn(messages)}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def messages_reply(
    task: TaskEntry | None, behaviour: Behaviour, messages: list[dict], tools: list[dict]
) -> tuple[list[dict], str]:
    """The next assistant content blocks and stop reason in Anthropic's Messages API (Claude
    Code): a tool_use block while there is something to run, then a plain answer."""
    offered = [Tool.parse(t) for t in tools]
    call = next_tool_call(task, behaviour, messages, offered)
    if call is None:
        return [{"type": "text", "text": DONE_TEXT}], "end_turn"
    name, arguments = call
    tool = next(t for t in offered if t.name == name)
    if "timeout" in (tool.parameters.get("properties") or {}):
        arguments["timeout"] = CLAUDE_CODE_BASH_TIMEOUT_MS
    turn = _turn(messages)
    block = {"type": "tool_use", "id": f"toolu_teacher_{turn}", "name": name, "input": arguments}
    return [block], "tool_use"


def message_events(message: dict) -> list[tuple[str, dict]]:
    """A Messages API reply as the server-sent events of a streamed one."""
    events = [
        ("message_start", {"message": {**message, "content": [], "stop_reason": None}}),
    ]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            empty = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            empty = {**block, "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        events += [
            ("content_block_start", {"index": index, "content_block": empty}),
            ("content_block_delta", {"index": index, "delta": delta}),
            ("content_block_stop", {"index": index}),
        ]
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events += [
        (
            "message_delta",
            {"delta": stop, "usage": {"output_tokens": message["usage"]["output_tokens"]}},
        ),
        ("message_stop", {}),
    ]
    return [(name, {"type": name, **data}) for name, data in events]


def _turn(messages: list[dict]) -> int:
    return sum(m.get("role") == "assistant" for m in messages)


def _text(message: dict) -> str:
    """The text of a message or content block, tool results included, in either protocol."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(
            part.get("text") or _text(part) for part in content if isinstance(part, dict)
        )
    return content if isinstance(content, str) else ""


class TeacherServer:
    """The teacher on an HTTP port: POST /v1/chat/completions, GET /v1/models."""

    def __init__(
        self,
        index: TaskIndex,
        behaviour: Behaviour = Behaviour.SOLVE,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Any = None,
        request_log: IO[str] | None = None,
    ):
        self.index = index
        self.behaviour = behaviour
        self.log = log
        self.request_log = request_log
        self.requests = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> TeacherServer:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self.close()

    def close(self) -> None:
        """Release the port and the request log (after `stop`, or when it never served)."""
        self._httpd.server_close()
        if self.request_log:
            self.request_log.close()

    def log_request(self, path: str, body: dict, reply: dict) -> None:
        """One JSON line per request: what the model received and what it answered (a streamed
        reply as the message it streams), so tests can compare it with a recording."""
        if self.request_log is None:
            return
        line = json.dumps({"path": path, "request": body, "reply": reply}, ensure_ascii=False)
        with self._lock:
            self.request_log.write(line + "\n")
            self.request_log.flush()

    def _read(self, body: dict) -> tuple[list[dict], str, Behaviour, TaskEntry | None]:
        """The conversation, model, behaviour and task of a chat request in either protocol."""
        messages = body.get("messages") or []
        model = str(body.get("model", "teacher"))
        behaviour = Behaviour.for_model(model, self.behaviour)
        task = self.index.find(
            "\n".join(_text(m) for m in messages if m.get("role") != "assistant")
        )
        with self._lock:
            self.requests += 1
        if self.log:
            name = task.name if task else "?"
            self.log(f"{name} turn {_turn(messages)} ({behaviour.value})")
        return messages, model, behaviour, task

    def answer(self, body: dict) -> dict:
        """One chat completion for `body`, an OpenAI chat request."""
        messages, model, behaviour, task = self._read(body)
        if body.get("tools"):
            message = tool_call_reply(task, behaviour, messages, body["tools"])
        else:
            message = {"role": "assistant", "content": terminus_reply(task, behaviour, messages)}
        prompt_words, reply_words = _words(messages), len(json.dumps(message).split())
        return {
            "id": f"chatcmpl-teacher-{self.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_words,
                "completion_tokens": reply_words,
                "total_tokens": prompt_words + reply_words,
            },
        }

    def answer_messages(self, body: dict) -> dict:
        """One reply for `body`, an Anthropic Messages request (Claude Code). A request that
        offers no tools (a title, a summary) gets a plain answer."""
        messages, model, behaviour, task = self._read(body)
        content, stop_reason = messages_reply(task, behaviour, messages, body.get("tools") or [])
        return {
            "id": f"msg_teacher_{self.requests}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": _words(messages),
                "output_tokens": len(json.dumps(content).split()),
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, events: list[tuple[str, dict]]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for name, data in events:
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "teacher"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "request body is not JSON"}})
                    return
                route = self.path.split("?")[0].rstrip("/")
                if route.endswith("/chat/completions"):
                    reply = server.answer(body)
                elif route.endswith("/messages/count_tokens"):
                    reply = {"input_tokens": _words(body.get("messages") or [])}
                elif route.endswith("/messages"):
                    reply = server.answer_messages(body)
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                server.log_request(route, body, reply)
                if route.endswith("/messages") and body.get("stream"):
                    self._stream(message_events(reply))
                else:
                    self._send(200, reply)

        return Handler


def _words(messages: list[dict]) -> int:
    """Words in a conversation: the teacher's stand-in for a token count."""
    return sum(len(_text(m).split()) for m in messages)


DOCKER_BRIDGE = "docker-bridge"
"""A `host` that means the host's address on Docker's bridge, where in-container scaffolds
(OpenHands, Claude Code) reach it."""
MAX_PORT = 65_535


def open_teacher(
    tasks_dir: Path,
    behaviour: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log: Any = None,
    log_requests: Path | None = None,
) -> TeacherServer:
    """The scripted teacher for the tasks in `tasks_dir`, bound (not yet serving) on host:port;
    with `log_requests`, every request and its reply are appended to that file as JSON lines."""
    try:
        chosen = Behaviour(behaviour)
    except ValueError:
        raise LitecoderError(
            f"--behaviour {behaviour!r} is not one of {', '.join(b.value for b in Behaviour)}"
        ) from None
    if not 0 <= port <= MAX_PORT:
        raise LitecoderError(
            f"--port {port}: out of range", hint=f"0 to {MAX_PORT}; 0 picks a free port"
        )
    if host == DOCKER_BRIDGE:
        host = bridge_gateway()
    index = TaskIndex(tasks_dir)
    try:
        server = TeacherServer(index, chosen, host=host, port=port, log=log)
    except OSError as exc:
        raise LitecoderError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    if log_requests is not None:
        try:
            server.request_log = log_requests.open("a", encoding="utf-8")
        except OSError as exc:
            server.close()
            raise LitecoderError(
                f"--log-requests {log_requests}: cannot write: {exc.strerror}",
                hint="give a file in a folder that exists and is writable",
            ) from None
    return server
