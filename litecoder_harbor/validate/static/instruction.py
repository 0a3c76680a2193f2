"""The rule on the instruction: every work path the tests read is named there or shipped."""

from __future__ import annotations

import re
from pathlib import Path

from litecoder_harbor.validate.static.findings import Finding, finding
from litecoder_harbor.validate.static.grading import verifier_dirs
from litecoder_harbor.validate.static.shell import commands

_PATH_IN_TEXT = re.compile(
    r"(?<![\w.])(/(?:app|home|root|srv|data|workspace|output)(?:/[\w.-]+)*/?)"
)
_IGNORED_TEST_PATHS = ("/app/tests", "/app/.", "/var/lib/dpkg", "/var/cache")
_OUTPUT_OPTION = re.compile(r"""(?<![\w-])(?:-o|--output)['"]?\s*[,=]?\s*['"]?(/[\w./-]+)""")
_FOR_LIST = re.compile(r"^\s*for\s+\w+\s+in\s+([^;]*)")


def check_instruction_paths(task_dir: Path) -> list[Finding]:
    """Absolute work paths the tests mention must be discoverable from the task: named in the
    instruction (or a folder the instruction scopes), or shipped in environment/ (the agent can
    find inputs by looking; only outputs and rules need naming). A multi-step task's steps
    each bring their own instruction and tests. Paths the test scripts write themselves, and
    the candidates of a `for` list they probe, are not asked of the agent."""
    instructions = [task_dir / "instruction.md", *sorted(task_dir.glob("steps/*/instruction.md"))]
    instruction = "\n".join(p.read_text(errors="replace") for p in instructions if p.is_file())
    if not instruction:
        return []  # nothing to judge against; Harbor's loader reports the missing file
    shipped = _shipped_inputs(task_dir / "environment")
    test_files = [
        path
        for folder in verifier_dirs(task_dir)
        for path in sorted(folder.glob("**/*"))
        if path.is_file() and path.stat().st_size <= 2_000_000
    ]
    texts = {path: path.read_text(errors="replace") for path in test_files}
    unnamed, seen = [], set()
    for test_file, text in texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            for path in _PATH_IN_TEXT.findall(line):
                path = path.rstrip(".,:;)")
                partial = path.endswith(("-", "_", "."))  # the head of a path built in code
                if partial or path in seen or path.startswith(_IGNORED_TEST_PATHS) or len(path) < 6:
                    continue
                seen.add(path)
                if not _mentioned(path, instruction) and not _shipped(path, shipped):
                    unnamed.append((test_file, number, path))
    if not unnamed:
        return []
    not_asked = set().union(*(_not_asked_of_agent(path, text) for path, text in texts.items()))
    return [
        finding(
            "unnamed-test-path",
            test_file.relative_to(task_dir).as_posix(),
            f"tests read {path}, which the instruction never names",
            number,
        )
        for test_file, number, path in unnamed
        if path.rstrip("/") not in not_asked
    ]


def _not_asked_of_agent(path: Path, text: str) -> set[str]:
    """Paths a test file produces itself (`cp` and `mv` targets, redirections, `mkdir`,
    `touch`, a compiler's `-o` output) or probes among alternatives (`for d in /app /srv`)."""
    found = {m.group(1) for m in _OUTPUT_OPTION.finditer(text)}
    if path.suffix != ".sh":
        return found
    for line in text.splitlines():
        probed = _FOR_LIST.match(line)
        if probed:
            found |= set(_PATH_IN_TEXT.findall(probed.group(1)))
    for command in commands(text):
        found |= set(command.redirects)
        args = [a for a in command.argv[1:] if not a.startswith("-")]
        if command.name in {"cp", "mv", "install", "ln", "rsync"} and len(args) >= 2:
            found.add(args[-1])
        elif command.name in {"mkdir", "touch"}:
            found |= set(args)
    return {p.rstrip("/") for p in found}


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
