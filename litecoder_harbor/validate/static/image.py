"""Rules on environment/Dockerfile: COPY sources exist in the build context, tests and
solution stay out of the image, installs are pinned."""

from __future__ import annotations

import posixpath
from pathlib import Path

from litecoder_harbor.validate.static.dockerfile import (
    CopySource,
    copy_sources,
    dockerignore,
    ignored,
    instructions,
)
from litecoder_harbor.validate.static.findings import Finding, finding
from litecoder_harbor.validate.static.installs import unpinned_installs
from litecoder_harbor.validate.static.shell import commands

DOCKERFILE = "environment/Dockerfile"


def check_dockerfile(task_dir: Path) -> list[Finding]:
    """The Dockerfile rules; nothing when there is no Dockerfile file (see `check_config`)."""
    env_dir = task_dir / "environment"
    path = env_dir / "Dockerfile"
    if not path.is_file():
        return []
    text = path.read_text(errors="replace")
    findings = []
    patterns = dockerignore(env_dir)
    for copy in copy_sources(text):
        findings += _copy_findings(copy, env_dir, patterns)
    for instruction in instructions(text):
        if instruction.keyword != "RUN":
            continue
        scripts = instruction.heredocs or [instruction.args]
        for script in scripts:
            for command in commands(script, instruction.line):
                for problem in unpinned_installs(command):
                    findings.append(
                        finding("unpinned-dependency", DOCKERFILE, problem, instruction.line)
                    )
    for name in ("tests", "solution"):  # one COPY . away from baking them in
        if (env_dir / name).is_dir():
            findings.append(
                finding(
                    "tests-in-image",
                    f"environment/{name}",
                    f"environment/{name}/ is inside the build context",
                )
            )
    return findings


def _copy_findings(copy: CopySource, env_dir: Path, patterns) -> list[Finding]:
    if copy.from_elsewhere or copy.resolved is None:
        return []  # another stage, an image, a heredoc, a URL, or a variable set at build time
    where = f"{copy.keyword} {copy.source}"
    relative = posixpath.normpath(copy.resolved.lstrip("/") or ".")
    if relative.split("/")[0] in {"tests", "solution"} and not (env_dir / relative).exists():
        return [finding("tests-in-image", DOCKERFILE, where, copy.line)]
    if relative == ".." or relative.startswith("../"):
        escaped = posixpath.normpath("environment/" + relative)
        if escaped.split("/")[0] in {"tests", "solution"}:
            return [finding("tests-in-image", DOCKERFILE, where, copy.line)]
        return [
            finding(
                "copy-source-missing",
                DOCKERFILE,
                f"{copy.keyword} source {copy.source!r} is outside the build context environment/",
                copy.line,
            )
        ]
    if relative == ".":
        matches = ["."]
    else:
        matches = [
            p.relative_to(env_dir).as_posix() for p in env_dir.glob(relative) if p.exists()
        ] or ([relative] if (env_dir / relative).exists() else [])
    visible = [m for m in matches if m == "." or not ignored(m, patterns)]
    baked = [t for m in visible for t in _verifier_twins(env_dir, m, patterns)]
    if baked:
        return [
            finding(
                "tests-in-image",
                DOCKERFILE,
                f"{where} copies the verifier's or solution's {', '.join(baked[:3])}",
                copy.line,
            )
        ]
    if visible:
        return []
    why = "excluded by environment/.dockerignore" if matches else "not in environment/"
    return [
        finding(
            "copy-source-missing",
            DOCKERFILE,
            f"{copy.keyword} source {copy.source!r} {why}",
            copy.line,
        )
    ]


def _verifier_twins(env_dir: Path, copied: str, patterns) -> list[str]:
    """Files a COPY of `copied` (a context path) takes from environment/tests/ or
    environment/solution/ that are also files of the task's own tests/ or solution/: the
    ground truth baked into the image. The project's own tests (not the verifier's) pass."""
    task_dir = env_dir.parent
    root = env_dir / copied
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    twins = []
    for path in files:
        relative = path.relative_to(env_dir).as_posix()
        if relative.split("/")[0] not in {"tests", "solution"} or ignored(relative, patterns):
            continue
        if (task_dir / relative).is_file():
            twins.append(relative)
    return twins
