#!/usr/bin/python3
"""@SVC@d: a tiny TCP status daemon. Read /opt/@SVC@/README before running it."""

import contextlib
import os
import signal
import socket
import sys
import time

ENV_VAR = "@ENV@"
DRAIN_SECONDS = float("@DRAIN@")
state = {"stop": False, "reload": False}


def load(path):
    conf = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                key, _, value = line.partition("=")
                conf[key.strip()] = value.strip()
    for key in ("listen_port", "instance_name", "log_file"):
        if key not in conf:
            raise ValueError(f"missing setting {key!r}")
    return conf


def fail(code, message):
    print(f"@SVC@d: {message}", file=sys.stderr, flush=True)
    return code


def main():
    if sys.argv[1:] == ["--version"]:
        print("@SVC@d 2.4.1")
        return 0
    path = os.environ.get(ENV_VAR)
    if not path:
        return fail(78, f"{ENV_VAR} is not set; it must name the config file")
    try:
        conf = load(path)
    except (OSError, ValueError) as exc:
        return fail(78, f"cannot load config {path}: {exc}")
    if os.geteuid() == 0:
        return fail(77, "refusing to run as root; start me as the service user")
    try:
        log = open(conf["log_file"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (lives as long as the daemon)
    except OSError as exc:
        return fail(73, f"cannot open log file: {exc}")

    def note(message):
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [{os.getpid()}] {message}\n")

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", int(conf["listen_port"])))
    except OSError as exc:
        note(f"cannot listen on port {conf['listen_port']}: {exc}")
        return fail(75, f"cannot listen on port {conf['listen_port']}: {exc}")
    server.listen(16)
    server.settimeout(0.2)
    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGHUP, lambda *_: state.update(reload=True))
    name = conf["instance_name"]
    note(f"started as uid {os.getuid()}, instance {name}, port {conf['listen_port']}")
    while True:
        if state["reload"]:
            state["reload"] = False
            try:
                name = load(path)["instance_name"]
                note(f"reloaded, instance {name}")
            except (OSError, ValueError) as exc:
                note(f"reload failed, keeping the old config: {exc}")
        if state["stop"]:
            note(f"stopping, draining connections for {DRAIN_SECONDS}s")
            time.sleep(DRAIN_SECONDS)
            server.close()
            note("stopped")
            return 0
        try:
            conn, _ = server.accept()
        except (TimeoutError, InterruptedError):
            continue
        with conn:
            conn.settimeout(2)
            try:
                request = conn.recv(256).decode(errors="replace").strip()
            except OSError:
                continue
            if request == "PING":
                reply = f"PONG {name} pid={os.getpid()} uid={os.getuid()}\n"
            else:
                reply = "ERR unknown command\n"
            with contextlib.suppress(OSError):
                conn.sendall(reply.encode())


if __name__ == "__main__":
    sys.exit(main())
