"""Start the agent's server as nobody and replay the hidden sessions over TCP sockets."""

import contextlib
import os
import socket
import sys
import threading
import time

sys.path.append("/tests")
from verifier_kit import (
    NOBODY,
    Checks,
    expected,
    free_port,
    fresh_dir,
    run_agent_code,
    stop_services,
)  # noqa: E402

truth = expected()
checks = Checks()
WORK = "/tmp/kv-grading"
READ_TIMEOUT = 4.0


class Server:
    """The agent's server under `run_agent_code` (as nobody, own session, time limit), run on a
    thread so it keeps serving while the checker talks to it."""

    def __init__(self, data):
        self.data = data
        self.port = None
        self.thread = None
        self.result = None

    def start(self):
        self.port = free_port()
        args = ["python3", truth["server"], "--port", str(self.port)]
        if truth["persist"]:
            args += ["--data", self.data]
        self.result = None
        self.thread = threading.Thread(target=self._run, args=(args,), daemon=True)
        self.thread.start()
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                if not self.thread.is_alive():
                    return False
                time.sleep(0.05)
        return False

    def _run(self, args):
        self.result = run_agent_code(args, timeout=120, cwd=os.path.dirname(truth["server"]))

    def kill(self):
        stop_services()
        if self.thread:
            self.thread.join(5)


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
        self.buffer = b""

    def send(self, text):
        self.sock.sendall(text.encode())

    def readline(self):
        deadline = time.time() + READ_TIMEOUT
        while b"\n" not in self.buffer:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no complete reply line")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def is_closed(self):
        if self.buffer:
            return False
        self.sock.settimeout(2.0)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except OSError:
            return True

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


def replay(session, index):
    data_dir = os.path.join(WORK, f"s{index}")
    os.makedirs(data_dir)
    os.chown(data_dir, NOBODY, NOBODY)
    server = Server(os.path.join(data_dir, "store.db"))
    if not server.start():
        return False, f"server did not start listening: {server.result}"
    conns = {}
    try:
        for number, step in enumerate(session["steps"]):
            kind = step[0]
            where = f"step {number} {step[:3]!r}"
            if kind == "open":
                conns[step[1]] = Conn(server.port)
            elif kind == "close":
                conns.pop(step[1]).close()
                time.sleep(0.05)
            elif kind in ("send", "chunks"):
                conn = conns[step[1]]
                if kind == "send":
                    conn.send(step[2])
                else:
                    for piece in step[2]:
                        conn.send(piece)
                        time.sleep(0.03)
                got = []
                try:
                    for _ in step[3]:
                        got.append(conn.readline())
                except (OSError, TimeoutError, ConnectionError) as exc:
                    return False, f"{where}: wanted {step[3]!r}, got {got!r} then {exc}"
                if got != step[3]:
                    return False, f"{where}: wanted {step[3]!r}, got {got!r}"
            elif kind == "closed":
                if not conns.pop(step[1]).is_closed():
                    return False, f"{where}: connection still open"
            elif kind == "restart":
                server.kill()
                for conn in conns.values():
                    conn.close()
                conns.clear()
                if not server.start():
                    return False, f"{where}: server did not come back: {server.result}"
        return True, ""
    finally:
        for conn in conns.values():
            conn.close()
        server.kill()


def server_exists():
    return os.path.isfile(truth["server"]), f"{truth['server']} is missing"


if checks.run("server program exists", server_exists):
    fresh_dir(WORK)
    for index, session in enumerate(truth["sessions"]):
        checks.run(f"session: {session['name']}", lambda s=session, i=index: replay(s, i))
checks.finish()
