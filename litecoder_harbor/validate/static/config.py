"""Rules on the task dir as Harbor loads it: task.toml parses and every key in it is one Harbor
reads, the task has an environment, a solution, and no links that point at nothing."""

from __future__ import annotations

import re
import tomllib
import types
import typing
from pathlib import Path

from harbor.models.task.config import EnvironmentConfig, TaskConfig, VerifierEnvironmentMode
from harbor.models.task.paths import TaskPaths
from harbor.models.task.task import Task
from harbor.models.task.verifier_mode import resolve_task_verifier_mode
from pydantic import BaseModel, ValidationError

from litecoder_harbor.tasks.conventions import covers_grader_tools
from litecoder_harbor.validate.static.findings import Finding, finding

# Keys Harbor still accepts and renames before validation (its `mode="before"` validators).
_LEGACY_KEYS: dict[type[BaseModel], set[str]] = {
    TaskConfig: {"version"},
    EnvironmentConfig: {"memory", "storage"},
}


def check_config(task_dir: Path) -> list[Finding]:
    config_path = task_dir / "task.toml"
    try:
        text = config_path.read_text()
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [finding("harbor-load", "task.toml", f"{type(exc).__name__}: {_first_line(exc)}")]
    try:
        config = TaskConfig.model_validate(data)
    except ValidationError as exc:
        return [
            finding(
                "harbor-load",
                "task.toml",
                f"{_field(loc)}: {msg}" if loc else msg,
                _line(text, loc),
            )
            for loc, msg in _errors(exc, data)
        ]
    findings = [
        finding(
            "unknown-config-key",
            "task.toml",
            f"{_field(loc)}: Harbor has no such setting and ignores it",
            _line(text, loc),
        )
        for loc in unknown_keys(data, TaskConfig)
    ]
    try:
        Task(task_dir)
    except Exception as exc:  # Harbor raises pydantic, TOML and file errors alike
        findings.append(
            finding("harbor-load", "task.toml", f"{type(exc).__name__}: {_first_line(exc)}")
        )
    dockerfile = task_dir / "environment" / "Dockerfile"
    compose = task_dir / "environment" / "docker-compose.yaml"
    if not dockerfile.is_file() and not compose.is_file() and not config.environment.docker_image:
        why = "is a folder, not a file" if dockerfile.is_dir() else "is missing"
        findings.append(
            finding(
                "no-environment",
                "environment/Dockerfile",
                f"environment/Dockerfile {why} and task.toml sets no [environment].docker_image",
            )
        )
    for missing, message in missing_solutions(task_dir, config):
        findings.append(finding("no-solution", missing, message))
    for source in grader_tools_in_artifacts(config):
        findings.append(
            finding(
                "artifact-on-path",
                "task.toml",
                f"artifacts: {source!r} would replace the separate verifier's own tools with the"
                " agent's (declare the result files, e.g. /usr/local/bin/<tool>)",
            )
        )
    return findings


def grader_tools_in_artifacts(config: TaskConfig) -> list[str]:
    """Artifact sources of a separately graded task that are, or contain, the grader's tools."""
    if resolve_task_verifier_mode(config) != VerifierEnvironmentMode.SEPARATE:
        return []
    sources = [a if isinstance(a, str) else a.source for a in config.artifacts]
    return [source for source in sources if covers_grader_tools(source)]


def missing_solutions(task_dir: Path, config: TaskConfig) -> list[tuple[str, str]]:
    """(the script Harbor's oracle would run, why) for each step (or the task) that has none:
    the oracle takes a step's own solution/ if there is one, else the task's, and a script for
    the task's OS (solve.bat on Windows)."""
    paths = TaskPaths(task_dir)
    task_os = config.environment.os
    shared = paths.discovered_solve_path_for(task_os)
    missing = []
    for step in config.steps or [None]:
        if step is not None and paths.step_solution_dir(step.name).is_dir():
            if paths.discovered_step_solve_path_for(step.name, task_os) is None:
                expected = paths.step_solve_path_for(step.name, task_os)
                missing.append((expected, f"step {step.name!r} has no reference solution"))
        elif shared is None:
            what = "no reference solution" + (f" for step {step.name!r}" if step else "")
            missing.append((paths.solve_path_for(task_os), what))
    return [(p.relative_to(paths.task_dir).as_posix(), m) for p, m in missing]


def check_links(task_dir: Path) -> list[Finding]:
    """Symbolic links under tests/ and environment/ that point at nothing: Harbor uploads
    tests/ and Docker sends environment/, and either may fail on them."""
    findings = []
    for folder in ("tests", "environment"):
        for path in sorted((task_dir / folder).rglob("*")):
            if path.is_symlink() and not path.exists():
                rel = path.relative_to(task_dir).as_posix()
                findings.append(
                    finding("dangling-symlink", rel, f"{rel} links to a missing {path.readlink()}")
                )
    return findings


def unknown_keys(data: dict, model: type[BaseModel], loc: tuple = ()) -> list[tuple]:
    """The paths of keys in `data` that `model` (recursively) has no field for."""
    known = set(model.model_fields) | _LEGACY_KEYS.get(model, set())
    known |= {f.alias for f in model.model_fields.values() if f.alias}
    found = []
    for key, value in data.items():
        if key not in known:
            found.append((*loc, key))
            continue
        field = model.model_fields.get(key)
        for sub_model in _models_in(field.annotation) if field else []:
            if isinstance(value, dict):
                found += unknown_keys(value, sub_model, (*loc, key))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        found += unknown_keys(item, sub_model, (*loc, key, i))
            break
    return found


def _models_in(annotation) -> list[type[BaseModel]]:
    """The pydantic models a field holds directly or in a list/union (not dict values, which
    are free-form: metadata, env)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _errors(exc: ValidationError, data: dict) -> list[tuple[tuple, str]]:
    """(the key path as written in task.toml, message) per error, one per key: pydantic's
    locations also name union members (`str`, `int`), which are no keys of the file."""
    seen: dict[tuple, str] = {}
    for error in exc.errors():
        loc, node = [], data
        for part in error["loc"]:
            if (
                isinstance(node, dict)
                and part in node
                or isinstance(node, list)
                and isinstance(part, int)
                and part < len(node)
            ):
                loc.append(part)
                node = node[part]
            else:
                if error["type"] == "missing" and isinstance(part, str):
                    loc.append(part)
                break
        seen.setdefault(tuple(loc), error["msg"])
    return list(seen.items())[:5]


def _field(loc: tuple) -> str:
    """('environment', 'memory_mb') -> `[environment].memory_mb`; a top-level key stays bare."""
    parts = [f"[{p}]" if isinstance(p, int) else str(p) for p in loc]
    if len(parts) == 1:
        return parts[0]
    table = ".".join(parts[:-1]).replace(".[", "[")
    last = parts[-1]
    return f"[{table}]{last}" if last.startswith("[") else f"[{table}].{last}"


def _line(text: str, loc: tuple) -> int | None:
    """The line of `loc`'s key in its table, or of its own `[table]` header, where it can be
    found."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    table = ".".join(keys[:-1])
    in_table = not table
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            if header.group(1) == ".".join(keys):
                return number
            in_table = header.group(1) == table
        elif in_table and re.match(rf"^\s*{re.escape(keys[-1])}\s*=", line):
            return number
    return None


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else "")[:300]
