"""A Dockerfile read the way BuildKit reads it, as far as the static rules need.

Instructions keep their first line number; backslash continuations are joined, with comment
and blank lines between them dropped; heredocs (`RUN <<EOT`, `COPY <<EOF /x`) carry their
bodies; `ARG` defaults and `ENV` values are substituted into COPY/ADD sources, stage by stage
(an `ARG` before the first `FROM` is global); `.dockerignore` tells which context files a
COPY can see.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

_HEREDOC = re.compile(r"<<(-?)(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass
class Instruction:
    line: int
    keyword: str  # upper case
    args: str
    heredocs: list[str] = field(default_factory=list)  # bodies, in order


@dataclass
class CopySource:
    """One source of a COPY/ADD: a path in the build context, unless `from_elsewhere`."""

    line: int
    keyword: str
    source: str  # as written
    resolved: str | None  # after ARG/ENV substitution; None if a variable has no value
    from_elsewhere: bool  # another stage, an image, a heredoc or a URL: not a context file


def instructions(text: str) -> list[Instruction]:
    out: list[Instruction] = []
    lines = text.splitlines()
    buffer, start, i = "", 0, 0
    while i < len(lines):
        stripped = lines[i].strip()
        i += 1
        if not stripped or stripped.startswith("#"):
            continue  # also inside a continuation: BuildKit drops these lines
        if not buffer:
            start = i
        continued = stripped.endswith("\\")
        buffer += (
            " " + stripped.removesuffix("\\").strip() if buffer else stripped.removesuffix("\\")
        )
        if continued:
            continue
        keyword, _, args = buffer.strip().partition(" ")
        instruction = Instruction(start, keyword.upper(), args.strip())
        for match in _HEREDOC.finditer(args) if keyword.upper() in {"RUN", "COPY", "ADD"} else ():
            body = []
            while i < len(lines) and lines[i].strip() != match.group(3):
                body.append(lines[i].lstrip("\t") if match.group(1) else lines[i])
                i += 1
            i += 1
            instruction.heredocs.append("\n".join(body))
        out.append(instruction)
        buffer = ""
    if buffer:
        keyword, _, args = buffer.strip().partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    return out


def copy_sources(text: str) -> list[CopySource]:
    """Every source of every COPY/ADD, with ARG and ENV values of its stage substituted."""
    global_args: dict[str, str] = {}
    variables: dict[str, str] = {}
    seen_from = False
    out: list[CopySource] = []
    for instruction in instructions(text):
        keyword, args = instruction.keyword, instruction.args
        if keyword == "FROM":
            seen_from, variables = True, {}
        elif keyword in {"ARG", "ENV"}:
            for name, value in _assignments(args, keyword):
                scope = variables if seen_from else global_args
                if value is None:
                    value = global_args.get(name) if keyword == "ARG" else None
                if value is not None:
                    scope[name] = substitute(value, variables if seen_from else global_args)
        elif keyword in {"COPY", "ADD"}:
            out += _sources_of(instruction, variables)
    return out


def _assignments(args: str, keyword: str) -> list[tuple[str, str | None]]:
    """`ARG A=1 B`, `ENV A=1 B=2`, legacy `ENV A 1`."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    if keyword == "ENV" and words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(w.partition("=")[0], w.partition("=")[2] if "=" in w else None) for w in words]


def substitute(value: str, variables: dict[str, str]) -> str | None:
    """`$A`, `${A}`, `${A:-default}` replaced; None when a variable has no value."""
    missing = False

    def replace(match: re.Match) -> str:
        nonlocal missing
        name = match.group(1) or match.group(3)
        if name in variables:
            return variables[name]
        if match.group(2) is not None and "-" in match.group(0):
            return match.group(2)
        missing = True
        return ""

    result = _VARIABLE.sub(replace, value)
    return None if missing else result


def _sources_of(instruction: Instruction, variables: dict[str, str]) -> list[CopySource]:
    args = instruction.args
    if args.startswith("["):
        try:
            words = [str(w) for w in json.loads(args)]
        except ValueError:
            words = re.findall(r'"([^"]+)"', args)
        flags: list[str] = []
    else:
        try:
            words = shlex.split(args)
        except ValueError:
            words = args.split()
        flags = [w for w in words if w.startswith("--")]
        words = [w for w in words if not w.startswith("--")]
    elsewhere_all = any(f.startswith("--from") for f in flags)
    out = []
    for source in words[:-1]:
        elsewhere = (
            elsewhere_all
            or source.startswith("<<")
            or re.match(r"^[a-z][a-z0-9+.-]*://", source) is not None
            or source.startswith("git@")
        )
        out.append(
            CopySource(
                line=instruction.line,
                keyword=instruction.keyword,
                source=source,
                resolved=None if elsewhere else substitute(source, variables),
                from_elsewhere=elsewhere,
            )
        )
    return out


def dockerignore_file(context: Path, dockerfile: Path) -> Path | None:
    """The ignore file BuildKit applies: `<Dockerfile>.dockerignore` beside the Dockerfile,
    else `.dockerignore` at the root of the context."""
    for path in (
        dockerfile.with_name(dockerfile.name + ".dockerignore"),
        context / ".dockerignore",
    ):
        if path.is_file():
            return path
    return None


def dockerignore(path: Path | None) -> list[tuple[bool, str]]:
    """(is an exception `!pattern`, pattern) per line of a .dockerignore file."""
    if path is None:
        return []
    patterns = []
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            pattern = line.removeprefix("!").strip().strip("/")
            patterns.append((negated, pattern.removeprefix("./")))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, str]]) -> bool:
    """Whether .dockerignore keeps `relative` (a context path) out of the build context: the
    last matching pattern wins; a pattern matching a folder covers what is in it."""
    verdict = False
    parts = relative.split("/")
    for negated, pattern in patterns:
        prefixes = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        if any(_matches(prefix, pattern) for prefix in prefixes):
            verdict = not negated
    return verdict


def _matches(path: str, pattern: str) -> bool:
    if pattern.startswith("**/"):
        return fnmatch.fnmatchcase(path, pattern[3:]) or fnmatch.fnmatchcase(path, pattern)
    return fnmatch.fnmatchcase(path, pattern) and path.count("/") == pattern.count("/")
