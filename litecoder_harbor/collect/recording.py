"""The model requests of a collection run, recorded so curation can emit each conversation
exactly as the model saw it (ATIF leaves out the system prompt and the tool definitions).

Why a proxy: it sees the bytes every scaffold sends, whatever the scaffold and wherever it runs
(Terminus-2 calls from this process, OpenHands and Claude Code from inside the container, each
through its own client), so one piece of code records all three, streamed or not, and nothing
is reconstructed from prompt templates that may drift from what was sent. `collect` starts a
`RecordingProxy` in front of `--api-base` and each LiteCoder scaffold sends its calls to
`<proxy>/record/<job>/<trial>/<attempt id>/...` (`litecoder_harbor.scaffolds.recording`),
which attributes every request to its trial attempt without guessing from content.

Each model call (OpenAI chat completions, Anthropic Messages) that gets an answer is written
whole (`atomic_write`) to `<trial dir>/model-requests/<attempt id>/<arrival number>.json`:
the URL path, the status, the request body and the reply (a streamed one put back together).
Request headers, where keys travel, are never stored, nor the endpoint's userinfo, and the
values of key variables are redacted from what is. The trial's own attempt id is the `id` in its
result.json, so requests of an attempt Harbor discarded (retried, or left by an interrupted
run) are never read as the kept one's.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import itertools
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from pydantic import ValidationError

from litecoder_harbor.chat import Conversation
from litecoder_harbor.collect.protocols import conversation, protocol_of, streamed_reply
from litecoder_harbor.containers.daemon import bridge_gateway
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write
from litecoder_harbor.llm.secrets import key_values, redact, url_secrets, without_userinfo
from litecoder_harbor.scaffolds.recording import ROUTE, ProxyAddresses, origin, recording_proxy

RECORDINGS = "model-requests"
"""Folder of a trial dir that holds its recorded model calls."""
UPSTREAM_TIMEOUT_SEC = 900
"""How long the proxy waits on the endpoint between bytes: a long generation is slow."""
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "accept-encoding",
}
"""Headers that describe one connection, not the request; the proxy sets its own (and asks
for an unencoded reply, so it can read what it records)."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RecordingProxy:
    """Forwards `/record/<job>/<trial>/<attempt>/<path>` to `upstream` + `<path>` and records
    each model call into that trial's dir under `jobs_dir`. Listens on every host given (this
    machine's loopback, and Docker's bridge for agents in containers) on a free port each."""

    def __init__(self, upstream: str, jobs_dir: Path, hosts: list[str]):
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LitecoderError(f"--api-base {without_userinfo(upstream)!r} is not an http(s) URL")
        self.upstream = origin(upstream)
        self.jobs_dir = jobs_dir
        self._secrets = [*url_secrets(upstream), *key_values()]
        self._basic_auth = (
            base64.b64encode(f"{parts.username}:{parts.password or ''}".encode()).decode()
            if parts.username
            else None
        )
        self._numbers: dict[str, itertools.count] = {}
        self._lock = threading.Lock()
        self._servers = [ThreadingHTTPServer((host, 0), self._handler()) for host in hosts]
        for server in self._servers:
            server.daemon_threads = True

    def url(self, host: str) -> str:
        for server in self._servers:
            if server.server_address[0] == host:
                return f"http://{host}:{server.server_address[1]}"
        raise KeyError(host)

    def addresses(self, container_host: str | None) -> ProxyAddresses:
        """The proxy as a scaffold routes to it: from this process, and from containers when
        it listens where they reach it."""
        return ProxyAddresses(
            upstream=self.upstream,
            from_host=self.url(self._servers[0].server_address[0]),
            from_containers=self.url(container_host) if container_host else None,
        )

    def __enter__(self) -> RecordingProxy:
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def attempt_dir(self, path: str) -> tuple[Path, str] | None:
        """Where the calls of the attempt a proxied path names are recorded, and the rest of
        the path; None when the path is not a route to a trial dir that exists."""
        segments = path.split("?")[0].split("/")
        if len(segments) < 5 or segments[0] != "" or segments[1] != ROUTE:
            return None
        job, trial, attempt = (unquote(s) for s in segments[2:5])
        try:
            UUID(attempt)
        except ValueError:
            return None
        if not (_NAME.match(job) and _NAME.match(trial)):
            return None
        trial_dir = self.jobs_dir / job / trial
        rest = "/" + "/".join(segments[5:])
        return trial_dir / RECORDINGS / attempt, rest

    def record(self, folder: Path, entry: dict[str, Any]) -> None:
        """Write one call under its arrival number, unless its trial dir is gone (Harbor
        removed the attempt): a late reply must not bring a discarded attempt back."""
        trial_dir = folder.parent.parent
        if not trial_dir.is_dir():
            return
        text = redact(json.dumps(entry, indent=1, ensure_ascii=False), self._secrets)
        atomic_write(folder / f"{entry['number']:06d}.json", text + "\n")

    def next_number(self, folder: Path) -> int:
        with self._lock:
            return next(self._numbers.setdefault(str(folder), itertools.count(1)))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                routed = proxy.attempt_dir(self.path)
                if routed is None:
                    self._refuse(404, f"no recording route {self.path.split('?')[0]}")
                    return
                folder, rest = routed
                query = urlsplit(self.path).query
                body = self._body()
                protocol = protocol_of(rest) if self.command == "POST" else None
                number = proxy.next_number(folder) if protocol else 0
                started = datetime.now(UTC).isoformat()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                if proxy._basic_auth and "authorization" not in {k.lower() for k in headers}:
                    headers["Authorization"] = f"Basic {proxy._basic_auth}"
                try:
                    upstream = _connect(proxy.upstream)
                    upstream.request(
                        self.command, rest + (f"?{query}" if query else ""), body, headers
                    )
                    response = upstream.getresponse()
                except OSError as exc:
                    self._refuse(502, f"the model endpoint did not answer: {exc}")
                    return
                streamed = "text/event-stream" in (response.getheader("Content-Type") or "")
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                received = self._relay(response, streamed)
                upstream.close()
                if protocol is None or not 200 <= response.status < 300:
                    return
                try:
                    request = json.loads(body)
                    reply = streamed_reply(protocol, received) if streamed else json.loads(received)
                except (ValueError, KeyError):
                    return  # not a call the model answered; nothing to learn from
                proxy.record(
                    folder,
                    {
                        "number": number,
                        "protocol": protocol,
                        "path": rest,
                        "started_at": started,
                        "status": response.status,
                        "streamed": streamed,
                        "request": request,
                        "reply": reply,
                    },
                )

            def _body(self) -> bytes:
                """The request body, sent with a length or in chunks (forwarded with one)."""
                if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline().strip():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)

            def _relay(self, response: http.client.HTTPResponse, streamed: bool) -> bytes:
                """Pass the reply on (a stream as it comes) and return its bytes."""
                if not streamed:
                    data = response.read()
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return data
                self.end_headers()
                chunks = []
                while chunk := response.read1(65536):
                    chunks.append(chunk)
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True
                return b"".join(chunks)

            def _refuse(self, status: int, message: str) -> None:
                data = json.dumps({"error": {"message": message}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@contextlib.contextmanager
def recording_requests(
    api_base: str | None, jobs_dir: Path, *, for_containers: bool
) -> Iterator[RecordingProxy | None]:
    """A recording proxy in front of `api_base` while the block runs, and LiteCoder scaffolds
    routed through it; `for_containers` also listens on Docker's bridge, for scaffolds that call
    the model from inside a local task container. Without `--api-base` (a provider's default
    endpoint) nothing is recorded."""
    if not api_base:
        yield None
        return
    container_host = bridge_gateway() if for_containers else None
    hosts = ["127.0.0.1", *([container_host] if container_host else [])]
    with RecordingProxy(api_base, jobs_dir.resolve(), hosts) as proxy:
        token = recording_proxy.set(proxy.addresses(container_host))
        try:
            yield proxy
        finally:
            recording_proxy.reset(token)


def _connect(upstream: str) -> http.client.HTTPConnection:
    parts = urlsplit(upstream)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname, parts.port, timeout=UPSTREAM_TIMEOUT_SEC)


def recorded_conversation(trial_dir: Path) -> Conversation | None:
    """The conversation of the trial's last model request with the model's reply appended, or
    None when the trial has no recording (a job made by plain `harbor run`)."""
    recordings = trial_dir / RECORDINGS
    if not recordings.is_dir():
        return None
    folder = recordings / _attempt_id(trial_dir)
    calls = sorted(folder.glob("[0-9]*.json"))
    if not calls:
        return None
    last = calls[-1]
    try:
        entry = json.loads(last.read_text())
        return conversation(entry["protocol"], entry["request"], entry["reply"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LitecoderError(
            f"{last}: not a recorded model call ({reason})",
            hint="the recording is damaged; rerun the trial to record it again",
        ) from None


def _attempt_id(trial_dir: Path) -> str:
    """The id Harbor gave the trial's kept attempt, from its result.json."""
    path = trial_dir / "result.json"
    try:
        return str(UUID(str(json.loads(path.read_text())["id"])))
    except FileNotFoundError:
        raise LitecoderError(
            f"{path}: missing", hint="the trial never finished; its recording belongs to no result"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LitecoderError(f"{path}: id: not readable ({exc})") from None
