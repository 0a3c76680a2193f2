"""Scores of finished Harbor jobs, from each trial's own `result.json` (never a job summary, so
resumed, interrupted and hand-merged jobs of any agent score the same way).

pass@1 is the mean over tasks of each task's success rate over its runs, an errored trial
counting as a failure; pass@k is Chen et al.'s unbiased estimator 1 - C(n-c, k) / C(n, k),
averaged over the tasks that have at least k runs. Intervals are percentile bootstraps over
tasks (paired over the shared tasks when two runs are compared).
"""

from __future__ import annotations

import math
import statistics
import tomllib
from collections import Counter, defaultdict
from enum import StrEnum
from pathlib import Path

import numpy as np
from harbor.models.trial.result import TrialResult
from pydantic import BaseModel, ValidationError
from rich.table import Table

from litecoder_harbor.errors import LitecoderError

SOLVED = 1.0
"""A trial solved its task when its reward reaches this (the tasks grade all or nothing)."""
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 0
"""Fixed, so the same jobs always give the same interval."""
CONFIDENCE = 0.95
LEADERBOARD_MIN_RUNS = 5
"""Terminal-Bench 2.0 leaderboard rules: at least 5 trials per task, timeout multiplier 1.0, no
timeout or resource overrides."""
UNKNOWN = "unknown"
REPORT_FILE = "report.json"


class ErrorKind(StrEnum):
    AGENT_TIMEOUT = "agent timeout"
    AGENT_ERROR = "agent error"
    VERIFIER_ERROR = "verifier error"
    SETUP_ERROR = "setup error"


_ERROR_KINDS = {
    "AgentTimeoutError": ErrorKind.AGENT_TIMEOUT,
    "VerifierTimeoutError": ErrorKind.VERIFIER_ERROR,
    "VerifierOutputParseError": ErrorKind.VERIFIER_ERROR,
    "RewardFileNotFoundError": ErrorKind.VERIFIER_ERROR,
    "RewardFileEmptyError": ErrorKind.VERIFIER_ERROR,
    "AddTestsDirError": ErrorKind.VERIFIER_ERROR,
    "DownloadVerifierDirError": ErrorKind.VERIFIER_ERROR,
    "AgentSetupTimeoutError": ErrorKind.SETUP_ERROR,
    "EnvironmentStartTimeoutError": ErrorKind.SETUP_ERROR,
    "HealthcheckError": ErrorKind.SETUP_ERROR,
    "SandboxBuildFailedError": ErrorKind.SETUP_ERROR,
}
"""Harbor's exception types by what failed; any other exception is placed by the phase the
trial had reached (`error_kind`)."""


class TrialScore(BaseModel):
    """One trial as scored: what the report keeps of Harbor's `TrialResult`."""

    task: str
    trial: str
    solved: bool
    reward: float | None
    error: ErrorKind | None = None
    exception_type: str | None = None
    category: str = UNKNOWN
    difficulty: str = UNKNOWN
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    leaderboard_problems: list[str] = []


class Interval(BaseModel):
    low: float
    high: float


class TaskScore(BaseModel):
    task: str
    category: str
    difficulty: str
    runs: int
    solved: int

    @property
    def rate(self) -> float:
        return self.solved / self.runs


class Breakdown(BaseModel):
    """pass@1 of the tasks sharing a category or difficulty."""

    name: str
    tasks: int
    pass_at_1: float


class RunReport(BaseModel):
    """The scores of one run (one or more job dirs pooled)."""

    label: str
    job_dirs: list[Path]
    agents: list[str]
    models: list[str]
    tasks: int
    trials: int
    runs_per_task: dict[int, int]
    """How many tasks had each number of runs (unequal when a job was cut short)."""
    pass_at_1: float
    pass_at_1_ci: Interval
    pass_at_k: dict[int, float]
    tasks_at_k: dict[int, int]
    """How many tasks had at least k runs, i.e. entered pass@k."""
    by_category: list[Breakdown]
    by_difficulty: list[Breakdown]
    errors: dict[ErrorKind, int]
    exception_types: dict[str, int]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    leaderboard_valid: bool
    not_leaderboard_valid_because: list[str]
    per_task: list[TaskScore]


class Comparison(BaseModel):
    """`other` minus `baseline` over the tasks both ran, with a paired bootstrap interval."""

    baseline: str
    other: str
    shared_tasks: int
    baseline_pass_at_1: float
    other_pass_at_1: float
    difference: float
    difference_ci: Interval


class EvalReport(BaseModel):
    """What `litecoder eval report` writes as report.json."""

    runs: list[RunReport]
    comparisons: list[Comparison] = []
    plots: list[str] = []


# ---------------------------------------------------------------- reading trials


def is_job_dir(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def read_trials(job_dir: Path) -> list[TrialResult]:
    """Every finished trial of a Harbor job dir (a trial dir without result.json never
    finished and is not scored)."""
    if not is_job_dir(job_dir):
        raise LitecoderError(
            f"{job_dir}: not a Harbor job dir (no config.json)",
            hint="give the folder Harbor wrote for one job: it holds config.json and one "
            "folder per trial",
        )
    results = []
    for path in sorted(job_dir.glob("*/result.json")):
        try:
            results.append(TrialResult.model_validate_json(path.read_text()))
        except (ValidationError, ValueError, OSError) as exc:
            raise LitecoderError(
                f"{path}: not a Harbor trial result: {_first_problem(exc)}",
                hint="was it written by another Harbor version, or cut short?",
            ) from None
    return results


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        return f"{'.'.join(map(str, first['loc'])) or 'document'}: {first['msg']}"
    return " ".join(str(exc).split())[:200]


def score_trial(result: TrialResult) -> TrialScore:
    rewards = result.verifier_result.rewards if result.verifier_result else None
    reward = (rewards or {}).get("reward")
    exc = result.exception_info
    n_in, _, n_out, cost = result.compute_token_cost_totals()
    category, difficulty = task_labels(result)
    return TrialScore(
        task=result.task_name,
        trial=result.trial_name,
        solved=exc is None and reward is not None and reward >= SOLVED,
        reward=reward,
        error=error_kind(result),
        exception_type=exc.exception_type if exc else None,
        category=category,
        difficulty=difficulty,
        input_tokens=n_in or 0,
        output_tokens=n_out or 0,
        cost_usd=cost or 0.0,
        leaderboard_problems=leaderboard_problems(result),
    )


def error_kind(result: TrialResult) -> ErrorKind | None:
    exc = result.exception_info
    if exc is None:
        return None
    if exc.exception_type in _ERROR_KINDS:
        return _ERROR_KINDS[exc.exception_type]
    if result.verifier and result.verifier.started_at:
        return ErrorKind.VERIFIER_ERROR
    if result.agent_execution and result.agent_execution.started_at:
        return ErrorKind.AGENT_ERROR
    return ErrorKind.SETUP_ERROR


def task_labels(result: TrialResult) -> tuple[str, str]:
    """The task's category and difficulty from its task.toml `[metadata]` (Terminal-Bench and
    our tasks both set them), when the task dir is still where the trial ran it."""
    try:
        toml = result.task_id.get_local_path() / "task.toml"
        metadata = tomllib.loads(toml.read_text()).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return UNKNOWN, UNKNOWN
    return str(metadata.get("category") or UNKNOWN), str(metadata.get("difficulty") or UNKNOWN)


def leaderboard_problems(result: TrialResult) -> list[str]:
    """What about this trial's configuration breaks the Terminal-Bench 2.0 submission rules."""
    config = result.config
    problems = []
    multipliers = {
        "timeout multiplier": config.timeout_multiplier,
        "agent timeout multiplier": config.agent_timeout_multiplier,
        "verifier timeout multiplier": config.verifier_timeout_multiplier,
        "agent setup timeout multiplier": config.agent_setup_timeout_multiplier,
        "environment build timeout multiplier": config.environment_build_timeout_multiplier,
    }
    for what, value in multipliers.items():
        if value is not None and value != 1.0:
            problems.append(f"{what} {value:g} (must be 1.0)")
    overrides = {
        "agent timeout": config.agent.override_timeout_sec,
        "agent setup timeout": config.agent.override_setup_timeout_sec,
        "agent max timeout": config.agent.max_timeout_sec,
        "verifier timeout": config.verifier.override_timeout_sec,
        "verifier max timeout": config.verifier.max_timeout_sec,
        "cpus": config.environment.override_cpus,
        "memory": config.environment.override_memory_mb,
        "storage": config.environment.override_storage_mb,
        "gpus": config.environment.override_gpus,
    }
    problems += [f"{what} overridden" for what, value in overrides.items() if value is not None]
    return problems


# ---------------------------------------------------------------- statistics


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al.'s unbiased estimator of the chance that at least one of k of the n runs
    (c of them solved) solves the task."""
    if not 1 <= k <= n:
        raise ValueError(f"k={k} outside 1..{n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def bootstrap_interval(values: list[float], *, seed: int = BOOTSTRAP_SEED) -> Interval:
    """Percentile bootstrap of the mean of `values` (one per task), resampling tasks."""
    if not values:
        return Interval(low=0.0, high=0.0)
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(BOOTSTRAP_SAMPLES, len(data)))].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(low=float(low), high=float(high))


def task_scores(trials: list[TrialScore]) -> list[TaskScore]:
    by_task: dict[str, list[TrialScore]] = defaultdict(list)
    for trial in trials:
        by_task[trial.task].append(trial)
    return [
        TaskScore(
            task=task,
            category=runs[0].category,
            difficulty=runs[0].difficulty,
            runs=len(runs),
            solved=sum(t.solved for t in runs),
        )
        for task, runs in sorted(by_task.items())
    ]


def _breakdown(tasks: list[TaskScore], key: str) -> list[Breakdown]:
    groups: dict[str, list[TaskScore]] = defaultdict(list)
    for task in tasks:
        groups[getattr(task, key)].append(task)
    return [
        Breakdown(name=name, tasks=len(group), pass_at_1=statistics.fmean(t.rate for t in group))
        for name, group in sorted(groups.items())
    ]


def run_report(job_dirs: list[Path], label: str | None = None) -> RunReport:
    """Score the trials of `job_dirs` as one run."""
    results = [result for job_dir in job_dirs for result in read_trials(job_dir)]
    trials = [score_trial(result) for result in results]
    agents = {result.agent_info.name for result in results}
    models = {r.agent_info.model_info.name for r in results if r.agent_info.model_info}
    if not trials:
        raise LitecoderError(
            f"{', '.join(map(str, job_dirs))}: no finished trial (no */result.json)",
            hint="run or resume the job first",
        )
    tasks = task_scores(trials)
    most_runs = max(t.runs for t in tasks)
    pass_k = {}
    tasks_k = {}
    for k in range(1, most_runs + 1):
        eligible = [t for t in tasks if t.runs >= k]
        pass_k[k] = statistics.fmean(pass_at_k(t.runs, t.solved, k) for t in eligible)
        tasks_k[k] = len(eligible)
    reasons = sorted({p for t in trials for p in t.leaderboard_problems})
    fewest_runs = min(t.runs for t in tasks)
    if fewest_runs < LEADERBOARD_MIN_RUNS:
        reasons.insert(0, f"{fewest_runs} run(s) of some task (at least {LEADERBOARD_MIN_RUNS})")
    errors = Counter(t.error for t in trials if t.error is not None)
    rates = [t.rate for t in tasks]
    return RunReport(
        label=label or job_dirs[0].name,
        job_dirs=job_dirs,
        agents=sorted(agents),
        models=sorted(models),
        tasks=len(tasks),
        trials=len(trials),
        runs_per_task=dict(sorted(Counter(t.runs for t in tasks).items())),
        pass_at_1=statistics.fmean(rates),
        pass_at_1_ci=bootstrap_interval(rates),
        pass_at_k=pass_k,
        tasks_at_k=tasks_k,
        by_category=_breakdown(tasks, "category"),
        by_difficulty=_breakdown(tasks, "difficulty"),
        errors={kind: errors[kind] for kind in ErrorKind},
        exception_types=dict(
            Counter(t.exception_type for t in trials if t.exception_type).most_common()
        ),
        input_tokens=sum(t.input_tokens for t in trials),
        output_tokens=sum(t.output_tokens for t in trials),
        cost_usd=sum(t.cost_usd for t in trials),
        leaderboard_valid=not reasons,
        not_leaderboard_valid_because=reasons,
        per_task=tasks,
    )


def compare(baseline: RunReport, other: RunReport) -> Comparison:
    """pass@1 of both runs over the tasks both ran, and a paired bootstrap interval of the
    difference (resampling tasks, each keeping its two rates)."""
    base = {t.task: t.rate for t in baseline.per_task}
    mine = {t.task: t.rate for t in other.per_task}
    shared = sorted(base.keys() & mine.keys())
    if not shared:
        raise LitecoderError(
            f"--compare: {baseline.label} and {other.label} share no task",
            hint="compare runs of the same benchmark",
        )
    differences = [mine[t] - base[t] for t in shared]
    return Comparison(
        baseline=baseline.label,
        other=other.label,
        shared_tasks=len(shared),
        baseline_pass_at_1=statistics.fmean(base[t] for t in shared),
        other_pass_at_1=statistics.fmean(mine[t] for t in shared),
        difference=statistics.fmean(differences),
        difference_ci=bootstrap_interval(differences),
    )


def build_report(runs: list[list[Path]], *, compare_runs: bool = False) -> EvalReport:
    """One run per entry of `runs` (a list of job dirs pooled together); with `compare_runs`
    every later run is compared with the first."""
    names = [job_dirs[0].name for job_dirs in runs]
    labels = [
        name if names.count(name) == 1 else f"{job_dirs[0].parent.name}/{name}"
        for name, job_dirs in zip(names, runs, strict=True)
    ]
    reports = [run_report(job_dirs, label) for job_dirs, label in zip(runs, labels, strict=True)]
    comparisons = [compare(reports[0], other) for other in reports[1:]] if compare_runs else []
    return EvalReport(runs=reports, comparisons=comparisons)


# ---------------------------------------------------------------- showing it


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def tables(report: EvalReport) -> list[Table]:
    """The report as rich tables: the scores side by side, breakdowns, errors, comparisons."""
    runs = report.runs
    scores = Table(title="evaluation (pass@k in %, 95% bootstrap interval over tasks)")
    scores.add_column("", justify="left")
    for run in runs:
        scores.add_column(run.label, justify="right", overflow="fold")
    most_k = max(max(run.pass_at_k) for run in runs)

    def row(name: str, cells: list[str]) -> None:
        scores.add_row(name, *cells)

    row("agent", [", ".join(r.agents) for r in runs])
    row("model", [", ".join(r.models) or "-" for r in runs])
    row("tasks / trials", [f"{r.tasks} / {r.trials}" for r in runs])
    row(
        "runs per task",
        [", ".join(f"{n} ({c} tasks)" for n, c in r.runs_per_task.items()) for r in runs],
    )
    row(
        "pass@1",
        [
            f"{_pct(r.pass_at_1)} [{_pct(r.pass_at_1_ci.low)}, {_pct(r.pass_at_1_ci.high)}]"
            for r in runs
        ],
    )
    for k in range(2, most_k + 1):
        row(
            f"pass@{k}",
            [
                "-"
                if k not in r.pass_at_k
                else _pct(r.pass_at_k[k])
                + ("" if r.tasks_at_k[k] == r.tasks else f" ({r.tasks_at_k[k]} tasks)")
                for r in runs
            ],
        )
    for kind in ErrorKind:
        row(kind.value, [str(r.errors[kind]) for r in runs])
    row("tokens in / out", [f"{r.input_tokens:,} / {r.output_tokens:,}" for r in runs])
    row("cost USD", [f"{r.cost_usd:.4f}" for r in runs])
    row(
        "leaderboard-valid",
        [
            "yes" if r.leaderboard_valid else "no: " + "; ".join(r.not_leaderboard_valid_because)
            for r in runs
        ],
    )
    shown = [scores]
    for key, title in (("by_category", "category"), ("by_difficulty", "difficulty")):
        table = Table(title=f"pass@1 by {title} (%; tasks)")
        table.add_column(title)
        for run in runs:
            table.add_column(run.label, justify="right", overflow="fold")
        names = sorted({b.name for run in runs for b in getattr(run, key)})
        for name in names:
            cells = []
            for run in runs:
                found = [b for b in getattr(run, key) if b.name == name]
                cells.append(f"{_pct(found[0].pass_at_1)} ({found[0].tasks})" if found else "-")
            table.add_row(name, *cells)
        shown.append(table)
    if report.comparisons:
        table = Table(title="paired comparison over shared tasks (pass@1 %, 95% paired bootstrap)")
        for column in ("run", "vs", "shared tasks", "run", "baseline", "difference"):
            table.add_column(column, justify="left" if column in ("run", "vs") else "right")
        for c in report.comparisons:
            table.add_row(
                c.other,
                c.baseline,
                str(c.shared_tasks),
                _pct(c.other_pass_at_1),
                _pct(c.baseline_pass_at_1),
                f"{100 * c.difference:+.1f} [{100 * c.difference_ci.low:+.1f}, "
                f"{100 * c.difference_ci.high:+.1f}]",
            )
        shown.append(table)
    return shown
