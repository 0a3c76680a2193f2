"""A local stand-in for LLM endpoints: the OpenAI chat and completions protocol and Anthropic's
messages protocol (non-streaming), answering from a script and recording every request.

Tests point the real SDK clients at it through their base URL, so everything from request
encoding to error headers goes through the same code paths as against a hosted provider.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """A successful answer. Token counts default to word counts of the request and the text."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass
class Fail:
    """An HTTP error answer, e.g. `Fail(429, retry_after="1")` or `Fail(500)`."""

    status: int
    retry_after: str | None = None


@dataclass
class Disconnect:
    """Close the connection without answering, as a crashed or overloaded server does."""


@dataclass
class Raw:
    """Send `body` as is with `status`, e.g. HTML from a proxy, bytes that are not UTF-8, or JSON
    of the wrong shape (`Raw.json({"choices": []})`)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"

    @classmethod
    def json(cls, payload: dict, status: int = 200) -> Raw:
        return cls(json.dumps(payload).encode(), status)


@dataclass
class Hang:
    """Take the request and answer nothing until `release` is set (or the server stops), as an
    overloaded or wedged server does."""

    release: threading.Event = field(default_factory=threading.Event)


Scripted = str | Reply | Fail | Disconnect | Raw | Hang


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class StubLLM:
    """Answers requests in arrival order from `script`; an empty script answers 400.

    `responder`, when set, answers every request from its content instead, so concurrent
    requests get the right answer whatever order they arrive in. Paths in `missing_routes`
    answer 404 without using the script, as a chat-only server does for /v1/completions.
    """

    delay_s: float = 0.0
    script: deque[Scripted] = field(default_factory=deque)
    responder: Callable[[Request], Scripted] | None = None
    missing_routes: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    max_in_flight: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *replies: Scripted) -> None:
        with self._lock:
            self.script.extend(replies)

    @property
    def url(self) -> str:
        """Base URL for the Anthropic SDK, which appends /v1/messages itself."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        """Base URL for the OpenAI SDK, which appends /chat/completions or /completions."""
        return f"{self.url}/v1"

    def start(self) -> StubLLM:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # hanging answers give up, so the server can shut down
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StubLLM:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _next(self, request: Request) -> Scripted | None:
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            if request.path in self.missing_routes:
                return None
            if self.responder is not None:
                return self.responder(request)
            return self.script.popleft() if self.script else None

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _words(value) -> int:
    """Rough token count: words in every string of the request body's prompt or messages."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(_words(item) for item in value)
    if isinstance(value, dict):
        return sum(_words(item) for item in value.values())
    return 0


def _success(path: str, body: dict, reply: Reply) -> dict:
    prompt = [body.get("prompt", ""), body.get("messages", []), body.get("system", "")]
    input_tokens = _words(prompt) if reply.input_tokens is None else reply.input_tokens
    output_tokens = len(reply.text.split()) if reply.output_tokens is None else reply.output_tokens
    usage = {
        "prompt_tokens": input_tokens,
        "completion_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    common = {"id": "stub-1", "created": int(time.time()), "model": body.get("model", "")}
    if path == "/v1/chat/completions":
        choice = {"index": 0, "message": {"role": "assistant", "content": reply.text}}
        return {
            **common,
            "object": "chat.completion",
            "choices": [{**choice, "finish_reason": "stop", "logprobs": None}],
            "usage": usage,
        }
    if path == "/v1/completions":
        choice = {"index": 0, "text": reply.text, "finish_reason": "stop", "logprobs": None}
        return {**common, "object": "text_completion", "choices": [choice], "usage": usage}
    return {
        "id": common["id"],
        "type": "message",
        "role": "assistant",
        "model": common["model"],
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def _error(path: str, status: int, message: str) -> dict:
    if path == "/v1/messages":
        return {"type": "error", "error": {"type": "api_error", "message": message}}
    return {"error": {"message": message, "type": "stub_error", "code": status}}


def _handler_for(stub: StubLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            scripted = stub._next(request)
            try:
                time.sleep(stub.delay_s)
                self._answer(scripted, body)
            finally:
                stub._done()

        def _answer(self, scripted: Scripted | None, body: dict) -> None:
            routes = {"/v1/chat/completions", "/v1/completions", "/v1/messages"}
            if self.path not in routes - stub.missing_routes:
                return self._send(404, _error(self.path, 404, f"no route {self.path}"))
            if scripted is None:
                return self._send(400, _error(self.path, 400, "stub: no scripted reply left"))
            if isinstance(scripted, Hang):
                while not scripted.release.wait(0.05) and not stub.stopping.is_set():
                    pass
                self.close_connection = True
                return None
            if isinstance(scripted, Raw):
                return self._send_bytes(scripted.status, scripted.body, scripted.content_type)
            if isinstance(scripted, Disconnect):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if isinstance(scripted, Fail):
                headers = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
                message = f"stub: scripted {scripted.status}"
                return self._send(
                    scripted.status, _error(self.path, scripted.status, message), headers
                )
            reply = Reply(scripted) if isinstance(scripted, str) else scripted
            return self._send(200, _success(self.path, body, reply))

        def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
            self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

        def _send_bytes(
            self,
            status: int,
            data: bytes,
            content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # keep test output clean
            pass

    return Handler
