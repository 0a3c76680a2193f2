"""Harbor job dirs written with Harbor's own models, trial by trial, so reports can be tested
on outcomes chosen by hand (errors of every kind, unequal runs per task) without a container."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harbor.models.agent.context import AgentContext
from harbor.models.job.config import JobConfig
from harbor.models.task.id import LocalTaskId
from harbor.models.trial.config import TaskConfig as TrialTaskConfig
from harbor.models.trial.config import TrialConfig
from harbor.models.trial.result import (
    AgentInfo,
    ExceptionInfo,
    ModelInfo,
    TimingInfo,
    TrialResult,
)
from harbor.models.verifier.result import VerifierResult

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Outcome:
    """One trial: its reward (None: no verifier result), an exception type if it errored, and
    the phase it reached ("setup", "agent" or "verifier")."""

    reward: float | None
    error: str | None = None
    reached: str = "verifier"
    tokens: tuple[int, int] = (100, 10)
    cost: float = 0.01


def task_dir(root: Path, name: str, category: str, difficulty: str) -> Path:
    task = root / "tasks" / name
    task.mkdir(parents=True, exist_ok=True)
    (task / "task.toml").write_text(
        f'[metadata]\ncategory = "{category}"\ndifficulty = "{difficulty}"\n'
    )
    return task


def write_job(
    root: Path,
    name: str,
    trials: dict[str, list[Outcome]],
    *,
    categories: dict[str, tuple[str, str]] | None = None,
    model: str = "openai/m",
    timeout_multiplier: float = 1.0,
) -> Path:
    """A job dir `root/name` with one trial dir per outcome; returns it."""
    job = root / name
    job.mkdir(parents=True)
    (job / "config.json").write_text(JobConfig(job_name=name).model_dump_json())
    for task, outcomes in trials.items():
        category, difficulty = (categories or {}).get(task, ("general", "easy"))
        path = task_dir(root, task, category, difficulty)
        for i, outcome in enumerate(outcomes):
            trial_name = f"{task}__{i:07d}"
            reached = ("setup", "agent", "verifier").index(outcome.reached)
            timing = TimingInfo(started_at=T0, finished_at=T0)
            result = TrialResult(
                task_name=task,
                trial_name=trial_name,
                trial_uri=(job / trial_name).as_uri(),
                task_id=LocalTaskId(path=path),
                task_checksum="0" * 64,
                config=TrialConfig(
                    task=TrialTaskConfig(path=path),
                    trial_name=trial_name,
                    timeout_multiplier=timeout_multiplier,
                ),
                agent_info=AgentInfo(
                    name="terminus-2", version="2", model_info=ModelInfo(name=model)
                ),
                agent_result=AgentContext(
                    n_input_tokens=outcome.tokens[0],
                    n_output_tokens=outcome.tokens[1],
                    cost_usd=outcome.cost,
                ),
                verifier_result=None
                if outcome.reward is None
                else VerifierResult(rewards={"reward": outcome.reward}),
                exception_info=None
                if outcome.error is None
                else ExceptionInfo(
                    exception_type=outcome.error,
                    exception_message="boom",
                    exception_traceback="",
                    occurred_at=T0,
                ),
                started_at=T0,
                finished_at=T0,
                environment_setup=timing,
                agent_execution=timing if reached >= 1 else None,
                verifier=timing if reached >= 2 else None,
            )
            (job / trial_name).mkdir()
            (job / trial_name / "result.json").write_text(result.model_dump_json())
    return job
