"""Verdicts kept per task content, so validating an unchanged task again costs nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from harbor.publisher.packager import Packager

from litecoder_harbor.files import atomic_write
from litecoder_harbor.jobs import AgentSpec, EnvironmentSpec
from litecoder_harbor.validate.report import TaskReport

VERDICT_FORMAT = 3
"""Bumped when probes, verdict rules or the probe agents' import paths change, so cached
verdicts are not reused across them. 2: keys name each probe's agent (import path).
3: reports say where the verifier ran."""


class VerdictCache:
    """`<folder>/<task>-<key>.json`, the key a digest of the task's content (Harbor's content
    hash), the probes with their agents, and the environment."""

    def __init__(self, folder: Path, probes: dict[str, AgentSpec], environment: EnvironmentSpec):
        self.folder = folder
        self._probes = json.dumps(
            [[probe, spec.name, spec.kwargs] for probe, spec in probes.items()], sort_keys=True
        )
        self._environment = environment.model_dump_json()

    def path(self, task_dir: Path) -> Path:
        digest = hashlib.sha256(Packager.compute_content_hash(task_dir)[0].encode())
        digest.update(json.dumps([self._probes, self._environment, VERDICT_FORMAT]).encode())
        return self.folder / f"{task_dir.name}-{digest.hexdigest()[:16]}.json"

    @staticmethod
    def get(cached: Path) -> TaskReport | None:
        return TaskReport.model_validate_json(cached.read_text()) if cached.exists() else None

    @staticmethod
    def put(cached: Path, report: TaskReport) -> None:
        """Keep a verdict only if every probe ran to its end (an errored one is re-run)."""
        if not any(p.exception for p in report.probes):
            atomic_write(cached, report.model_dump_json(indent=2))
