#!/usr/bin/env python3
"""Line-protocol key-value server: one thread per client, one lock around the shared store."""

import argparse
import json
import os
import re
import socket
import tempfile
import threading

SPEC = json.loads("""@SPEC@""")
LEVEL = SPEC["level"]
MEDIUM = LEVEL in ("medium", "hard")
HARD = LEVEL == "hard"
OPS = {verb: op for op, verb in SPEC["verbs"].items()}
INT = re.compile(r"-?[0-9]+")
DELETED = object()

store = {}
lock = threading.Lock()
data_path = None


def persist():
    """Write the whole store next to the data file, fsync it, then rename it into place."""
    if data_path is None:
        return
    folder = os.path.dirname(os.path.abspath(data_path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kv-")
    with os.fdopen(fd, "w") as fh:
        json.dump(store, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, data_path)


def load():
    if data_path and os.path.exists(data_path):
        with open(data_path) as fh:
            store.update(json.load(fh))


def err(message):
    return [f"{SPEC['err']} {message}"]


def as_int(n):
    return SPEC["int"].format(n=n)


class Client:
    def __init__(self):
        self.txn = None  # dict key -> value or DELETED while a transaction is open

    def get(self, key):
        if self.txn is not None and key in self.txn:
            value = self.txn[key]
            return None if value is DELETED else value
        return store.get(key)

    def keys(self):
        keys = set(store)
        for key, value in (self.txn or {}).items():
            if value is DELETED:
                keys.discard(key)
            else:
                keys.add(key)
        return sorted(keys)

    def write(self, key, value):
        if self.txn is not None:
            self.txn[key] = value
            return False
        if value is DELETED:
            store.pop(key, None)
        else:
            store[key] = value
        return True

    def handle(self, line):
        """Replies for one line, and whether to close the connection afterwards."""
        if MEDIUM:
            if line.endswith("\r"):
                line = line[:-1]
            if line == "":
                return [], False
        verb, _, rest = line.partition(" ")
        op = OPS.get(verb.upper() if MEDIUM else verb)
        if op is None:
            return err("unknown command"), False
        args = rest.split(" ") if rest else []
        wrong = err("wrong number of arguments"), False
        with lock:
            if op == "set":
                if MEDIUM:
                    key, _, value = rest.partition(" ")
                    if not key or not value:
                        return wrong
                elif len(args) != 2:
                    return wrong
                else:
                    key, value = args
                if self.write(key, value):
                    persist()
                return [SPEC["ok"]], False
            if op == "get":
                if len(args) != 1:
                    return wrong
                value = self.get(args[0])
                return [SPEC["nil"] if value is None else SPEC["value"].format(v=value)], False
            if op == "del":
                if not args or (not MEDIUM and len(args) != 1):
                    return wrong
                removed, changed = 0, False
                for key in args:
                    if self.get(key) is not None:
                        changed |= self.write(key, DELETED)
                        removed += 1
                if changed:
                    persist()
                return [as_int(removed)], False
            if op == "count":
                return wrong if args else ([as_int(len(self.keys()))], False)
            if op == "incr":
                if len(args) not in (1, 2):
                    return wrong
                delta = args[1] if len(args) == 2 else "1"
                current = self.get(args[0])
                current = "0" if current is None else current
                if not INT.fullmatch(delta) or not INT.fullmatch(current):
                    return err("not an integer"), False
                new = int(current) + int(delta)
                if self.write(args[0], str(new)):
                    persist()
                return [as_int(new)], False
            if op == "keys":
                if len(args) > 1:
                    return wrong
                prefix = args[0] if args else ""
                keys = [k for k in self.keys() if k.startswith(prefix)]
                return [as_int(len(keys)), *keys], False
            if op == "quit":
                if args:
                    return wrong
                self.txn = None
                return [SPEC["bye"]], True
            if op == "begin":
                if args:
                    return wrong
                if self.txn is not None:
                    return err("nested transaction"), False
                self.txn = {}
                return [SPEC["ok"]], False
            if op in ("commit", "abort"):
                if args:
                    return wrong
                if self.txn is None:
                    return err("no transaction"), False
                if op == "commit":
                    for key, value in self.txn.items():
                        if value is DELETED:
                            store.pop(key, None)
                        else:
                            store[key] = value
                    persist()
                self.txn = None
                return [SPEC["ok"]], False
        return err("unknown command"), False


def serve_client(sock):
    client, buffer = Client(), b""
    with sock:
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                replies, close = client.handle(raw.decode("utf-8", "replace"))
                if replies:
                    sock.sendall("".join(r + "\n" for r in replies).encode())
                if close:
                    return


def main():
    global data_path
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data")
    args = parser.parse_args()
    data_path = args.data
    load()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_client, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
