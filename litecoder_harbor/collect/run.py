"""`litecoder collect`: every task k times through the teacher scaffolds, one Harbor job per
scaffold under --out, then a summary of what came back."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harbor.models.trial.result import TrialResult
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from litecoder_harbor.collect.plan import CollectConfig, PlannedTrial, assign_scaffolds
from litecoder_harbor.collect.preflight import check_agents, check_model_access
from litecoder_harbor.collect.recording import recording_requests
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write
from litecoder_harbor.jobs import (
    LOCAL_DOCKER,
    AgentSpec,
    EnvironmentSpec,
    run_trials_async,
    stable_job_name,
)
from litecoder_harbor.scaffolds import METADATA_KEY, scaffold_class
from litecoder_harbor.tasks.discovery import find_tasks

SOLVED = 1.0
"""Reward of a solved task: the tasks' verifiers give all or nothing."""


class ScaffoldSummary(BaseModel):
    scaffold: str
    job_dir: Path
    trials: int
    solved: int
    errors: int
    looping: int
    mean_turns: float | None


class CollectSummary(BaseModel):
    """What `collect` wrote: per scaffold, its Harbor job and the counts of its trials."""

    model: str
    api_base: str | None
    k: int
    seed: int
    mix: dict[str, float]
    scaffolds: list[ScaffoldSummary]


def agent_for(config: CollectConfig, scaffold: str, model: str, api_base: str | None) -> AgentSpec:
    """The Harbor agent of a scaffold, told the model and endpoint the way that agent reads
    them (Claude Code: ANTHROPIC_BASE_URL; the LiteLLM-based ones: api_base)."""
    settings = config.settings(scaffold)
    kwargs: dict[str, Any] = dict(settings.kwargs)
    env: dict[str, str] = {}
    if api_base and scaffold_class(scaffold).MODEL_PROTOCOL == "anthropic":
        env["ANTHROPIC_BASE_URL"] = api_base.removesuffix("/v1")
    elif api_base:
        kwargs.setdefault("api_base", api_base)
    return AgentSpec(name=settings.agent, model=settings.model or model, kwargs=kwargs, env=env)


async def collect_async(
    tasks_dir: Path,
    model: str,
    *,
    config: CollectConfig,
    config_path: Path,
    k: int,
    out: Path,
    api_base: str | None = None,
    n_concurrent: int = 4,
    environment: EnvironmentSpec = LOCAL_DOCKER,
    console: Console | None = None,
    log: Callable[[str], None] = print,
) -> CollectSummary:
    """Plan, check everything that can be checked without a container, then run. Rerunning
    the same command resumes: each scaffold's job name is fixed by what it runs."""
    if k < 1:
        raise LitecoderError(f"-k must be at least 1, got {k}")
    plan = assign_scaffolds(find_tasks(tasks_dir), k, config.mix, config.seed)
    by_scaffold: dict[str, list[PlannedTrial]] = defaultdict(list)
    for trial in plan:
        by_scaffold[trial.scaffold].append(trial)
    scaffolds = list(by_scaffold)
    check_agents(config, config_path, scaffolds)
    agents = {s: agent_for(config, s, model, api_base) for s in scaffolds}
    for scaffold in scaffolds:
        check_model_access(agents[scaffold].model or model, api_base, [scaffold], log)

    out.mkdir(parents=True, exist_ok=True)
    environments = {
        s: environment.with_settings(
            config.settings(s).environment_settings(s, [t.task_dir for t in by_scaffold[s]])
        )
        for s in scaffolds
    }
    job_dirs = {
        s: out
        / stable_job_name(
            f"collect-{s}", [t.task_dir for t in by_scaffold[s]], [agents[s]], environments[s]
        )
        for s in scaffolds
    }
    progress = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
    )
    ended: set[str] = set()  # a retried trial ends once per attempt, under the same name
    in_containers = environment.is_docker and any(
        scaffold_class(s).CALLS_MODEL_FROM_CONTAINER for s in scaffolds
    )
    with progress, recording_requests(api_base, out, for_containers=in_containers):
        for scaffold in scaffolds:
            trials = by_scaffold[scaffold]
            bar = progress.add_task(
                scaffold, total=len(trials), completed=len(_trial_results(job_dirs[scaffold]))
            )

            async def advance(event: Any, bar: int = bar) -> None:
                if event.trial_name not in ended:
                    ended.add(event.trial_name)
                    progress.advance(bar)

            await run_trials_async(
                [t.task_dir for t in trials],
                [agents[scaffold]],
                environment=environments[scaffold],
                jobs_dir=out,
                job_name=job_dirs[scaffold].name,
                n_concurrent=n_concurrent,
                on_trial_ended=advance,
            )
    summary = CollectSummary(
        model=model,
        api_base=api_base,
        k=k,
        seed=config.seed,
        mix=config.mix,
        scaffolds=[summarize(s, job_dirs[s]) for s in scaffolds],
    )
    atomic_write(out / "summary.json", summary.model_dump_json(indent=2) + "\n")
    return summary


def _trial_results(job_dir: Path) -> list[TrialResult]:
    if not job_dir.is_dir():
        return []
    return [
        TrialResult.model_validate_json(path.read_text())
        for path in sorted(job_dir.glob("*/result.json"))
    ]


def episode_report(result: TrialResult) -> dict[str, Any]:
    metadata = (result.agent_result.metadata if result.agent_result else None) or {}
    return metadata.get(METADATA_KEY) or {}


def summarize(scaffold: str, job_dir: Path) -> ScaffoldSummary:
    results = _trial_results(job_dir)
    reports = [episode_report(r) for r in results]
    turns = [r["turns"] for r in reports if "turns" in r]
    return ScaffoldSummary(
        scaffold=scaffold,
        job_dir=job_dir,
        trials=len(results),
        solved=sum(
            bool(r.verifier_result and (r.verifier_result.rewards or {}).get("reward") == SOLVED)
            for r in results
        ),
        errors=sum(r.exception_info is not None for r in results),
        looping=sum(bool(r.get("looping")) for r in reports),
        mean_turns=statistics.fmean(turns) if turns else None,
    )


def summary_table(summary: CollectSummary) -> Table:
    table = Table(title=f"collect: {summary.model}, k={summary.k}, seed {summary.seed}")
    for column in ("scaffold", "trials", "solved", "errors", "looping", "mean turns", "job"):
        table.add_column(column, justify="left" if column in ("scaffold", "job") else "right")
    for s in summary.scaffolds:
        table.add_row(
            s.scaffold,
            str(s.trials),
            str(s.solved),
            str(s.errors),
            str(s.looping),
            "-" if s.mean_turns is None else f"{s.mean_turns:.1f}",
            s.job_dir.name,
        )
    return table
