"""Task generation: the public API of the gen stage.

The template backend (`templates`, families under task_templates/) and the domain spec the LLM
backend reads (`spec`) are here; the LLM pipeline itself is `litecoder_harbor.gen.pipeline`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from litecoder_harbor.containers.images import ensure_engine
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.spec import DomainSpec, Stage, load_spec, plan_tasks
from litecoder_harbor.gen.templates import iter_template_drafts, load_families
from litecoder_harbor.jobs import EnvironmentSpec
from litecoder_harbor.tasks.conventions import Domain
from litecoder_harbor.tasks.model import TaskDraft
from litecoder_harbor.tasks.writer import WriteResult, check_task_folder, write_tasks
from litecoder_harbor.validate import ValidationReport

__all__ = [
    "BACKENDS",
    "DomainSpec",
    "Stage",
    "generate_drafts",
    "load_families",
    "load_spec",
    "plan_tasks",
    "rejects_dir",
    "set_aside_rejects",
    "write_template_tasks",
]

BACKENDS = ("template",)


def generate_drafts(
    backend: str,
    n: int,
    seed: int,
    *,
    domain: str | None = None,
    family: str | None = None,
    difficulty: str | None = None,
    holdout: frozenset[str] = frozenset(),
    split: str = "train",
) -> list[TaskDraft]:
    if backend not in BACKENDS:
        raise LitecoderError(
            f"unknown backend {backend!r}", hint=f"use one of: {', '.join(BACKENDS)}"
        )
    if n < 1:
        raise LitecoderError(f"--n must be at least 1, got {n}")
    if seed < 0:
        raise LitecoderError(f"--seed must be >= 0, got {seed}")
    return list(
        iter_template_drafts(
            n,
            seed,
            domain=domain,
            family=family,
            difficulty=difficulty,
            holdout=holdout,
            split=split,
        )
    )


def write_template_tasks(
    out: Path,
    backend: str,
    n: int,
    seed: int,
    *,
    domain: str | None = None,
    family: str | None = None,
    difficulty: str | None = None,
    holdout: frozenset[str] = frozenset(),
    split: str = "train",
    overwrite: bool = False,
    execute_on: EnvironmentSpec | None = None,
    log: Callable[[str], None] = print,
) -> tuple[list[TaskDraft], list[WriteResult]]:
    """Draw n tasks from `backend` and write them into `out`, all or none. With `execute_on` (the
    tasks are to be validated there), everything execution needs is checked first, before a
    single file is written."""
    check_task_folder(out)
    drafts = generate_drafts(
        backend,
        n,
        seed,
        domain=domain,
        family=family,
        difficulty=difficulty,
        holdout=holdout,
        split=split,
    )
    if execute_on is not None:
        domains = [Domain(d.config.metadata["category"]) for d in drafts]
        ensure_engine(execute_on, domains, log=log)
    return drafts, write_tasks(drafts, out, overwrite=overwrite)


def rejects_dir(out: Path) -> Path:
    return out.parent / f"{out.name}-rejects"


def set_aside_rejects(report: ValidationReport, out: Path) -> list[str]:
    """Move every task that failed validation to `<out>-rejects/`, its report beside it, so
    `out` holds only sound tasks."""
    rejects = rejects_dir(out)
    moved = []
    for task in report.tasks:
        if task.passed:
            continue
        rejects.mkdir(exist_ok=True)
        target = rejects / task.task
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(task.task_dir), target)
        (rejects / f"{task.task}.validation.json").write_text(task.model_dump_json(indent=2))
        moved.append(task.task)
    return moved
