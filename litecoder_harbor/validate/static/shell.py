"""What a shell script runs, command by command, for rules that judge the commands' arguments.

Parsing is lexical (nothing is run). Unlike a plain word split, it keeps what the rules need:
whether a glob was quoted (`rm -f "reward.*"` deletes nothing), redirection targets, which
command a pipe feeds (`curl ... | sh`), and it looks through what wraps a command: `sudo`,
`env`, `timeout`, `VAR=x` assignments, `bash -c '...'`, `python -m pip`, `$(...)`. Heredoc
bodies are data, not commands, and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from litecoder_harbor.shell_commands import PREFIX_OPTIONS_WITH_VALUE, PREFIX_VALUE

_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}"}
_SKIPPED = {"for", "case", "select", "function"}  # their words are not a command
_PREFIXES = {"sudo", "env", "time", "nohup", "exec", "command", "builtin", "nice", "xargs",
             "timeout", "stdbuf", "setsid", "runuser", "doas"}  # fmt: skip
_SHELLS = {"sh", "bash", "dash", "zsh", "ash", "ksh"}
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass
class Word:
    text: str  # after quote removal
    glob: bool = False  # has a *, ? or [ outside quotes, so the shell expands it


@dataclass
class Command:
    """One simple command: its words (wrappers peeled off), the line it starts on, the
    variables assigned in front of it, its redirection targets and the command its output
    is piped into."""

    line: int
    words: list[Word]
    env: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    piped_into: str | None = None

    @property
    def argv(self) -> list[str]:
        return [w.text for w in self.words]

    @property
    def name(self) -> str:
        return self.words[0].text.rsplit("/", 1)[-1] if self.words else ""


def without_heredoc_bodies(script: str) -> str:
    """The script with every heredoc body blanked (line numbers kept)."""
    out, closing = [], []
    for line in script.splitlines():
        if closing:
            if line.strip() == closing[0]:
                closing.pop(0)
            out.append("")
            continue
        out.append(line)
        closing = [m.group(2) for m in _HEREDOC.finditer(line)]
    return "\n".join(out)


def commands(script: str, first_line: int = 1) -> list[Command]:
    """Every simple command of `script`, in order, including those inside `$(...)` and
    `sh -c '...'`."""
    raw = _lex(without_heredoc_bodies(script), first_line)
    found: list[Command] = []
    for index, (line, words, redirects, nested, operator) in enumerate(raw):
        for offset, body in nested:
            found += commands(body, offset)
        if operator == "(" and len(words) == 1:
            continue  # `name() {`: a function is defined here, not run
        command = _peel(line, words, redirects)
        if command is None:
            continue
        if command.name in _SHELLS and "-c" in command.argv[1:]:
            at = command.argv.index("-c", 1)
            if at + 1 < len(command.argv):
                found += commands(command.argv[at + 1], line)
                continue
        if operator in {"|", "|&"} and index + 1 < len(raw):
            following = _peel(*raw[index + 1][:3])
            command.piped_into = following.name if following else None
        found.append(command)
    return found


def _peel(line: int, words: list[Word], redirects: list[str]) -> Command | None:
    """The command under keywords, assignments and wrappers such as sudo, env and timeout;
    `python -m pip` becomes `pip`."""
    env: dict[str, str] = {}
    i = 0
    while i < len(words):
        text = words[i].text
        if text in _SKIPPED:
            return None
        if text in _KEYWORDS:
            i += 1
        elif _ASSIGNMENT.match(text):
            name, _, value = text.partition("=")
            env[name] = value
            i += 1
        elif text.rsplit("/", 1)[-1] in _PREFIXES:
            prefix = text.rsplit("/", 1)[-1]
            i += 1
            while i < len(words) and (
                words[i].text.startswith("-") or PREFIX_VALUE.match(words[i].text)
            ):
                i += 2 if words[i].text in PREFIX_OPTIONS_WITH_VALUE.get(prefix, ()) else 1
        else:
            break
    rest = words[i:]
    if not rest:
        return None
    name = rest[0].text.rsplit("/", 1)[-1]
    if _PYTHON.match(name) and len(rest) > 2 and rest[1].text == "-m":
        rest = [Word(rest[2].text), *rest[3:]]
    return Command(line=line, words=rest, env=env, redirects=redirects)


def _lex(script: str, first_line: int):
    """[(line, words, redirect targets, nested scripts, operator after)] per simple command."""
    out = []
    words: list[Word] = []
    redirects: list[str] = []
    nested: list[tuple[int, str]] = []
    text, glob, started, redirect_next = "", False, False, False
    line, command_line = first_line, first_line
    i, n = 0, len(script)

    def end_word():
        nonlocal text, glob, started, redirect_next
        if started:
            if redirect_next:
                redirects.append(text)
                redirect_next = False
            else:
                words.append(Word(text, glob))
        text, glob, started = "", False, False

    def end_command(operator: str):
        nonlocal words, redirects, nested
        end_word()
        if words or redirects or nested:
            out.append((command_line, words, redirects, nested, operator))
        words, redirects, nested = [], [], []

    while i < n:
        ch = script[i]
        if not words and not started and not redirects:
            command_line = line
        if ch == "\\" and i + 1 < n:
            if script[i + 1] == "\n":
                line += 1
            else:
                text, started = text + script[i + 1], True
            i += 2
            continue
        if ch == "\n":
            line += 1
            end_command(";")
            i += 1
            continue
        if ch in " \t\r":
            end_word()
            i += 1
            continue
        if ch == "#" and not started:
            while i < n and script[i] != "\n":
                i += 1
            continue
        if ch in "'\"":
            end = i + 1
            while end < n and script[end] != ch:
                end += 2 if ch == '"' and script[end] == "\\" else 1
            body = script[i + 1 : end]
            if ch == '"' and "$(" in body:
                nested.append((line, body[body.index("$(") + 2 : body.rfind(")")]))
            line += body.count("\n")
            text, started = text + (body.replace('\\"', '"') if ch == '"' else body), True
            i = end + 1
            continue
        if script.startswith("$(", i) or ch == "`":
            end = _closing(script, i)
            body = script[i + 2 : end] if ch == "$" else script[i + 1 : end]
            nested.append((line, body))
            line += body.count("\n")
            text, started = text + "$(...)", True
            i = end + 1
            continue
        if ch in "<>":
            if started and text.isdigit():
                text, started = "", False
            end_word()
            while i < n and script[i] in "<>&|":
                i += 1
            redirect_next = True
            continue
        operator = next((op for op in _OPERATORS if script.startswith(op, i)), None)
        if operator:
            end_command(operator)
            i += len(operator)
            continue
        glob = glob or ch in "*?["
        text, started = text + ch, True
        i += 1
    end_command(";")
    return out


def _closing(script: str, start: int) -> int:
    """The index closing the `$(` or backtick at `start` (the end of the script if none)."""
    if script[start] == "`":
        end = script.find("`", start + 1)
        return end if end >= 0 else len(script)
    depth, i, quote = 0, start + 2, None
    while i < len(script):
        ch = script[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if not depth:
                return i
            depth -= 1
        i += 1
    return len(script)
