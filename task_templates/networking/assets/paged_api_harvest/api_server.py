#!/usr/bin/env python3
"""A small local JSON API with bearer-token auth, pagination and a strict rate limiter.

    python3 server.py --port 8000 --config config.json [--stats stats.json]

Everything it serves and enforces comes from the config file; see API.md for the protocol.
"""

import argparse
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class State:
    def __init__(self, config, stats_path):
        self.config = config
        self.stats_path = stats_path
        self.lock = threading.Lock()
        self.counter = 0
        self.blocked_until = 0.0
        self.tokens = {}  # token -> remaining uses (None = unlimited)
        if config["auth"] == "static":
            self.tokens[config["token"]] = None
        self.stats = {"requests": 0, "throttled": 0, "early_retries": 0, "unavailable": 0}

    def save_stats(self):
        if self.stats_path:
            tmp = self.stats_path + ".tmp"
            with open(tmp, "w") as fh:
                json.dump(self.stats, fh)
            os.replace(tmp, self.stats_path)

    def gate(self):
        """None to serve the request, or (status, body, headers) to refuse it."""
        cfg = self.config
        with self.lock:
            self.counter += 1
            self.stats["requests"] += 1
            now = time.monotonic()
            try:
                if now < self.blocked_until:
                    self.stats["early_retries"] += 1
                    self.stats["throttled"] += 1
                    wait = max(1, round(self.blocked_until - now + 0.5))
                    return 429, {"error": "rate_limited"}, {"Retry-After": str(wait)}
                first = cfg["first_throttle"]
                if self.counter >= first and (self.counter - first) % cfg["rate_every"] == 0:
                    self.blocked_until = now + cfg["retry_after"] - 0.05
                    self.stats["throttled"] += 1
                    return 429, {"error": "rate_limited"}, {"Retry-After": str(cfg["retry_after"])}
                if cfg.get("fail_every") and self.counter % cfg["fail_every"] == 0:
                    self.stats["unavailable"] += 1
                    return 503, {"error": "temporarily_unavailable"}, {}
                return None
            finally:
                self.save_stats()

    def authorize(self, header):
        if not header or not header.startswith("Bearer "):
            return "invalid_token"
        token = header[len("Bearer ") :].strip()
        with self.lock:
            if token not in self.tokens:
                return "invalid_token"
            left = self.tokens[token]
            if left is None:
                return None
            if left <= 0:
                return "token_expired"
            self.tokens[token] = left - 1
            return None

    def issue(self, body):
        cfg = self.config
        if cfg["auth"] != "client":
            return 404, {"error": "not_found"}
        if (
            body.get("client_id") != cfg["client_id"]
            or body.get("client_secret") != cfg["client_secret"]
        ):
            return 401, {"error": "invalid_client"}
        token = base64.urlsafe_b64encode(os.urandom(18)).decode()
        uses = cfg.get("token_uses") or None
        with self.lock:
            self.tokens[token] = uses
        reply = {"access_token": token, "token_type": "Bearer"}
        if uses:
            reply["max_uses"] = uses
        return 200, reply


def encode_cursor(offset):
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(text):
    padded = text + "=" * (-len(text) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["o"])


class Handler(BaseHTTPRequestHandler):
    server_version = "localapi/2.3"

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        state = self.server.state
        refused = state.gate()
        if refused:
            return self.reply(*refused)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if urlsplit(self.path).path != "/auth/token":
            return self.reply(404, {"error": "not_found"})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self.reply(400, {"error": "bad_json"})
        self.reply(*state.issue(body if isinstance(body, dict) else {}))

    def do_GET(self):
        state = self.server.state
        cfg = state.config
        refused = state.gate()
        if refused:
            return self.reply(*refused)
        problem = state.authorize(self.headers.get("Authorization"))
        if problem:
            return self.reply(401, {"error": problem}, {"WWW-Authenticate": "Bearer"})
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        collections = cfg["collections"]
        name = url.path.rstrip("/").rsplit("/", 1)[-1]
        if url.path.rstrip("/") != f"{cfg['prefix']}/{name}" or name not in collections:
            return self.reply(404, {"error": "not_found"})
        coll = collections[name]
        rows = coll["rows"]
        try:
            if coll["style"] == "page":
                page = int(query.get("page", "1"))
                if page < 1:
                    raise ValueError
                size = coll["page_size"]
                pages = max(1, -(-len(rows) // size))
                items = rows[(page - 1) * size : page * size]
                return self.reply(200, {"page": page, "total_pages": pages, "items": items})
            limit = int(query.get("limit", str(coll["default_limit"])))
            if not 1 <= limit <= coll["max_limit"]:
                return self.reply(400, {"error": "bad_limit", "max_limit": coll["max_limit"]})
            offset = decode_cursor(query["cursor"]) if "cursor" in query else 0
            if offset < 0 or offset > len(rows):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return self.reply(400, {"error": "bad_request"})
        chunk = rows[offset : offset + limit]
        nxt = encode_cursor(offset + limit) if offset + limit < len(rows) else None
        self.reply(200, {"data": chunk, "next_cursor": nxt})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--stats")
    args = parser.parse_args()
    with open(args.config) as fh:
        config = json.load(fh)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.state = State(config, args.stats)
    server.serve_forever()


if __name__ == "__main__":
    main()
