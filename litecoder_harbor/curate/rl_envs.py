"""`curate rl-envs`: the tasks behind jobs (or any task folders) as an RL-environment dataset:
a `tasks/` tree that TRL's `trl.experimental.harbor.HarborSpec(<folder>)` loads for online RL,
and a parquet index with each task's provenance, Harbor content digest, validation verdict and
pass rate in the jobs.

Verdicts come from validation reports (`litecoder validate --report FILE`, or the
`litecoder-validation.json` a validation job dir holds), matched by task dir name. Only
tasks judged sound go in unless `include_unvalidated` (which adds the tasks no report judged);
a task judged anything else never does. The digest in the index lets a user check that a task
is the one that was validated.
"""

from __future__ import annotations

import shutil
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from harbor.publisher.packager import Packager
from pydantic import ValidationError

from litecoder_harbor.curate.filters import FilterChain, FilterSettings
from litecoder_harbor.curate.output import DatasetFolder
from litecoder_harbor.curate.run import CurateOptions, CurateResult, curate
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.llm.secrets import scrub_key_shapes
from litecoder_harbor.tasks.discovery import task_dirs_in
from litecoder_harbor.validate import ValidationReport

RL_INDEX_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("domain", pa.string()),
        ("family", pa.string()),
        ("difficulty", pa.string()),
        ("instruction", pa.string()),
        ("digest", pa.string()),
        ("verdict", pa.string()),
        ("trials", pa.int64()),
        ("pass_rate", pa.float64()),
    ]
)
UNVALIDATED = "unvalidated"


def content_digest(task_dir: Path) -> str:
    """Harbor's content hash of a task dir (what its registry and lock files record)."""
    return Packager.compute_content_hash(task_dir)[0]


def export_tasks_tree(task_dirs: Iterable[Path], out_dir: Path) -> list[Path]:
    """Copy each task dir to `out_dir/tasks/<name>/`, holding exactly the files Harbor publishes
    and hashes (its `.gitignore` too, so each copy keeps its digest): the layout HarborSpec,
    Harbor registries and the Hub's dataset viewers read. Shared with the publish stage. Two
    different tasks of one name are an error naming both."""
    copied: dict[str, Path] = {}
    for task in task_dirs:
        if task.name in copied:
            if content_digest(task) != content_digest(copied[task.name]):
                raise LitecoderError(
                    f"{task}: another task named {task.name} differs from it ({copied[task.name]})"
                )
            continue
        _copy_harbor_files(task.resolve(), out_dir / "tasks" / task.name)
        copied[task.name] = task
    return [out_dir / "tasks" / name for name in copied]


def _copy_harbor_files(source: Path, copy: Path) -> None:
    ignore = source / ".gitignore"
    for file in [*Packager.collect_files(source), *([ignore] if ignore.exists() else [])]:
        target = copy / file.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        shutil.copymode(file, target)


def load_verdicts(reports: Iterable[Path]) -> dict[str, str]:
    """Task name → verdict: `sound` only where the probes judged it so and no static check
    failed; a static-only check proves nothing about execution and leaves it unvalidated."""
    verdicts: dict[str, str] = {}
    for path in reports:
        try:
            report = ValidationReport.model_validate_json(path.read_bytes())
        except OSError as exc:
            raise LitecoderError(f"--validation {path}: cannot read it: {exc.strerror}") from None
        except ValidationError as exc:
            raise LitecoderError(
                f"--validation {path}: not a validation report: {exc.errors()[0]['msg']}",
                hint="give the JSON `litecoder validate --report` writes",
            ) from None
        for task in report.tasks:
            if task.static_errors:
                verdicts[task.task] = "static-errors"
            else:
                verdicts[task.task] = task.verdict.value if task.verdict else UNVALIDATED
    return verdicts


def _metadata(task_dir: Path) -> dict[str, str]:
    try:
        metadata = tomllib.loads((task_dir / "task.toml").read_text()).get("metadata", {})
    except (tomllib.TOMLDecodeError, OSError):
        return {}
    ours = metadata.get("litecoder", {})
    return {
        "domain": str(ours.get("domain") or metadata.get("category") or "unknown"),
        "family": str(ours.get("family") or metadata.get("category") or "unknown"),
        "difficulty": str(ours.get("difficulty") or metadata.get("difficulty") or "unknown"),
    }


@dataclass
class RlEnvBuilder:
    min_reward: float
    verdicts: dict[str, str]
    include_unvalidated: bool
    extra_tasks: list[Path]
    kind: str = "rl-envs"
    title: str = "Terminal RL environments (Harbor tasks)"
    tags: list[str] = field(default_factory=lambda: ["rl", "environments"])
    schema: pa.Schema = RL_INDEX_SCHEMA
    chain: FilterChain = field(default_factory=lambda: FilterChain(FilterSettings(), ()))
    dropped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    chosen: list[Path] = field(default_factory=list)
    _tasks: dict[str, Path] = field(default_factory=dict)
    _tally: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    kept_later: list[dict[str, Any]] = field(default_factory=list)

    def take(self, record: dict[str, Any]) -> tuple[bool, Iterable[dict[str, Any]]]:
        if record["task_dir"] is None:
            self.dropped["task dir not on disk"] += 1
            return False, []
        task_dir = Path(record["task_dir"])
        tally = self._tally[task_dir.name]
        tally[0] += record["reward"] is not None and record["reward"] >= self.min_reward
        tally[1] += 1
        self._tasks.setdefault(task_dir.name, task_dir)
        return True, []

    def rest(self) -> Iterable[dict[str, Any]]:
        for task in self.extra_tasks:
            self._tasks.setdefault(task.name, task)
        for name, task_dir in sorted(self._tasks.items()):
            digest = content_digest(task_dir)
            verdict = self.verdicts.get(name, UNVALIDATED)
            if verdict != "sound" and not (verdict == UNVALIDATED and self.include_unvalidated):
                self.dropped[f"verdict {verdict}"] += 1
                continue
            self.chosen.append(task_dir)
            solved, trials = self._tally.get(name, (0, 0))
            instruction = task_dir / "instruction.md"
            yield {
                "name": name,
                **_metadata(task_dir),
                "instruction": scrub_key_shapes(instruction.read_text(errors="replace"))[0]
                if instruction.is_file()
                else "",
                "digest": digest,
                "verdict": verdict,
                "trials": trials,
                "pass_rate": solved / trials if trials else None,
            }

    def filters(self) -> dict[str, Any]:
        return {
            "kept": len(self.chosen),
            "dropped": dict(sorted(self.dropped.items())),
            "contaminated": [],
        }


def curate_rl_envs(
    paths: list[Path],
    options: CurateOptions,
    *,
    validation_reports: list[Path] | None = None,
    include_unvalidated: bool = False,
) -> CurateResult:
    """`paths` are job dirs and task folders (a task dir or a folder of them), in any mix."""
    task_paths = [p for p in paths if (p / "task.toml").is_file() or any(p.glob("*/task.toml"))]
    job_dirs = [p for p in paths if p not in task_paths]
    tasks = task_dirs_in(task_paths) if task_paths else []
    verdicts = load_verdicts(validation_reports or [])

    made = RlEnvBuilder(options.min_reward, verdicts, include_unvalidated, tasks)

    def write_tree(folder: DatasetFolder) -> None:
        export_tasks_tree(made.chosen, folder.stage)

    return curate(job_dirs, options, lambda _benchmark: made, extra=write_tree)
