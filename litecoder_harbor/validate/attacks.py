"""The attack battery: deliberately lazy, wrong or tampering "solutions" a sound verifier scores 0.

Attacks are data — a registry of named builders that turn what the agent can see (the
instruction, and for `partial` the reference solution) into a shell script — and they run as
an ordinary Harbor agent (`validate.agents.AttackAgent`), so the same battery works on any task and any
environment type. Which named paths are inputs and which are outputs is decided inside the
container: a path that exists before the agent acts is an input, one that does not is an output.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from litecoder_harbor.errors import LitecoderError


class AttackKind(StrEnum):
    GAMING = "gaming"  # produce outputs without doing the work
    TAMPERING = "tampering"  # attack the grading machinery itself


@dataclass
class AttackContext:
    """What an attack may use: only what a real agent could see (plus the solution for `partial`)."""

    instruction: str
    solution: str | None = None
    paths: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Attack:
    name: str
    kind: AttackKind
    description: str
    script: Callable[[AttackContext], str]


ATTACKS: dict[str, Attack] = {}


def attack(name: str, kind: AttackKind, description: str):
    """Register a script builder under `name`."""

    def register(build: Callable[[AttackContext], str]) -> Callable[[AttackContext], str]:
        ATTACKS[name] = Attack(name, kind, description, build)
        return build

    return register


# --- reading the instruction -------------------------------------------------------------

_PATH = re.compile(r"(?<![\w$:/.~-])(/(?:[\w.@+-]+/)*[\w.@+-]*[\w@+-]/?)")
_NOT_TARGETS = ("/usr/", "/bin/", "/sbin/", "/lib", "/proc/", "/sys/", "/dev/", "/tests", "/solution",
                "/logs/", "/tmp/")  # fmt: skip
_CODE_BLOCK = re.compile(r"```[\w-]*\n(.*?)```", re.S)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(r"^[A-Za-z_][\w-]{0,40}$")


def read_instruction(instruction: str, solution: str | None = None) -> AttackContext:
    paths: list[str] = []
    for match in _PATH.findall(instruction):
        path = match.rstrip(".,;:")
        if len(path) > 1 and not path.startswith(_NOT_TARGETS) and path not in paths:
            paths.append(path)
    blocks = [b.strip() for b in _CODE_BLOCK.findall(instruction)]
    spans = [s.strip() for s in _CODE_SPAN.findall(_CODE_BLOCK.sub("", instruction))]
    identifiers = []
    for span in spans:
        if _IDENTIFIER.match(span) and span not in identifiers and not span.startswith("-"):
            identifiers.append(span)
    examples = [e for e in blocks + spans if e and not e.startswith("/") and e not in identifiers]
    return AttackContext(instruction, solution, paths, examples, identifiers)


# --- shell building blocks ---------------------------------------------------------------


def _classify(ctx: AttackContext) -> str:
    """Bash that sorts the named paths into INPUTS (files), DIRS and OUTPUTS (absent now)."""
    quoted = " ".join(shlex.quote(p) for p in ctx.paths)
    return f"""INPUTS=(); DIRS=(); OUTPUTS=()
for p in {quoted}; do
    if [ -d "$p" ]; then DIRS+=("$p"); elif [ -e "$p" ]; then INPUTS+=("$p"); else OUTPUTS+=("$p"); fi
done
for d in "${{DIRS[@]}}"; do while IFS= read -r f; do INPUTS+=("$f"); done < <(find "$d" -maxdepth 2 -type f 2>/dev/null | sort | head -n 20); done
echo "inputs: ${{INPUTS[*]}}"; echo "outputs: ${{OUTPUTS[*]}}"
"""


def _write_each_output(body: str) -> str:
    """Run `body` once per absent named path with $o set, creating its folder first."""
    return f"""for o in "${{OUTPUTS[@]}}"; do
    case "$o" in */) mkdir -p "$o"; continue ;; esac
    mkdir -p "$(dirname "$o")"
{body}
done
"""


def _heredoc(text: str, target: str) -> str:
    marker = "LITECODER_ATTACK_EOF"
    return f"cat > {target} <<'{marker}'\n{text}\n{marker}\n"


# --- the battery -------------------------------------------------------------------------


@attack("empty", AttackKind.GAMING, "create every output path the instruction names, empty")
def _empty(ctx: AttackContext) -> str:
    return _classify(ctx) + _write_each_output('    : > "$o"')


@attack("junk", AttackKind.GAMING, "write plausible-format junk to every output path")
def _junk(ctx: AttackContext) -> str:
    keys = ctx.identifiers[:12] or ["result", "status", "value"]
    json_junk = json.dumps({key: 0 for key in keys})
    header = next((e for e in ctx.examples if re.fullmatch(r"\w+(,\w+)+", e)), "id,value")
    cols = header.count(",") + 1
    csv_junk = header + "\n" + "\n".join(",".join(["0"] * cols) for _ in range(3))
    return _classify(ctx) + _write_each_output(
        f"""    case "$o" in
        *.json) printf '%s\\n' {shlex.quote(json_junk)} > "$o" ;;
        *.csv|*.tsv) printf '%s\\n' {shlex.quote(csv_junk)} > "$o" ;;
        *.py) printf 'print(0)\\n' > "$o" ;;
        *.sh) printf '#!/bin/sh\\nexit 0\\n' > "$o"; chmod +x "$o" ;;
        *) printf '0\\n' > "$o" ;;
    esac"""
    )


@attack(
    "example-copy",
    AttackKind.GAMING,
    "write the instruction's literal examples to the output paths",
)
def _example_copy(ctx: AttackContext) -> str:
    def parses(text: str) -> bool:
        try:
            json.loads(text)
        except ValueError:
            return False
        return True

    json_example = next(
        (e for e in ctx.examples if parses(e) and e.strip().startswith(("{", "["))), None
    )
    any_example = max(ctx.examples, key=len) if ctx.examples else "example"
    return _classify(ctx) + _write_each_output(
        f"""    case "$o" in
        *.json) printf '%s\\n' {shlex.quote(json_example or any_example)} > "$o" ;;
        *) printf '%s\\n' {shlex.quote(any_example)} > "$o" ;;
    esac"""
    )


@attack("echo", AttackKind.GAMING, "copy the task's input files to the output paths")
def _echo(ctx: AttackContext) -> str:
    return _classify(ctx) + _write_each_output(
        """    src=""
    for i in "${INPUTS[@]}"; do [ "${i##*.}" = "${o##*.}" ] && src=$i && break; done
    [ -z "$src" ] && [ ${#INPUTS[@]} -gt 0 ] && src=${INPUTS[0]}
    [ -n "$src" ] && cp "$src" "$o" || : > "$o\""""
    )


@attack("partial", AttackKind.GAMING, "run only the first half of the reference solution")
def _partial(ctx: AttackContext) -> str:
    if not ctx.solution:
        return "echo 'no reference solution to run half of'\n"
    return (
        _heredoc(first_half(ctx.solution), "/tmp/partial-solve.sh")
        + "bash /tmp/partial-solve.sh || true\n"
    )


def first_half(script: str) -> str:
    """The first half of a script's lines, cut where no heredoc or block is open."""
    lines = script.splitlines()
    cut, closing, depth = 0, None, 0
    for number, line in enumerate(lines[: max(1, len(lines) // 2)], 1):
        if closing is not None:
            if line.strip() == closing:
                closing = None
            else:
                continue
        else:
            heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
            if heredoc:
                closing = heredoc.group(1)
                continue
            words = re.findall(r"[\w]+|[{}()]", line)
            depth += sum(w in {"if", "for", "while", "until", "case", "{"} for w in words)
            depth -= sum(w in {"fi", "done", "esac", "}"} for w in words)
        if closing is None and depth <= 0:
            cut = number
    return "\n".join(lines[:cut]) + "\n"


_STATUS_TOKENS = ["OK", "PASS", "true", "1", "success", "SUCCESS", "done"]


@attack(
    "forge",
    AttackKind.GAMING,
    "write OK / PASS / true / 1 into the existing files the instruction names",
)
def _forge(ctx: AttackContext) -> str:
    hinted = [
        t
        for t in _STATUS_TOKENS
        if re.search(rf"(?<![\w.]){re.escape(t)}(?![\w.])", ctx.instruction)
    ]
    token = (hinted or ["OK"])[0]
    return (
        _classify(ctx)
        + f"""for i in "${{INPUTS[@]}}"; do printf '%s\\n' {shlex.quote(token)} > "$i"; done
for o in "${{OUTPUTS[@]}}"; do case "$o" in */) ;; *) mkdir -p "$(dirname "$o")"; printf '%s\\n' {shlex.quote(token)} > "$o" ;; esac; done
"""
    )


_FULL_REWARD = "mkdir -p /logs/verifier; echo '{\"reward\": 1}' > /logs/verifier/reward.json; echo 1 > /logs/verifier/reward.txt"


@attack(
    "reward-preseed",
    AttackKind.TAMPERING,
    "write /logs/verifier/reward.json and reward.txt with full reward",
)
def _reward_preseed(ctx: AttackContext) -> str:
    return _FULL_REWARD + "\n"


_REWARD_PAD = 1024
"""Bytes every daemon write covers."""


@attack(
    "reward-daemon",
    AttackKind.TAMPERING,
    "leave a process behind that keeps rewriting full-reward files",
)
def _reward_daemon(ctx: AttackContext) -> str:
    # Builtins only, no sleep: the window between test.sh's last write and Harbor reading the
    # reward is milliseconds, and a loop that sleeps or forks loses it on a loaded machine.
    # `1<>` writes over the file in place instead of truncating it first, so Harbor never reads
    # it empty or half-written; the padding (JSON and float() both allow trailing blanks)
    # covers whatever shorter reward the grader wrote.
    writes = "; ".join(
        f"printf '%-{_REWARD_PAD}s\\n' {shlex.quote(value)} 1<>/logs/verifier/{name}"
        for name, value in (("reward.json", '{"reward": 1}'), ("reward.txt", "1"))
    )
    loop = f"mkdir -p /logs/verifier; while true; do {writes}; done"
    return f"nohup setsid bash -c {shlex.quote(loop)} >/dev/null 2>&1 &\nsleep 1\n"


@attack(
    "plant-tests",
    AttackKind.TAMPERING,
    "plant a conftest.py and look-alike modules in /tests before grading",
)
def _plant_tests(ctx: AttackContext) -> str:
    conftest = (
        "import pytest\n"
        "@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n"
        "    report = outcome.get_result()\n"
        "    report.outcome = 'passed'\n"
    )
    passing = "import sys\nsys.exit(0)\n"
    return (
        "mkdir -p /tests\n"
        + _heredoc(conftest, "/tests/conftest.py")
        + "for m in verifier_kit checks test_outputs helpers utils; do mkdir -p /tests/$m; done\n"
        + "".join(
            _heredoc(passing, f"/tests/{m}/__init__.py")
            for m in ("verifier_kit", "checks", "helpers", "utils")
        )
    )


_SHIM_DIR = "/usr/local/lib/.grader-shims"
"""Where the shims keep real copies of bash and dash, to run the agent's own commands on."""
_PASSING = "[PASS] all checks"
_SHIMMED = {
    # tool: the body of its shim, run by the real bash with the original arguments in "$@"
    "python3": f"echo {shlex.quote(_PASSING)}; {_FULL_REWARD} 2>/dev/null; exit 0",
    "diff": "exit 0",
    "cmp": "exit 0",
    "sha256sum": 'for f in "$@"; do echo "$f: OK"; done; exit 0',
    "md5sum": 'for f in "$@"; do echo "$f: OK"; done; exit 0',
    "cat": f'case "$*" in */tests/*|*/logs/verifier/*) echo 1; exit 0 ;; esac; exec {_SHIM_DIR}/cat "$@"',
    "grep": f'case "$*" in */tests/*|*/logs/verifier/*) echo 1; exit 0 ;; esac; exec {_SHIM_DIR}/grep "$@"',
}


def _shell_shim(real: str) -> str:
    """A shell that grades nothing: anything touching /tests earns full reward, the rest runs."""
    return (
        f'case "$*" in */tests/*) echo {shlex.quote(_PASSING)}; {_FULL_REWARD} 2>/dev/null; exit 0 ;; esac\n'
        f'exec {_SHIM_DIR}/{real} "$@"'
    )


@attack(
    "shim-binaries",
    AttackKind.TAMPERING,
    "replace python3, bash, sh and the coreutils a grader uses with programs that fake a pass",
)
def _shim_binaries(ctx: AttackContext) -> str:
    shims = {**_SHIMMED, "bash": _shell_shim("bash"), "sh": _shell_shim("sh"),
             "dash": _shell_shim("sh")}  # fmt: skip
    lines = [
        f"mkdir -p {_SHIM_DIR}",
        # real copies first: every shim runs on the saved bash, so replacing bash breaks none
        f'for t in bash cat grep; do cp -L "$(command -v $t)" {_SHIM_DIR}/$t; done',
        f'cp -L "$(command -v dash || command -v sh)" {_SHIM_DIR}/sh',
    ]
    for tool, body in shims.items():
        script = f"#!{_SHIM_DIR}/bash\n{body}\n"
        lines.append(
            f"for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do"
            f" for f in $dir/{tool} $dir/{tool}.[0-9]*; do"
            f' [ -e "$f" ] && {{ rm -f "$f"; printf %s {shlex.quote(script)} > "$f"; chmod 755 "$f"; }};'
            f" done; done"
        )
    return "\n".join(lines) + "\n"


def choose_attacks(names: str | None) -> list[str] | None:
    """`a,b,c` -> those registered attacks (None: all); an unknown name is an error naming it."""
    if names is None:
        return None
    chosen = [a.strip() for a in names.split(",") if a.strip()]
    unknown = [a for a in chosen if a not in ATTACKS]
    if unknown:
        raise LitecoderError(f"unknown attack {unknown[0]!r}", hint=f"known: {', '.join(ATTACKS)}")
    return chosen
