"""Which tasks an evaluation runs: a benchmark by name, a registry dataset (Harbor's registry or
a local registry.json) or a local folder of task dirs, checked before anything starts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harbor.models.job.config import DatasetConfig
from harbor.models.registry import DatasetSpec
from pydantic import BaseModel, ValidationError

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.eval.benchmarks import benchmark


class DatasetChoice(BaseModel):
    """Which tasks: a benchmark by name, `-d name@version` (from Harbor's registry or a local
    registry.json), or a local folder of task dirs."""

    benchmark: str | None = None
    dataset: str | None = None
    registry_path: Path | None = None
    path: Path | None = None

    def to_harbor(self, n_tasks: int | None = None) -> DatasetConfig:
        """Harbor's dataset config, first checking what can be checked offline: one source, a
        known benchmark, a folder that exists, a dataset the local registry has."""
        given = [
            n
            for n, v in (("--benchmark", self.benchmark), ("-d", self.dataset), ("-p", self.path))
            if v
        ]
        if len(given) != 1:
            raise LitecoderError(
                f"{' and '.join(given) or 'no task source'}: give exactly one of --benchmark, "
                "-d name@version or -p DIR"
            )
        if self.registry_path is not None and self.dataset is None:
            raise LitecoderError("--registry-path: needs -d name@version (a dataset in it)")
        filters: dict[str, Any] = {"n_tasks": n_tasks}
        if self.path is not None:
            if not self.path.is_dir():
                raise LitecoderError(f"-p {self.path}: no such folder of task dirs")
            return DatasetConfig(path=self.path.resolve(), **filters)
        ref = benchmark(self.benchmark).dataset if self.benchmark else self.dataset
        name, _, version = ref.partition("@")
        if not name.strip("/") or name.count("/") > 1:
            raise LitecoderError(
                f"-d {ref!r}: not a registry dataset name",
                hint="give name@version as in Harbor's registry (terminal-bench@2.0), or "
                "org/name[@ref] of Harbor Hub",
            )
        if "/" in name:  # a Harbor Hub package; a local registry.json lists legacy names only
            if self.registry_path is not None:
                raise LitecoderError(
                    f"-d {ref}: a Harbor Hub package name; --registry-path lists name@version "
                    "datasets only"
                )
            return DatasetConfig(name=name, ref=version or "latest", **filters)
        registry = None
        if self.registry_path is not None:
            registry = self.registry_path.resolve()
            check_in_registry(registry, name, version or None)
        return DatasetConfig(name=name, version=version or None, registry_path=registry, **filters)

    @property
    def label(self) -> str:
        if self.path is not None:
            return self.path.resolve().name
        return (benchmark(self.benchmark).dataset if self.benchmark else self.dataset) or "?"


def load_registry(path: Path) -> list[DatasetSpec]:
    """A local registry.json: Harbor's list of datasets, each with its tasks."""
    where = f"--registry-path {path}"
    if not path.is_file():
        raise LitecoderError(f"{where}: no such file", hint="give a registry.json")
    try:
        rows = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise LitecoderError(f"{where}: not JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(rows, list):
        raise LitecoderError(
            f"{where}: expected a JSON list of datasets, got {type(rows).__name__}",
            hint='[{"name": ..., "version": ..., "description": ..., "tasks": [...]}]',
        )
    specs = []
    for i, row in enumerate(rows):
        try:
            specs.append(DatasetSpec.model_validate(row))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(map(str, first["loc"]))
            raise LitecoderError(f"{where}: [{i}].{field}: {first['msg']}") from None
    return specs


def check_in_registry(path: Path, name: str, version: str | None) -> None:
    """`name@version` is a dataset of the local registry (Harbor's own message would be a
    traceback from inside the job)."""
    specs = load_registry(path)
    chosen = [s for s in specs if s.name == name and version in (None, s.version)]
    for spec in chosen:
        for task in spec.tasks:
            if task.git_url is None and not task.path.is_dir():
                raise LitecoderError(
                    f"--registry-path {path}: {spec.name}@{spec.version}: task {task.name}: "
                    f"no task dir at {task.path}",
                    hint="a local task's path is absolute, or relative to where you run",
                )
    if chosen:
        return
    known = ", ".join(f"{s.name}@{s.version}" for s in specs) or "none"
    raise LitecoderError(
        f"-d {name}{'@' + version if version else ''}: not in {path}", hint=f"it has: {known}"
    )
