"""Rules on the agent image's Dockerfile: COPY sources exist in the build context, tests and
solution stay out of the image, installs are pinned. The context is environment/ unless the
task's docker-compose.yaml points Harbor's `main` service elsewhere (often `context: ..`)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

import yaml

from litecoder_harbor.validate.static.dockerfile import (
    CopySource,
    copy_sources,
    dockerignore,
    dockerignore_file,
    ignored,
    instructions,
)
from litecoder_harbor.validate.static.findings import Finding, finding
from litecoder_harbor.validate.static.installs import unpinned_installs
from litecoder_harbor.validate.static.shell import commands


@dataclass
class BuildContext:
    """Where Harbor builds the agent image from: the context folder (relative to the task
    dir, `.` for the task dir itself) and the Dockerfile (relative to the task dir)."""

    task_dir: Path
    in_task: str
    dockerfile: str

    @property
    def root(self) -> Path:
        return self.task_dir / self.in_task

    @property
    def name(self) -> str:
        return "the task dir" if self.in_task == "." else f"{self.in_task}/"


def check_dockerfile(task_dir: Path) -> list[Finding]:
    """The Dockerfile rules; nothing when there is no Dockerfile file (see `check_config`)."""
    env_dir = task_dir / "environment"
    build = main_build(task_dir)
    if build is None:
        return []  # a compose build Harbor resolves at run time: nothing to judge here
    path = task_dir / build.dockerfile
    if not path.is_file():
        return []
    text = path.read_text(errors="replace")
    findings = []
    ignore_file = dockerignore_file(build.root, path)
    patterns = dockerignore(ignore_file)
    for copy in copy_sources(text):
        findings += _copy_findings(copy, build, ignore_file, patterns)
    for instruction in instructions(text):
        if instruction.keyword != "RUN":
            continue
        scripts = instruction.heredocs or [instruction.args]
        for script in scripts:
            for command in commands(script, instruction.line):
                for problem in unpinned_installs(command):
                    findings.append(
                        finding("unpinned-dependency", build.dockerfile, problem, instruction.line)
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


def main_build(task_dir: Path) -> BuildContext | None:
    """The build of the image Harbor runs the agent in: environment/ and its Dockerfile,
    unless environment/docker-compose.yaml overrides `services.main.build` (relative to
    environment/; `context: ..` makes the whole task dir the context). None when that
    override names a variable, a URL or a folder outside the task dir."""
    default = BuildContext(task_dir, "environment", "environment/Dockerfile")
    compose = task_dir / "environment" / "docker-compose.yaml"
    if not compose.is_file():
        return default
    try:
        services = (yaml.safe_load(compose.read_text(errors="replace")) or {}).get("services")
        build = services["main"]["build"]
    except (yaml.YAMLError, AttributeError, KeyError, TypeError):
        return default  # no override of main's build (or a file compose itself rejects)
    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict):
        return default
    context_name = str(build.get("context", "."))
    dockerfile_name = str(build.get("dockerfile", "Dockerfile"))
    if "$" in context_name + dockerfile_name or "://" in context_name:
        return None
    in_task = posixpath.normpath(posixpath.join("environment", context_name))
    if in_task == ".." or in_task.startswith(("../", "/")):
        return None
    return BuildContext(task_dir, in_task, posixpath.normpath(f"{in_task}/{dockerfile_name}"))


def _copy_findings(
    copy: CopySource, build: BuildContext, ignore_file: Path | None, patterns
) -> list[Finding]:
    if copy.from_elsewhere or copy.resolved is None:
        return []  # another stage, an image, a heredoc, a URL, or a variable set at build time
    where = f"{copy.keyword} {copy.source}"
    context, dockerfile = build.root, build.dockerfile
    relative = posixpath.normpath(copy.resolved.lstrip("/") or ".")
    if relative.split("/")[0] in {"tests", "solution"} and not (context / relative).exists():
        return [finding("tests-in-image", dockerfile, where, copy.line)]
    if relative == ".." or relative.startswith("../"):
        escaped = posixpath.normpath(f"{build.in_task}/{relative}")
        if escaped.split("/")[0] in {"tests", "solution"}:
            return [finding("tests-in-image", dockerfile, where, copy.line)]
        return [
            finding(
                "copy-source-missing",
                dockerfile,
                f"{copy.keyword} source {copy.source!r} is outside the build context {build.name}",
                copy.line,
            )
        ]
    if relative == ".":
        matches = ["."]
    else:
        matches = [
            p.relative_to(context).as_posix() for p in context.glob(relative) if p.exists()
        ] or ([relative] if (context / relative).exists() else [])
    visible = [m for m in matches if m == "." or not ignored(m, patterns)]
    baked = [t for m in visible for t in _verifier_twins(build, m, patterns)]
    if baked:
        return [
            finding(
                "tests-in-image",
                dockerfile,
                f"{where} copies the verifier's or solution's {', '.join(baked[:3])}",
                copy.line,
            )
        ]
    if visible:
        return []
    if matches and ignore_file is not None:
        why = f"excluded by {ignore_file.relative_to(build.task_dir).as_posix()}"
    else:
        why = f"not in {build.name}"
    return [
        finding(
            "copy-source-missing",
            dockerfile,
            f"{copy.keyword} source {copy.source!r} {why}",
            copy.line,
        )
    ]


def _verifier_twins(build: BuildContext, copied: str, patterns) -> list[str]:
    """Files a COPY of `copied` (a context path) takes from the context's tests/ or solution/
    that are also files of the task's own tests/ or solution/: the ground truth baked into the
    image. The project's own tests (not the verifier's) pass."""
    context, task_dir = build.root, build.task_dir
    root = context / copied
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    twins = []
    for path in files:
        relative = path.relative_to(context).as_posix()
        if relative.split("/")[0] not in {"tests", "solution"} or ignored(relative, patterns):
            continue
        if (task_dir / relative).is_file():
            twins.append(relative)
    return twins
