"""Implement a line-protocol key-value server over TCP, graded by replaying hidden sessions.

Each instance draws its own dialect of a small protocol (verb spellings, reply formats, error
prefix) and the features its level needs: easy is SET/GET/DEL/COUNT with error replies; medium
adds case-insensitive verbs, CRLF and blank lines, values with spaces, INCR, KEYS with a
multi-line reply, multi-key DEL, QUIT, pipelined input and several simultaneous clients; hard
adds per-connection transactions with read-your-writes isolation, commands split across TCP
segments, and durability: the checker SIGKILLs the server mid-session and restarts it on its data
file. The generator scripts the sessions and computes every expected reply with its own model of
the protocol; the checker starts the agent's server (as nobody) and replays them over sockets.
"""

from __future__ import annotations

import json
import random
import re

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

VERBS = {
    "set": ["SET", "PUT", "STORE"],
    "get": ["GET", "FETCH", "READ"],
    "del": ["DEL", "DELETE", "REMOVE"],
    "count": ["COUNT", "SIZE", "LEN"],
    "incr": ["INCR", "BUMP", "ADD"],
    "keys": ["KEYS", "LIST", "SCAN"],
    "quit": ["QUIT", "EXIT", "LOGOUT"],
    "begin": ["BEGIN", "MULTI", "START"],
    "commit": ["COMMIT", "EXEC", "APPLY"],
    "abort": ["ABORT", "ROLLBACK", "DISCARD"],
}
OK_REPLIES = ["OK", "+OK", "DONE"]
NIL_REPLIES = ["NIL", "NOT_FOUND", "(nil)", "MISSING"]
VALUE_FORMATS = ["VALUE {v}", "= {v}", "$ {v}", "VAL {v}"]
INT_FORMATS = ["{n}", ":{n}", "INT {n}", "# {n}"]
BYE_REPLIES = ["BYE", "GOODBYE", "+BYE"]
ERR_PREFIXES = ["ERR", "-ERR", "ERROR"]
UNKNOWN_VERBS = ["PING", "HELLO", "FLUSH", "STATS", "ECHO", "TOUCH", "MGET"]
NAMES = ["kvd", "tinykv", "memo", "cachet", "stash", "ledgerd", "keeper", "vault", "shelf"]
DIRS = ["/app/{name}", "/opt/{name}", "/srv/{name}", "/app/services/{name}"]
KEY_WORDS = [
    "user",
    "cart",
    "session",
    "price",
    "stock",
    "color",
    "visits",
    "limit",
    "quota",
    "token",
    "mode",
    "owner",
    "region",
    "score",
]
VALUE_WORDS = [
    "blue",
    "green",
    "alpha",
    "ready",
    "closed",
    "north",
    "paris",
    "tokyo",
    "lima",
    "oslo",
    "draft",
    "final",
    "hot",
    "cold",
]
INT_RE = re.compile(r"-?[0-9]+")

OPENINGS = [
    "Build `{name}`, a tiny in-memory key-value server that speaks a line protocol over TCP.",
    "We need a small TCP key-value store called `{name}`; the protocol is specified below.",
    "Write the `{name}` server: clients connect over TCP and send one command per line.",
    "Implement `{name}`, a key-value service with a plain-text, line-oriented TCP protocol.",
]


class Spec:
    def __init__(self, rng: random.Random, difficulty: Difficulty):
        self.level = difficulty
        self.medium = difficulty is not Difficulty.EASY
        self.hard = difficulty is Difficulty.HARD
        self.verbs = {op: rng.choice(words) for op, words in VERBS.items()}
        self.ok = rng.choice(OK_REPLIES)
        self.nil = rng.choice(NIL_REPLIES)
        self.value_fmt = rng.choice(VALUE_FORMATS)
        self.int_fmt = rng.choice(INT_FORMATS)
        self.bye = rng.choice(BYE_REPLIES)
        self.err = rng.choice(ERR_PREFIXES)
        ops = ["set", "get", "del", "count"]
        if self.medium:
            ops += ["incr", "keys", "quit"]
        if self.hard:
            ops += ["begin", "commit", "abort"]
        self.ops = ops
        self.by_verb = {self.verbs[op]: op for op in ops}

    def value(self, v: str) -> str:
        return self.value_fmt.format(v=v)

    def int(self, n: int) -> str:
        return self.int_fmt.format(n=n)

    def error(self, what: str) -> str:
        return f"{self.err} {what}"


class Model:
    """The reference semantics: a shared store plus per-connection transaction overlays."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.store: dict[str, str] = {}
        self.txn: dict[str, dict[str, str | None] | None] = {}

    def _view_get(self, conn, key):
        overlay = self.txn.get(conn)
        if overlay is not None and key in overlay:
            return overlay[key]
        return self.store.get(key)

    def _view_keys(self, conn):
        keys = set(self.store)
        for key, value in (self.txn.get(conn) or {}).items():
            if value is None:
                keys.discard(key)
            else:
                keys.add(key)
        return sorted(keys)

    def _write(self, conn, key, value):
        overlay = self.txn.get(conn)
        if overlay is not None:
            overlay[key] = value
        elif value is None:
            self.store.pop(key, None)
        else:
            self.store[key] = value

    def disconnect(self, conn):
        self.txn.pop(conn, None)

    def restart(self):
        self.txn = {}

    def run(self, conn: str, line: str) -> tuple[list[str], bool]:
        """Replies to one raw line (without its newline) and whether the server closes."""
        s = self.spec
        if s.medium:
            line = line[:-1] if line.endswith("\r") else line
            if line == "":
                return [], False
        verb, _, rest = line.partition(" ")
        op = s.by_verb.get(verb.upper() if s.medium else verb)
        if op is None:
            return [s.error("unknown command")], False
        args = rest.split(" ") if rest else []
        wrong = [s.error("wrong number of arguments")], False
        if op == "set":
            if s.medium:
                key, _, value = rest.partition(" ")
                if not key or not value:
                    return wrong
            else:
                if len(args) != 2:
                    return wrong
                key, value = args
            self._write(conn, key, value)
            return [s.ok], False
        if op == "get":
            if len(args) != 1:
                return wrong
            value = self._view_get(conn, args[0])
            return [s.nil if value is None else s.value(value)], False
        if op == "del":
            if not args or (not s.medium and len(args) != 1):
                return wrong
            removed = 0
            for key in args:
                if self._view_get(conn, key) is not None:
                    self._write(conn, key, None)
                    removed += 1
            return [s.int(removed)], False
        if op == "count":
            if args:
                return wrong
            return [s.int(len(self._view_keys(conn)))], False
        if op == "incr":
            if len(args) not in (1, 2):
                return wrong
            delta = args[1] if len(args) == 2 else "1"
            current = self._view_get(conn, args[0])
            current = "0" if current is None else current
            if not INT_RE.fullmatch(delta) or not INT_RE.fullmatch(current):
                return [s.error("not an integer")], False
            new = int(current) + int(delta)
            self._write(conn, args[0], str(new))
            return [s.int(new)], False
        if op == "keys":
            if len(args) > 1:
                return wrong
            prefix = args[0] if args else ""
            keys = [k for k in self._view_keys(conn) if k.startswith(prefix)]
            return [s.int(len(keys)), *keys], False
        if op == "quit":
            if args:
                return wrong
            self.disconnect(conn)
            return [s.bye], True
        if op == "begin":
            if args:
                return wrong
            if self.txn.get(conn) is not None:
                return [s.error("nested transaction")], False
            self.txn[conn] = {}
            return [s.ok], False
        if op in ("commit", "abort"):
            if args:
                return wrong
            overlay = self.txn.get(conn)
            if overlay is None:
                return [s.error("no transaction")], False
            if op == "commit":
                for key, value in overlay.items():
                    if value is None:
                        self.store.pop(key, None)
                    else:
                        self.store[key] = value
            self.txn[conn] = None
            return [s.ok], False
        raise AssertionError(op)


class Session:
    """Builds one scenario's steps while the model computes the replies."""

    def __init__(self, name: str, spec: Spec):
        self.name = name
        self.model = Model(spec)
        self.steps: list[list] = []
        self.open_conns: set[str] = set()

    def open(self, conn):
        self.steps.append(["open", conn])
        self.open_conns.add(conn)

    def close(self, conn):
        self.steps.append(["close", conn])
        self.model.disconnect(conn)
        self.open_conns.discard(conn)

    def send(self, conn, lines, eol="\n", chunks=None):
        """Send several command lines in one write (or split into `chunks` pieces)."""
        replies, closed = [], False
        for line in lines:
            got, closed = self.model.run(conn, line + ("\r" if eol == "\r\n" else ""))
            replies += got
            if closed:
                break
        text = "".join(line + eol for line in lines)
        if chunks:
            self.steps.append(["chunks", conn, chunks(text), replies])
        else:
            self.steps.append(["send", conn, text, replies])
        if closed:
            self.steps.append(["closed", conn])
            self.open_conns.discard(conn)
        return replies

    def partial(self, conn, text):
        self.steps.append(["send", conn, text, []])

    def restart(self):
        self.steps.append(["restart"])
        self.model.restart()
        self.open_conns.clear()

    def as_dict(self):
        return {"name": self.name, "steps": self.steps}


def _key(rng, pool=KEY_WORDS):
    return f"{rng.choice(pool)}:{rng.randrange(1, 60)}"


def _value(rng, spaces):
    words = rng.sample(VALUE_WORDS, rng.randint(2, 3) if spaces else 1)
    return " ".join(words) if spaces else f"{words[0]}{rng.randrange(10, 99)}"


def _random_command(rng, spec: Spec, keys, ops=None, spaces=False) -> str:
    v = spec.verbs
    op = rng.choice(ops or spec.ops)
    key = rng.choice(keys)
    if op == "set":
        value = str(rng.randrange(-20, 100)) if rng.random() < 0.3 else _value(rng, spaces)
        return f"{v['set']} {key} {value}"
    if op == "get":
        return f"{v['get']} {key}"
    if op == "del":
        if spec.medium and rng.random() < 0.3:
            return f"{v['del']} {key} {rng.choice(keys)}"
        return f"{v['del']} {key}"
    if op == "count":
        return v["count"]
    if op == "incr":
        return f"{v['incr']} {key}" + (f" {rng.randrange(-9, 30)}" if rng.random() < 0.5 else "")
    if op == "keys":
        return f"{v['keys']} {key.split(':')[0][: rng.randint(1, 3)]}"
    return v[op]


def _basic_sessions(rng: random.Random, spec: Spec, keys: list[str]):
    """Scenarios every level has: set/get/del/count, errors, shared state, random commands."""
    v = spec.verbs
    sessions: list[Session] = []
    # --- scenarios every level has ------------------------------------------------------
    s = Session("basic set/get/del/count", spec)
    s.open("a")
    k1, k2, k3 = rng.sample(keys, 3)
    for line in [
        f"{v['get']} {k1}",
        f"{v['set']} {k1} {_value(rng, False)}",
        f"{v['get']} {k1}",
        f"{v['set']} {k2} {_value(rng, False)}",
        f"{v['count']}",
        f"{v['set']} {k1} {_value(rng, False)}",
        f"{v['get']} {k1}",
        f"{v['del']} {k1}",
        f"{v['del']} {k1}",
        f"{v['get']} {k1}",
        f"{v['get']} {k3}",
        f"{v['count']}",
    ]:
        s.send("a", [line])
    sessions.append(s)

    s = Session("error replies", spec)
    s.open("a")
    unknown = rng.sample(UNKNOWN_VERBS, 2)
    lines = [
        f"{unknown[0]}",
        f"{unknown[1]} {k1}",
        f"{v['set']} {k1}",
        f"{v['set']}",
        f"{v['get']}",
        f"{v['get']} {k1} {k2}",
        f"{v['count']} {k2}",
        f"{v['del']}",
        f"{v['set']} {k2} {_value(rng, False)}",
        f"{v['get']} {k2}",
    ]
    if not spec.medium:
        lines.insert(4, f"{v['set']} {k1} a b")
        lines.insert(2, f"{v['get'].lower()} {k1}")
    for line in lines:
        s.send("a", [line])
    sessions.append(s)

    s = Session("state shared across connections", spec)
    s.open("a")
    written = rng.sample(keys, 3)
    for key in written:
        s.send("a", [f"{v['set']} {key} {_value(rng, False)}"])
    s.close("a")
    s.open("b")
    for key in [*written, rng.choice([k for k in keys if k not in written])]:
        s.send("b", [f"{v['get']} {key}"])
    s.send("b", [v["count"]])
    sessions.append(s)

    ops = ["set", "get", "del", "count"]
    s = Session("random command sequence", spec)
    s.open("a")
    for _ in range(30 if not spec.medium else 20):
        s.send("a", [_random_command(rng, spec, keys, ops)])
    sessions.append(s)
    return sessions, k1, k2


def _medium_sessions(rng: random.Random, spec: Spec, keys: list[str], k1: str, k2: str):
    """(medium up) Case and CRLF, spaces and INCR, pipelining, KEYS, simultaneous clients."""
    v = spec.verbs
    sessions: list[Session] = []
    s = Session("case-insensitive verbs, CRLF and blank lines", spec)
    s.open("a")
    s.send("a", [f"{v['set'].lower()} {k1} {_value(rng, False)}"], eol="\r\n")
    s.send("a", [f"{v['get'].title()} {k1}"], eol="\r\n")
    s.send("a", ["", f"{v['count'].lower()}", ""])
    s.send("a", [f"{v['get']} {k1.upper()}"])
    sessions.append(s)

    s = Session("values with spaces and INCR", spec)
    s.open("a")
    counter = rng.choice([k for k in keys if k not in (k1,)])
    text_key = rng.choice([k for k in keys if k != counter])
    for line in [
        f"{v['set']} {text_key} {_value(rng, True)}",
        f"{v['get']} {text_key}",
        f"{v['incr']} {counter}",
        f"{v['incr']} {counter} {rng.randrange(5, 40)}",
        f"{v['incr']} {counter} -{rng.randrange(50, 90)}",
        f"{v['get']} {counter}",
        f"{v['incr']} {text_key}",
        f"{v['incr']} {counter} 1.5",
        f"{v['incr']} {counter} x",
        f"{v['incr']}",
        f"{v['get']} {text_key}",
    ]:
        s.send("a", [line])
    sessions.append(s)

    s = Session("pipelined commands in one write", spec)
    s.open("a")
    batch = [
        _random_command(rng, spec, keys, ["set", "get", "del", "count", "incr"], True)
        for _ in range(12)
    ]
    s.send("a", batch)
    s.send("a", [_random_command(rng, spec, keys, ["get", "keys"]) for _ in range(5)])
    sessions.append(s)

    s = Session("KEYS and multi-key DEL", spec)
    s.open("a")
    group = rng.choice(KEY_WORDS)
    members = sorted({f"{group}:{rng.randrange(1, 40)}" for _ in range(4)})
    for key in [*members, f"x{group}:1", f"{group[:2]}"]:
        s.send("a", [f"{v['set']} {key} {_value(rng, False)}"])
    s.send("a", [f"{v['keys']} {group}:"])
    s.send("a", [f"{v['keys']} {group[:2]}"])
    s.send("a", [f"{v['keys']} zz"])
    s.send("a", [f"{v['del']} {members[0]} {members[1]} nosuch:{rng.randrange(99)}"])
    s.send("a", [f"{v['keys']}"])
    s.send("a", [f"{v['keys']} a b"])
    sessions.append(s)

    s = Session("simultaneous clients and QUIT", spec)
    s.open("a")
    s.open("b")
    slow_key = rng.choice(keys)
    s.partial("a", f"{v['set']} {slow_key}")  # a sends half a line and waits...
    s.send("b", [f"{v['set']} {k2} {_value(rng, False)}"])  # ...b must not be blocked
    s.send("b", [f"{v['get']} {slow_key}"])
    slow_value = _value(rng, False)
    s.steps.append(["send", "a", f" {slow_value}\n", [spec.ok]])
    s.model.run("a", f"{v['set']} {slow_key} {slow_value}")
    s.send("b", [f"{v['get']} {slow_key}"])
    s.send("a", [f"{v['quit']}"])
    s.send("b", [f"{v['count']}", f"{v['quit']} now"])
    s.open("c")
    s.send("c", [f"{v['get']} {slow_key}", f"{v['quit'].lower()}"])
    sessions.append(s)

    s = Session("random commands from two clients", spec)
    s.open("a")
    s.open("b")
    for _ in range(40):
        conn = rng.choice("ab")
        s.send(
            conn,
            [
                _random_command(
                    rng,
                    spec,
                    keys,
                    [o for o in spec.ops if o != "quit" and o not in ("begin", "commit", "abort")],
                    True,
                )
            ],
        )
    sessions.append(s)
    return sessions


def _hard_sessions(rng: random.Random, spec: Spec, keys: list[str]):
    """(hard) Transactions, commands split across segments, durability across restarts."""
    v = spec.verbs
    sessions: list[Session] = []
    s = Session("transactions: isolation, commit, abort", spec)
    s.open("a")
    s.open("b")
    ka, kb, kc = rng.sample(keys, 3)
    script = [
        ("a", f"{v['set']} {ka} 10"),
        ("a", f"{v['commit']}"),
        ("a", f"{v['begin']}"),
        ("a", f"{v['begin']}"),
        ("a", f"{v['set']} {kb} {_value(rng, True)}"),
        ("a", f"{v['incr']} {ka} 5"),
        ("a", f"{v['get']} {ka}"),
        ("b", f"{v['get']} {ka}"),
        ("b", f"{v['get']} {kb}"),
        ("a", f"{v['del']} {ka}"),
        ("a", f"{v['count']}"),
        ("b", f"{v['count']}"),
        ("b", f"{v['set']} {kc} {_value(rng, False)}"),
        ("a", f"{v['keys']}"),
        ("a", f"{v['commit']}"),
        ("b", f"{v['get']} {ka}"),
        ("b", f"{v['get']} {kb}"),
        ("b", f"{v['begin']}"),
        ("b", f"{v['set']} {kc} {_value(rng, False)}"),
        ("b", f"{v['incr']} {kb}"),
        ("b", f"{v['abort']}"),
        ("b", f"{v['abort']}"),
        ("a", f"{v['get']} {kc}"),
        ("b", f"{v['begin']}"),
        ("b", f"{v['set']} {ka} {_value(rng, False)}"),
    ]
    for conn, line in script:
        s.send(conn, [line])
    s.close("b")
    s.send("a", [f"{v['get']} {ka}", f"{v['commit']}"])
    sessions.append(s)

    s = Session("commands split across TCP segments", spec)
    s.open("a")
    lines = [
        _random_command(rng, spec, keys, ["set", "get", "incr", "keys", "count"], True)
        for _ in range(10)
    ]

    def splitter(text, rng=rng):
        cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, 14)))
        return [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]

    s.send("a", lines, chunks=splitter)
    s.send("a", [f"{v['keys']}"])
    sessions.append(s)

    s = Session("data survives kill -9 and restart", spec)
    s.open("a")
    s.open("b")
    durable = rng.sample(keys, 4)
    for key in durable[:3]:
        s.send("a", [f"{v['set']} {key} {_value(rng, True)}"])
    s.send("a", [f"{v['incr']} {durable[3]} {rng.randrange(2, 50)}"])
    s.send("a", [f"{v['del']} {durable[0]}"])
    s.send(
        "b",
        [
            f"{v['begin']}",
            f"{v['set']} {durable[1]} {_value(rng, False)}",
            f"{v['commit']}",
        ],
    )
    s.send("b", [f"{v['begin']}", f"{v['set']} {durable[2]} {_value(rng, False)}"])
    s.restart()
    s.open("c")
    for key in durable:
        s.send("c", [f"{v['get']} {key}"])
    s.send("c", [f"{v['count']}", f"{v['keys']}"])
    s.send("c", [f"{v['set']} {durable[0]} {_value(rng, False)}"])
    s.restart()
    s.open("a")
    s.send("a", [f"{v['get']} {durable[0]}", f"{v['count']}"])
    sessions.append(s)

    s = Session("random transactions from three clients with restarts", spec)
    for conn in "abc":
        s.open(conn)
    for i in range(90):
        if i in (45, 70):
            s.restart()
            for conn in "abc":
                s.open(conn)
        conn = rng.choice("abc")
        ops = [o for o in spec.ops if o != "quit"] + ["set", "get", "incr"]
        s.send(conn, [_random_command(rng, spec, keys, ops, True)])
    sessions.append(s)
    return sessions


@register
class TcpKvServer(TemplateFamily):
    name = "tcp-kv-server"
    result_paths = ("/app", "/opt", "/srv")  # the service folder is drawn per seed
    domain = Domain.NETWORKING
    description = (
        "Implement a line-protocol key-value server over TCP (errors, pipelining, concurrent "
        "clients, transactions, durability), graded by replaying hidden sessions."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        spec = Spec(rng, difficulty)
        name = rng.choice(NAMES)
        base = rng.choice(DIRS).format(name=name)
        server = f"{base}/server.py"
        keys = [f"{w}:{rng.randrange(1, 99)}" for w in rng.sample(KEY_WORDS, 6)]
        sessions, k1, k2 = _basic_sessions(rng, spec, keys)
        if spec.medium:
            sessions += _medium_sessions(rng, spec, keys, k1, k2)
        if spec.hard:
            sessions += _hard_sessions(rng, spec, keys)
        sessions_doc = [x.as_dict() for x in sessions]
        expected = {
            "server": server,
            "base": base,
            "persist": spec.hard,
            "sessions": sessions_doc,
        }
        instruction = self._instruction(rng, spec, name, base, server)
        return Instance(
            instruction=instruction,
            solution=self._solution(spec, base, server),
            checker=self.asset("check.py"),
            expected=expected,
            tags=["tcp", "sockets", "protocol", "server"]
            + (["concurrency"] if spec.medium else [])
            + (["transactions", "durability"] if spec.hard else []),
        )

    def _solution(self, spec: Spec, base: str, server: str) -> str:
        """solve.sh: the reference server for this spec, installed and smoke-tested."""
        v = spec.verbs
        server_code = self.asset("kvserver.py").replace("@SPEC@", self._spec_json(spec))
        solution = (
            self.asset("solve.sh")
            .replace("@KVSERVER@", server_code.rstrip("\n"))
            .replace("@BASE@", base)
            .replace("@SERVER@", server)
            .replace("@DATA_ARG@", "--data /tmp/kv-smoke/store.json" if spec.hard else "")
        )
        want = [spec.ok, spec.value("41"), spec.int(1)]
        probe = [
            f"printf '%s\\n' '{v['set']} probe 41' '{v['get']} probe' '{v['count']}' "
            '| timeout 5 nc -q 1 127.0.0.1 "$port" | tee /tmp/kv-got.txt',
            "printf '%s\\n' " + " ".join(f"'{line}'" for line in want) + " > /tmp/kv-want.txt",
        ]
        solution = solution.replace("@PROBE@", "\n".join(probe))
        return solution

    @staticmethod
    def _spec_json(spec: Spec) -> str:
        return json.dumps(
            {
                "verbs": {op: spec.verbs[op] for op in spec.ops},
                "ok": spec.ok,
                "nil": spec.nil,
                "value": spec.value_fmt,
                "int": spec.int_fmt,
                "bye": spec.bye,
                "err": spec.err,
                "level": spec.level.value,
            },
            sort_keys=True,
        )

    @staticmethod
    def _commands(spec: Spec) -> list[str]:
        """The command list of the protocol, as the instruction states it."""
        v = spec.verbs
        ok, nil = f"`{spec.ok}`", f"`{spec.nil}`"
        val = f"`{spec.value('<value>')}`"
        num = f"`{spec.int('<n>')}`"
        commands = [
            f"- `{v['set']} <key> <value>` stores the value and replies {ok}."
            + (
                " The value is everything after the space that follows the key; it may contain "
                "spaces (but never starts with one)."
                if spec.medium
                else " Keys and values are single words without spaces."
            ),
            f"- `{v['get']} <key>` replies {val} or {nil} when the key is absent.",
            f"- `{v['del']} <key>"
            + (" [<key> ...]`" if spec.medium else "`")
            + f" removes the key{'s' if spec.medium else ''} and replies {num} with the number "
            "of keys that existed and were removed"
            + (" (keys are processed left to right)." if spec.medium else "."),
            f"- `{v['count']}` replies {num} with the number of stored keys.",
        ]
        if spec.medium:
            commands += [
                f"- `{v['incr']} <key> [<delta>]` adds `delta` (default 1, may be negative) to "
                f"the integer stored at the key (absent counts as 0), stores the result and "
                f"replies {num} with it. If the stored value or the delta is not an integer "
                "(optional `-` then digits), reply the error `not an integer` and change nothing.",
                f"- `{v['keys']} [<prefix>]` replies {num} with the number of keys starting with "
                "the prefix (all keys without one), followed by those keys, one per line, sorted "
                "by byte value.",
                f"- `{v['quit']}` replies `{spec.bye}` and the server closes that connection.",
            ]
        if spec.hard:
            commands += [
                f"- `{v['begin']}` starts a transaction on this connection and replies {ok}. "
                "Until it ends, this connection's writes are invisible to other connections, "
                f"while its own reads ({v['get']}, {v['count']}, {v['keys']}, {v['incr']}) see them "
                "on top of the live data.",
                f"- `{v['commit']}` publishes all of the transaction's writes at once (each key it "
                f"wrote takes the value it has inside the transaction, or is deleted) and "
                f"replies {ok}; `{v['abort']}` throws them away and replies {ok}.",
            ]
        return commands

    @staticmethod
    def _rules(rng: random.Random, spec: Spec) -> list[str]:
        """The protocol's rules (shuffled)."""
        v = spec.verbs
        err = spec.error("<message>")
        rules = [
            f"Errors are one line `{err}`. An unknown verb gives `{spec.error('unknown command')}`"
            f"; a known verb with the wrong number of arguments gives "
            f"`{spec.error('wrong number of arguments')}`. The connection stays usable after "
            "an error.",
            "Every request line gets its replies in order, and a client may send many lines in "
            "one write without waiting (pipelining), or a line in several pieces."
            if spec.medium
            else "Each command is one line ending in `\\n`; the server answers every line.",
            "Keys are case-sensitive words without spaces.",
            "The server never sends anything but replies (no greeting or prompt).",
            "Commands take exactly the arguments shown (square brackets mark optional ones); any "
            "other number of arguments is an error.",
        ]
        if spec.medium:
            rules += [
                "Verbs are case-insensitive (`"
                + v["get"].lower()
                + "` works like `"
                + v["get"]
                + "`). Lines end in `\\n`, possibly preceded by `\\r` (drop it). Blank lines get no "
                "reply.",
                "Many clients may be connected at the same time and they all share one store; a "
                "slow client that has sent half a line must not hold up the others.",
            ]
        else:
            rules.append(
                f"Verbs are matched exactly as written above (upper case): `{v['get'].lower()}` is "
                "an unknown verb."
            )
        if spec.hard:
            rules += [
                f"`{v['begin']}` inside a transaction replies `{spec.error('nested transaction')}`"
                f" (the transaction goes on); `{v['commit']}` or `{v['abort']}` outside one "
                f"replies `{spec.error('no transaction')}`. A connection that closes (or sends "
                f"`{v['quit']}`) with an open transaction loses it. Errors inside a transaction "
                "do not end it.",
                "Durability: the server is started with `--data <file>` and must keep the data "
                "there. On start it loads the file if it exists (it may not). Every write that "
                f"has been acknowledged outside a transaction, and every acknowledged "
                f"`{v['commit']}`, must survive the server being killed with SIGKILL right after "
                "the reply. Uncommitted transactions do not survive. The file's directory is "
                "writable; you may create temporary files next to it.",
            ]
        rng.shuffle(rules)
        return rules

    def _instruction(self, rng, spec: Spec, name, base, server) -> str:
        """The task text: how the server is started, the commands, the rules and an example."""
        v = spec.verbs
        commands = self._commands(spec)
        rules = self._rules(rng, spec)
        start = f"python3 {server} --port <port>" + (" --data <file>" if spec.hard else "")
        k = rng.choice(KEY_WORDS)
        ex_val = rng.choice(VALUE_WORDS)
        example = [
            f"> {v['set']} {k} {ex_val}",
            f"< {spec.ok}",
            f"> {v['get']} {k}",
            f"< {spec.value(ex_val)}",
            f"> {v['get']} other",
            f"< {spec.nil}",
            f"> {v['del']} {k}",
            f"< {spec.int(1)}",
            "> FROB",
            f"< {spec.error('unknown command')}",
        ]
        return "\n".join(
            [
                rng.choice(OPENINGS).format(name=name),
                f"Put it in `{server}`. It will be started as the unprivileged user `nobody` with",
                "",
                f"    {start}",
                "",
                "and must listen on `127.0.0.1` at that port, serving until it is killed. Use only "
                "the Python standard library.",
                "",
                "Protocol: the client sends one command per line; the verb and its arguments are "
                "separated by single spaces. Every reply line ends in `\\n`. Commands:",
                *commands,
                "",
                "Rules:",
                *[f"- {rule}" for rule in rules],
                "",
                "Example session (`>` client, `<` server):",
                "",
                *[f"    {line}" for line in example],
            ]
        )
