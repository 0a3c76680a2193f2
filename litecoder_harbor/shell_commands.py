"""Which real commands a shell script runs, counted against the tldr-pages index.

LiteCoder-Terminal reports command diversity as the number of distinct real Linux commands in
its trajectories (720+). The same count applies to our reference solutions and, later, to the
keystrokes of collected trajectories. Parsing is lexical (no script is ever run): heredoc bodies
are dropped, command substitutions are opened up, and the word in command position after each
operator or keyword is taken, looking through prefixes such as `sudo`, `env` and `xargs`.
"""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

TLDR_INDEX = Path(__file__).parent / "data" / "tldr-commands.txt"

_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_OPENERS = {"|", "||", "&&", ";", "&", "(", ")", "{", "}", "!", ";;", "|&"}
_KEYWORDS = {
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "do",
    "done",
    "while",
    "until",
    "case",
    "esac",
    "in",
    "function",
    "select",
    "return",
    "local",
    "export",
    "declare",
    "readonly",
}
_PREFIXES = {
    "sudo",
    "env",
    "time",
    "nohup",
    "exec",
    "command",
    "builtin",
    "nice",
    "xargs",
    "timeout",
    "watch",
    "stdbuf",
    "setsid",
    "runuser",
    "chroot",
    "strace",
}
_SYSTEM_DIRS = ("/usr/", "/bin/", "/sbin/")
_BACKTICKS = re.compile(r"`([^`]*)`")
PREFIX_OPTIONS_WITH_VALUE = {
    # options of a command prefix that take a value: `sudo -u bob git` runs git, not bob
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-U"},
    "runuser": {"-u", "-g", "-G"},
    "xargs": {"-n", "-I", "-P", "-L", "-d", "-s", "-a", "-E"},
    "timeout": {"-s", "-k"},
    "nice": {"-n"},
    "watch": {"-n", "-d"},
    "stdbuf": {"-i", "-o", "-e"},
    "env": {"-u", "-C", "-S"},
}
PREFIX_VALUE = re.compile(r"^\d+(\.\d+)?[smhd]?$")
"""A bare number or duration after a prefix (`timeout 10s make`) is its value, not a command."""
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


@cache
def real_commands() -> frozenset[str]:
    return frozenset(TLDR_INDEX.read_text().split())


def _without_heredoc_bodies(script: str) -> list[str]:
    lines, closing = [], None
    for line in script.splitlines():
        if closing is not None:
            if line.strip() == closing:
                closing = None
            continue
        lines.append(line)
        match = _HEREDOC.search(line)
        if match:
            closing = match.group(2)
    return lines


def _split_substitutions(line: str) -> list[str]:
    """The line with each `$(...)`, `<(...)`, `>(...)` and backtick body cut out as its own line.

    Bodies are found by matching parentheses outside quotes, so `$(grep -E '^(a|b)' f)` is
    one body; nested substitutions come out innermost first.
    """
    pieces = []
    while (start := _innermost_substitution(line)) is not None:
        begin, end = start
        pieces.append(line[begin + 2 : end])
        line = line[:begin] + "_" + line[end + 1 :]
    while match := _BACKTICKS.search(line):
        pieces.append(match.group(1))
        line = line[: match.start()] + "_" + line[match.end() :]
    return [line, *pieces]


def _innermost_substitution(line: str) -> tuple[int, int] | None:
    """(index of the opening `$(`, index of its closing paren) of a body with no `$(` inside."""
    opened: list[int] = []
    quote = None
    depth_stack: list[int] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == quote:
                quote = None
            elif ch == "$" and quote == '"' and line[i + 1 : i + 2] == "(":
                opened.append(i)
                depth_stack.append(0)
                i += 2
                quote = None  # inside a substitution, quoting starts afresh
                continue
        elif ch in "'\"":
            quote = ch
        elif ch in "$<>" and line[i + 1 : i + 2] == "(":
            opened.append(i)
            depth_stack.append(0)
            i += 2
            continue
        elif ch == "(" and depth_stack:
            depth_stack[-1] += 1
        elif ch == ")" and depth_stack:
            if depth_stack[-1]:
                depth_stack[-1] -= 1
            else:
                begin = opened.pop()
                depth_stack.pop()
                return begin, i
        i += 1
    return None


def _logical_lines(lines: list[str]) -> list[str]:
    """Join lines that end inside a quoted string, so its text is one word, not commands."""
    out, pending, quote = [], "", None
    for line in lines:
        pending = f"{pending} {line}" if pending else line
        escaped = False
        for ch in line:
            if escaped:
                escaped = False
            elif ch == "\\" and quote != "'":
                escaped = True
            elif quote:
                quote = None if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "#":
                break
        if quote is None:
            out.append(pending)
            pending = ""
    return out + ([pending] if pending else [])


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.commenters = "#"
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote: a string that spans lines
        return line.split()


def commands_in(script: str) -> list[str]:
    """Every command word the script would run, in order, as written (basename only)."""
    found = []
    for line in _logical_lines(_without_heredoc_bodies(script)):
        for piece in _split_substitutions(line):
            found += _commands_of(_tokens(piece))
    return found


def _commands_of(tokens: list[str]) -> list[str]:
    found: list[str] = []
    expect_command, prefix, takes_value = True, None, False
    for token in tokens:
        if token in _OPENERS or token in {"then", "do", "else", "elif"}:
            expect_command, prefix, takes_value = True, None, False
            continue
        if not expect_command:
            continue
        if prefix is not None:  # options and values of sudo/xargs/timeout/...
            if takes_value:
                takes_value = False
                continue
            if token.startswith("-"):
                takes_value = token in PREFIX_OPTIONS_WITH_VALUE.get(prefix, ())
                continue
            if PREFIX_VALUE.match(token):
                continue
        if _ASSIGNMENT.match(token):
            continue
        if token in _KEYWORDS or token in {"for", "case", "select"}:
            expect_command = token not in {"for", "case", "select"}
            continue
        name = token.rsplit("/", 1)[-1].lstrip("\\")
        local = "/" in token and not token.startswith(_SYSTEM_DIRS)  # ./tool, /app/bin/tool
        if local or not name or name.startswith(("$", "-", "<", ">", "_")) or name[0].isdigit():
            expect_command = False
            continue
        found.append(name)
        expect_command = name in _PREFIXES
        prefix = name if expect_command else None
    return found


def real_commands_in(script: str) -> set[str]:
    """The distinct command words of `script` that have a tldr page."""
    return set(commands_in(script)) & real_commands()
