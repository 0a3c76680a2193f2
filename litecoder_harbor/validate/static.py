"""Static checks of a Harbor task directory: what can be known without building or running it.

Each finding names a rule, a severity, the file and (where there is one) the line. The rules
target the ways published terminal tasks go wrong: images that cannot build because a COPY
source is missing, tests or solutions baked into the image, verifiers that trust a reward file
the agent could have written, verifiers that download their toolchain at grading time, unpinned
Python dependencies, and instructions that never name the files the tests read.
"""

from __future__ import annotations

import re
import shlex
from enum import StrEnum
from pathlib import Path

from harbor.models.task.config import TaskConfig
from harbor.models.task.task import Task
from pydantic import BaseModel

from litecoder_harbor.shell_commands import commands_in


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    rule: str
    severity: Severity
    file: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{self.severity} {self.rule} {where}: {self.message}"


RULES = {
    "harbor-load": (Severity.ERROR, "Harbor's own loaders must accept the task"),
    "copy-source-missing": (
        Severity.ERROR,
        "every file a Dockerfile COPY/ADD names must exist in environment/",
    ),
    "tests-in-image": (Severity.ERROR, "tests and solution must never be copied into the image"),
    "stale-reward": (
        Severity.ERROR,
        "test.sh must delete /logs/verifier/reward.* before anything else",
    ),
    "network-at-grading": (
        Severity.ERROR,
        "grading must not download anything (apt, pip, uv, curl, ...)",
    ),
    "unpinned-dependency": (
        Severity.WARNING,
        "pip packages installed in the image must be pinned with ==",
    ),
    "unnamed-test-path": (Severity.WARNING, "the instruction must name every path the tests read"),
    "no-solution": (
        Severity.WARNING,
        "solution/solve.sh is missing, so the oracle cannot prove the task",
    ),
}

NETWORK_COMMANDS = {"apt", "apt-get", "pip", "pip3", "uv", "uvx", "curl", "wget", "npm", "npx", "yarn",
                    "pnpm", "cargo", "go", "gem", "conda", "mamba", "apk", "dnf", "yum"}  # fmt: skip
_NETWORK_SUBCOMMANDS = {  # only these subcommands of a tool fetch anything
    "pip": {"install", "download", "wheel"},
    "pip3": {"install", "download", "wheel"},
    "uv": {"pip", "run", "sync", "add", "tool"},
    "npm": {"install", "i", "ci", "exec"},
    "cargo": {"install", "fetch", "build", "run"},
    "go": {"get", "install", "mod"},
    "git": {"clone", "fetch", "pull"},
}
_PATH_IN_TEXT = re.compile(
    r"(?<![\w.])(/(?:app|home|root|srv|data|workspace|output)(?:/[\w.-]+)*/?)"
)
_IGNORED_TEST_PATHS = ("/app/tests", "/app/.", "/var/lib/dpkg", "/var/cache")


def _finding(rule: str, file: str, message: str, line: int | None = None) -> Finding:
    return Finding(rule=rule, severity=RULES[rule][0], file=file, line=line, message=message)


def _instructions(dockerfile: str) -> list[tuple[int, str]]:
    """(first line number, instruction text) with backslash continuations joined."""
    out, buffer, start = [], "", 0
    for number, line in enumerate(dockerfile.splitlines(), 1):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if not buffer:
            start = number
        buffer += " " + stripped.rstrip("\\")
        if not stripped.endswith("\\"):
            out.append((start, buffer.strip()))
            buffer = ""
    if buffer:
        out.append((start, buffer.strip()))
    return out


def check_dockerfile(task_dir: Path) -> list[Finding]:
    env_dir = task_dir / "environment"
    path = env_dir / "Dockerfile"
    if not path.exists():
        return []
    findings = []
    for line, text in _instructions(path.read_text(errors="replace")):
        keyword, _, rest = text.partition(" ")
        keyword = keyword.upper()
        if keyword in {"COPY", "ADD"}:
            try:
                words = shlex.split(rest)
            except ValueError:
                words = rest.split()
            if any(w.startswith("--from") for w in words):
                continue  # a multi-stage copy: nothing from the context
            args = [w for w in words if not w.startswith("--")]
            if rest.lstrip().startswith("["):
                args = re.findall(r'"([^"]+)"', rest)
            for source in args[:-1]:
                if re.match(r"^[a-z]+://", source):
                    continue
                if re.match(r"^/?(tests|solution)(/|$)", source):
                    findings.append(
                        _finding(
                            "tests-in-image", "environment/Dockerfile", f"{keyword} {source}", line
                        )
                    )
                elif (
                    not any(env_dir.glob(source.lstrip("/")))
                    and not (env_dir / source.lstrip("/")).exists()
                ):
                    findings.append(
                        _finding(
                            "copy-source-missing",
                            "environment/Dockerfile",
                            f"{keyword} source {source!r} not in environment/",
                            line,
                        )
                    )
        elif keyword == "RUN":
            for package in _unpinned_pip_packages(rest):
                findings.append(
                    _finding(
                        "unpinned-dependency",
                        "environment/Dockerfile",
                        f"pip package {package!r} has no ==version",
                        line,
                    )
                )
    for name in ("tests", "solution"):
        if (env_dir / name).is_dir():
            findings.append(
                _finding(
                    "tests-in-image",
                    f"environment/{name}",
                    f"environment/{name}/ is inside the build context",
                )
            )
    return findings


def _unpinned_pip_packages(run: str) -> list[str]:
    unpinned = []
    for segment in re.split(r"&&|\|\||;|\|", run):
        words = segment.split()
        for i, word in enumerate(words):
            is_pip = word.rsplit("/", 1)[-1] in {"pip", "pip3"} or (
                word == "-m" and i + 1 < len(words) and words[i + 1] == "pip"
            )
            if not is_pip:
                continue
            rest = words[i + 1 :]
            if rest[:1] == ["pip"]:
                rest = rest[1:]
            if rest[:1] != ["install"]:
                continue
            skip_next = False
            for arg in rest[1:]:
                if skip_next:
                    skip_next = False
                    continue
                if arg in {
                    "-r",
                    "--requirement",
                    "-c",
                    "--constraint",
                    "-i",
                    "--index-url",
                    "--extra-index-url",
                    "-f",
                    "--find-links",
                    "-e",
                }:
                    skip_next = True
                    continue
                if (
                    arg.startswith("-")
                    or arg in {".", "./"}
                    or arg.startswith(("/", "./", "git+", "http"))
                    or arg.endswith((".whl", ".tar.gz"))
                ):
                    continue
                name = arg.strip("'\"")
                if "==" not in name and "@" not in name:
                    unpinned.append(name)
    return unpinned


def check_test_scripts(task_dir: Path) -> list[Finding]:
    findings = []
    test_sh = task_dir / "tests" / "test.sh"
    if test_sh.exists():
        findings += _stale_reward(test_sh.read_text(errors="replace"))
    for script in sorted((task_dir / "tests").glob("**/*.sh")):
        rel = script.relative_to(task_dir).as_posix()
        for number, line in enumerate(script.read_text(errors="replace").splitlines(), 1):
            for tool in _network_tools(line):
                findings.append(
                    _finding(
                        "network-at-grading",
                        rel,
                        f"`{tool}` fetches from the network while grading",
                        number,
                    )
                )
    return findings


def _stale_reward(script: str) -> list[Finding]:
    """The first command of test.sh must remove every reward file (reward.json and reward.txt)."""
    for number, line in enumerate(script.splitlines(), 1):
        stripped = line.strip()
        if (
            not stripped
            or stripped.startswith("#")
            or stripped.startswith("set ")
            or stripped in {"set -e", "set -eu"}
        ):
            continue
        removes = re.match(r"^rm\s+(-[a-zA-Z]+\s+)*(.*)$", stripped)
        targets = removes.group(2).split() if removes else []
        clears_all = any(
            t.strip("\"'") in {"/logs/verifier/reward.*", "/logs/verifier/*"} for t in targets
        ) or {"/logs/verifier/reward.json", "/logs/verifier/reward.txt"} <= {
            t.strip("\"'") for t in targets
        }
        if clears_all:
            return []
        return [
            _finding(
                "stale-reward",
                "tests/test.sh",
                f"first command is `{stripped[:60]}`, not `rm -f /logs/verifier/reward.*`",
                number,
            )
        ]
    return [_finding("stale-reward", "tests/test.sh", "test.sh runs no command")]


def _network_tools(line: str) -> list[str]:
    words = commands_in(line)
    found = []
    tokens = line.split()
    for word in words:
        if word not in NETWORK_COMMANDS and word != "git":
            continue
        wanted = _NETWORK_SUBCOMMANDS.get(word)
        if wanted is None:
            if word in {"apt", "apt-get", "apk", "dnf", "yum"}:
                wanted = {"install", "update", "add", "upgrade"}
            elif word in {"curl", "wget", "uvx", "npx"}:
                found.append(word)
                continue
            else:
                wanted = {"install", "add", "fetch"}
        after = tokens[tokens.index(word) + 1 :] if word in tokens else []
        if any(arg in wanted for arg in after[:3]):
            found.append(f"{word} {next(arg for arg in after[:3] if arg in wanted)}")
    return found


def check_instruction_paths(task_dir: Path) -> list[Finding]:
    """Absolute work paths the tests mention must be discoverable from the task: named in the
    instruction (or a folder the instruction scopes), or shipped in environment/ (the agent can
    find inputs by looking; only outputs and rules need naming)."""
    instruction = (
        (task_dir / "instruction.md").read_text(errors="replace")
        if (task_dir / "instruction.md").exists()
        else ""
    )
    shipped = _shipped_inputs(task_dir / "environment")
    findings, seen = [], set()
    for test_file in sorted((task_dir / "tests").glob("**/*")):
        if not test_file.is_file() or test_file.stat().st_size > 2_000_000:
            continue
        rel = test_file.relative_to(task_dir).as_posix()
        for number, line in enumerate(test_file.read_text(errors="replace").splitlines(), 1):
            for path in _PATH_IN_TEXT.findall(line):
                path = path.rstrip(".,:;)")
                partial = path.endswith(("-", "_", "."))  # the head of a path built in code
                if partial or path in seen or path.startswith(_IGNORED_TEST_PATHS) or len(path) < 6:
                    continue
                seen.add(path)
                if not _mentioned(path, instruction) and not _shipped(path, shipped):
                    findings.append(
                        _finding(
                            "unnamed-test-path",
                            rel,
                            f"tests read {path}, which the instruction never names",
                            number,
                        )
                    )
    return findings


def _mentioned(path: str, instruction: str) -> bool:
    """The path, its parent folder or its file name is in the instruction, or an ancestor folder
    is named there as a whole path (`/srv/acme` scopes `/srv/acme/data/x.csv`; `/app/x.csv`
    does not scope `/app/y.csv`)."""
    candidates = {path, path.rstrip("/")}
    parent = path.rsplit("/", 1)[0]
    if parent.count("/") >= 2:
        candidates.add(parent)
    name = path.rsplit("/", 1)[-1]
    if any(c and c in instruction for c in candidates):
        return True
    if len(name) > 4 and "." in name and name in instruction:
        return True
    return any(_names_whole(ancestor, instruction) for ancestor in _ancestors(path, 1))


def _ancestors(path: str, min_depth: int) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:depth]) for depth in range(min_depth, len(parts))]


def _names_whole(path: str, text: str) -> bool:
    """`path` occurs in `text` as a whole path, not as the head of a longer one."""
    return re.search(re.escape(path) + r"/?(?![\w./-])", text) is not None


def _shipped_inputs(environment: Path) -> tuple[str, str]:
    """(the relative paths of environment/, one per line; the text of its small files): what
    an agent can find in the image by looking."""
    if not environment.is_dir():
        return "", ""
    names, texts = [], []
    for item in sorted(environment.rglob("*")):
        if item.is_file():
            names.append("/" + item.relative_to(environment).as_posix())
            if item.stat().st_size <= 1_000_000:
                texts.append(item.read_text(errors="replace"))
    return "\n".join(names) + "\n", "\n".join(texts)


def _shipped(path: str, shipped: tuple[str, str]) -> bool:
    """A file of environment/ sits at `path`, or the inputs name it or a folder (two levels or
    deeper) that holds it."""
    names, texts = shipped
    path = path.rstrip("/")
    if f"{path}\n" in names or f"{path}/" in names:
        return True
    return any(_names_whole(p, texts) for p in [path, *_ancestors(path, 2)])


def check_task(task_dir: Path) -> list[Finding]:
    """All static findings for one task directory."""
    findings = []
    config_path = task_dir / "task.toml"
    try:
        TaskConfig.model_validate_toml(config_path.read_text())
        Task(task_dir)
    except Exception as exc:  # Harbor raises pydantic, TOML and file errors alike
        message = str(exc).strip().splitlines()
        findings.append(
            _finding(
                "harbor-load",
                "task.toml",
                f"{type(exc).__name__}: {message[0] if message else ''}"[:300],
            )
        )
    if not (task_dir / "solution" / "solve.sh").exists():
        findings.append(_finding("no-solution", "solution/solve.sh", "no reference solution"))
    findings += check_dockerfile(task_dir)
    findings += check_test_scripts(task_dir)
    findings += check_instruction_paths(task_dir)
    return findings
