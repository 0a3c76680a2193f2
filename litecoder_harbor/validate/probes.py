"""Prove tasks by execution: the oracle must score 1 and the do-nothing agent must score 0.

Both probes of every task run as one Harbor job through the runner, so they go through the
same environment type users evaluate with and run concurrently.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from litecoder_harbor.jobs.runner import AgentSpec, TrialOutcome, run_trials, stable_job_name

PROBES = {"oracle": 1.0, "nop": 0.0}
"""Built-in Harbor agent -> the reward a sound task gives it."""


class ProbeResult(BaseModel):
    agent: str
    expected: float
    reward: float | None
    exception: str | None = None
    trial_dir: Path

    @property
    def passed(self) -> bool:
        return self.exception is None and self.reward == self.expected

    def explain(self) -> str:
        if self.exception is not None:
            return f"{self.agent} trial failed: {self.exception}"
        return f"{self.agent} scored {self.reward} (must be {self.expected})"


class TaskValidation(BaseModel):
    task: str
    task_dir: Path
    probes: list[ProbeResult]

    @property
    def missing(self) -> list[str]:
        return sorted(set(PROBES) - {probe.agent for probe in self.probes})

    @property
    def passed(self) -> bool:
        return not self.missing and all(probe.passed for probe in self.probes)

    @property
    def reason(self) -> str:
        failed = [probe.explain() for probe in self.probes if not probe.passed]
        failed += [f"{agent} never ran" for agent in self.missing]
        return "; ".join(failed) if failed else "oracle 1, nop 0"


class ValidationReport(BaseModel):
    """Written as litecoder-validation.json beside Harbor's result.json in the job dir."""

    job_dir: Path
    environment: str
    tasks: list[TaskValidation]

    @property
    def passed(self) -> bool:
        return all(task.passed for task in self.tasks)


def _probe(outcome: TrialOutcome) -> ProbeResult:
    exception = None
    if outcome.exception_type:
        message = (outcome.exception_message or "").strip().splitlines()
        exception = (
            f"{outcome.exception_type}: {message[0][:200]}" if message else outcome.exception_type
        )
    return ProbeResult(
        agent=outcome.agent,
        expected=PROBES[outcome.agent],
        reward=outcome.reward,
        exception=exception,
        trial_dir=outcome.trial_dir,
    )


def validate_by_execution(
    task_dirs: list[Path],
    *,
    environment: str = "docker",
    jobs_dir: Path = Path("jobs"),
    n_concurrent: int = 4,
) -> ValidationReport:
    agents = [AgentSpec(name=name) for name in PROBES]
    job_name = stable_job_name("validate", task_dirs, agents, environment)
    outcomes = run_trials(
        task_dirs,
        agents,
        environment=environment,
        jobs_dir=jobs_dir,
        job_name=job_name,
        n_concurrent=n_concurrent,
    )
    by_task: dict[Path, list[ProbeResult]] = {path.resolve(): [] for path in task_dirs}
    for outcome in outcomes:
        by_task[outcome.task_dir].append(_probe(outcome))
    report = ValidationReport(
        job_dir=(jobs_dir / job_name).resolve(),
        environment=environment,
        tasks=[
            TaskValidation(
                task=path.name,
                task_dir=path,
                probes=sorted(probes, key=lambda p: p.agent, reverse=True),
            )
            for path, probes in by_task.items()
        ],
    )
    (report.job_dir / "litecoder-validation.json").write_text(report.model_dump_json(indent=2))
    return report
