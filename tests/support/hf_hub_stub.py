"""A local stand-in for the Hugging Face Hub's write endpoints, enough for `huggingface_hub` to
create a dataset repo and commit files to it: `POST /api/repos/create`, `/api/validate-yaml`
(the card's front matter), `.../preupload/{rev}` and `.../commit/{rev}` (NDJSON). Every file is answered as a "regular" upload, so its bytes
travel inside the commit and no LFS or Xet storage is needed.

Point the real client at it with `HF_ENDPOINT=<stub.url>` (read when `huggingface_hub` is
imported, so set it for a subprocess, as a user's shell does).
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml


@dataclass
class Repo:
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)
    """Commit messages, oldest first."""


@dataclass
class HubStub:
    repos: dict[str, Repo] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    """The Authorization header of every request, to check which token the client sent."""
    unexpected: list[str] = field(default_factory=list)
    """Requests this stand-in does not know; a test asserts it stays empty."""

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HubStub:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(hub: HubStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hub.tokens.append(self.headers.get("Authorization", ""))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = self.path.split("?")[0].strip("/").split("/")
            if parts == ["api", "repos", "create"]:
                return self._create(json.loads(body))
            if parts == ["api", "validate-yaml"]:
                return self._validate_card(json.loads(body)["content"])
            if len(parts) == 6 and parts[:2] == ["api", "datasets"]:
                repo_id, action = f"{parts[2]}/{parts[3]}", parts[4]
                if repo_id not in hub.repos:
                    return self._send(404, {"error": f"Repository not found: {repo_id}"})
                if action == "preupload":
                    files = json.loads(body)["files"]
                    return self._send(200, {"files": [_regular(f["path"]) for f in files]})
                if action == "commit":
                    return self._commit(repo_id, parts[5], body)
            self._unknown()

        def do_GET(self) -> None:
            self._unknown()

        def _create(self, payload: dict) -> None:
            if payload.get("type") != "dataset":
                return self._send(400, {"error": "only dataset repos are served here"})
            repo_id = f"{payload['organization']}/{payload['name']}"
            url = f"{hub.url}/datasets/{repo_id}"
            if repo_id in hub.repos:
                error = "You already created this dataset repo"
                return self._send(409, {"error": error, "url": url})
            hub.repos[repo_id] = Repo(private=bool(payload.get("private")))
            self._send(200, {"url": url, "name": repo_id})

        def _validate_card(self, content: str) -> None:
            """The Hub parses a README's front matter before accepting it; so does this."""
            front_matter = content.split("---\n")[1] if content.startswith("---\n") else ""
            try:
                yaml.safe_load(front_matter)
            except yaml.YAMLError as exc:
                return self._send(400, {"errors": [{"message": str(exc)}]})
            self._send(200, {"errors": [], "warnings": []})

        def _commit(self, repo_id: str, revision: str, body: bytes) -> None:
            repo = hub.repos[repo_id]
            for line in body.decode().splitlines():
                entry = json.loads(line)
                if entry["key"] == "header":
                    repo.commits.append(entry["value"]["summary"])
                elif entry["key"] == "file":
                    repo.files[entry["value"]["path"]] = base64.b64decode(entry["value"]["content"])
                else:
                    return self._send(400, {"error": f"unsupported operation {entry['key']}"})
            oid = f"{len(repo.commits):040x}"
            url = f"{hub.url}/datasets/{repo_id}/commit/{oid}"
            self._send(200, {"commitUrl": url, "commitOid": oid, "pullRequestUrl": None})

        def _unknown(self) -> None:
            hub.unexpected.append(f"{self.command} {self.path}")
            self._send(404, {"error": f"not served by the stand-in: {self.path}"})

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # keep test output clean
            pass

    return Handler


def _regular(path: str) -> dict:
    return {"path": path, "uploadMode": "regular", "shouldIgnore": False}
