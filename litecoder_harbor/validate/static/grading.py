"""Rules on the verifier's scripts: stale reward files are cleared before anything else runs
(where Harbor leaves them in place), and grading downloads nothing."""

from __future__ import annotations

import fnmatch
import posixpath
import tomllib
from pathlib import Path

from harbor.models.task.config import VerifierEnvironmentMode

from litecoder_harbor.validate.static.findings import Finding, finding
from litecoder_harbor.validate.static.installs import network_use
from litecoder_harbor.validate.static.shell import Command, commands

REWARD_DIR = "/logs/verifier"
REWARD_FILES = {f"{REWARD_DIR}/reward.txt", f"{REWARD_DIR}/reward.json"}
# Commands that neither read a reward file nor run anything the agent could have left behind.
_HARMLESS = {"set", "mkdir", "cd", "export", "true", ":", "shopt", "umask", "trap", "unset",
             "echo", "printf", "local", "readonly", "declare"}  # fmt: skip


def check_test_scripts(task_dir: Path) -> list[Finding]:
    findings = []
    graded_in_agent_container = not harbor_empties_verifier_dir(task_dir)
    for tests in verifier_dirs(task_dir):
        test_sh = tests / "test.sh"
        if test_sh.is_file() and graded_in_agent_container:
            rel = test_sh.relative_to(task_dir).as_posix()
            findings += stale_reward(test_sh.read_text(errors="replace"), rel)
        for script in sorted(tests.glob("**/*.sh")):
            if not script.is_file():
                continue  # a folder named *.sh, or a dangling link (see `check_links`)
            rel = script.relative_to(task_dir).as_posix()
            for command in commands(script.read_text(errors="replace")):
                use = network_use(command)
                if use is not None:
                    findings.append(
                        finding(
                            "network-at-grading",
                            rel,
                            f"`{use}` fetches from the network while grading",
                            command.line,
                        )
                    )
    return findings


def verifier_dirs(task_dir: Path) -> list[Path]:
    """What Harbor uploads to /tests for grading: tests/, and each step's own tests/ in a
    multi-step task."""
    return [task_dir / "tests", *sorted(p for p in task_dir.glob("steps/*/tests") if p.is_dir())]


def harbor_empties_verifier_dir(task_dir: Path) -> bool:
    """Harbor itself empties /logs/verifier before each step of a multi-step task is graded,
    and grades in a fresh container in separate verifier mode (set, or implied by a
    [verifier.environment]): only a single-step task graded in the agent's container can find
    a reward file the agent left."""
    try:
        data = tomllib.loads((task_dir / "task.toml").read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # as Harbor's default would grade it (see `check_config` for the error)
    verifier = data.get("verifier")
    verifier = verifier if isinstance(verifier, dict) else {}
    mode = verifier.get("environment_mode") or ("separate" if verifier.get("environment") else "")
    return bool(data.get("steps")) or mode == VerifierEnvironmentMode.SEPARATE.value


def stale_reward(script: str, file: str) -> list[Finding]:
    """test.sh must remove reward.txt and reward.json (one command or several) before any
    command that is not plainly harmless runs."""
    cleared: set[str] = set()
    cwd: str | None = None
    quoted_glob = None
    for command in commands(script):
        if command.name == "cd" and len(command.argv) > 1:
            cwd = posixpath.join(cwd or "/", command.argv[1])
        removed, quoted = _removed_reward_files(command, cwd)
        cleared |= removed
        quoted_glob = quoted_glob or quoted
        if cleared >= REWARD_FILES:
            return []
        if command.name in _HARMLESS or command.name in {"rm", "find"}:
            continue
        first = " ".join(command.argv)[:60]
        return [
            _stale(
                f"`{first}` runs before the reward files are deleted",
                file,
                command.line,
                quoted_glob,
            )
        ]
    return [_stale(f"{file} never deletes /logs/verifier/reward.*", file, None, quoted_glob)]


def _stale(message: str, file: str, line: int | None, quoted_glob: Command | None) -> Finding:
    if quoted_glob is not None:
        message += f" (`{' '.join(quoted_glob.argv)[:60]}` quotes its glob, so it deletes nothing)"
        line = quoted_glob.line
    return finding("stale-reward", file, message, line)


def _removed_reward_files(command: Command, cwd: str | None) -> tuple[set[str], Command | None]:
    """The reward files `command` deletes, and the command itself if it quotes a glob that
    would have matched them."""
    args = command.argv[1:]
    if command.name == "find" and "-delete" in args:
        roots = [a for a in args if not a.startswith("-")][:1]
        if roots and posixpath.normpath(posixpath.join(cwd or "/", roots[0])) == REWARD_DIR:
            return set(REWARD_FILES), None
        return set(), None
    if command.name != "rm":
        return set(), None
    recursive = any(a.startswith("-") and ("r" in a or "R" in a) for a in args if a != "--")
    removed, quoted = set(), None
    for word in command.words[1:]:
        if word.text.startswith("-"):
            continue
        if not word.text.startswith("/") and cwd is None:
            continue
        target = posixpath.normpath(posixpath.join(cwd or "/", word.text))
        if word.glob:
            removed |= {f for f in REWARD_FILES if fnmatch.fnmatchcase(f, target)}
        elif (
            any(fnmatch.fnmatchcase(f, target) for f in REWARD_FILES) and target not in REWARD_FILES
        ):
            quoted = command
        elif target in REWARD_FILES:
            removed.add(target)
        if recursive and (REWARD_DIR + "/").startswith(target.rstrip("/") + "/"):
            removed |= REWARD_FILES
    return removed, quoted
