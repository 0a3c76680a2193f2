"""A thin runner over Harbor's Job API: task dirs x agents -> typed per-trial outcomes.

Validation probes, teacher collection and evaluation all run through here, so every container
execution goes through Harbor with the environment type as a parameter (`docker` locally,
Daytona/Modal/E2B/... at scale, or any `module:Class` environment: an `EnvironmentSpec`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import uuid
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from harbor import Job, JobConfig
from harbor.environments.base import BaseEnvironment
from harbor.models.job.config import RetryConfig
from harbor.models.job.result import JobResult
from harbor.models.trial.config import TaskConfig as TrialTaskConfig
from harbor.models.trial.result import TrialResult
from harbor.publisher.packager import Packager
from pydantic import BaseModel, Field

from litecoder_harbor.errors import Interrupted
from litecoder_harbor.jobs.agents import AgentSpec
from litecoder_harbor.jobs.environment import LOCAL_DOCKER, EnvironmentSpec


class TrialOutcome(BaseModel):
    """What one trial produced, flattened from Harbor's `TrialResult`."""

    task_name: str
    task_dir: Path
    agent: str
    kwargs: dict[str, Any] = Field(default_factory=dict)
    trial_name: str
    trial_dir: Path
    rewards: dict[str, float | int] | None
    exception_type: str | None = None
    exception_message: str | None = None
    duration_sec: float | None = None

    @property
    def reward(self) -> float | None:
        return None if self.rewards is None else self.rewards.get("reward")

    @classmethod
    def from_harbor(cls, result: TrialResult, job_dir: Path) -> TrialOutcome:
        exc = result.exception_info
        duration = None
        if result.started_at and result.finished_at:
            duration = (result.finished_at - result.started_at).total_seconds()
        return cls(
            task_name=result.task_name,
            task_dir=result.task_id.get_local_path(),
            agent=result.config.agent.name or result.config.agent.import_path or "?",
            kwargs=result.config.agent.kwargs,
            trial_name=result.trial_name,
            trial_dir=job_dir / result.trial_name,
            rewards=result.verifier_result.rewards if result.verifier_result else None,
            exception_type=exc.exception_type if exc else None,
            exception_message=exc.exception_message if exc else None,
            duration_sec=duration,
        )


def stable_job_name(
    prefix: str,
    task_dirs: list[Path],
    agents: list[AgentSpec],
    environment: EnvironmentSpec,
) -> str:
    """A job name fixed by what runs: the same tasks, agents and environment resume the same
    Harbor job."""
    digest = hashlib.sha256()
    for task_dir in sorted(task_dirs):
        digest.update(Packager.compute_content_hash(task_dir)[0].encode())
    digest.update(json.dumps([a.model_dump() for a in agents], sort_keys=True).encode())
    digest.update(environment.name.encode())
    if environment.settings:
        digest.update(json.dumps(environment.settings, sort_keys=True).encode())
    if environment.kwargs:
        digest.update(json.dumps(environment.kwargs, sort_keys=True).encode())
    return f"{prefix}-{digest.hexdigest()[:12]}"


async def run_trials_async(
    task_dirs: list[Path],
    agents: list[AgentSpec],
    *,
    environment: EnvironmentSpec = LOCAL_DOCKER,
    jobs_dir: Path = Path("jobs"),
    job_name: str | None = None,
    n_attempts: int = 1,
    n_concurrent: int = 4,
    retries: int = 2,
    quiet: bool = True,
    on_trial_ended: Callable[[Any], Awaitable[None]] | None = None,
) -> list[TrialOutcome]:
    """Run every task with every agent through one Harbor job; reusing a job name resumes it.

    Without a `job_name` each call is a new job named after its start time. A task listed
    twice runs twice. `on_trial_ended` gets Harbor's hook event as each trial ends.
    """
    if not task_dirs:
        return []
    config = JobConfig(
        jobs_dir=jobs_dir.resolve(),
        n_attempts=n_attempts,
        n_concurrent_trials=n_concurrent,
        retry=RetryConfig(max_retries=retries),  # container start-up failures are often transient
        quiet=quiet,
        agents=[agent.to_harbor() for agent in agents],
        tasks=[TrialTaskConfig(path=path.resolve()) for path in task_dirs],
        environment=environment.to_harbor(),
    )
    # Harbor's default name is the start second; two jobs started together would collide.
    config.job_name = job_name or f"{config.job_name}__{uuid.uuid4().hex[:6]}"
    result = await run_job(config, on_trial_ended)
    job_dir = config.jobs_dir / config.job_name
    return [TrialOutcome.from_harbor(trial, job_dir) for trial in result.trial_results]


async def run_job(
    config: JobConfig, on_trial_ended: Callable[[Any], Awaitable[None]] | None = None
) -> JobResult:
    """Run (or resume) one Harbor job as configured; a cancelled job first lets its trials'
    environments stop. For jobs over a registry dataset, which have no task dirs up front."""
    job = await Job.create(config)
    if on_trial_ended is not None:
        job.on_trial_ended(on_trial_ended)
    before = asyncio.all_tasks()
    try:
        return await job.run()
    except asyncio.CancelledError:
        await _settle(asyncio.all_tasks() - before)
        raise


CLEANUP_GRACE_SEC = 300
"""How long an interrupted job may take to stop and remove its trials' containers."""


def _runs_an_environment(task: asyncio.Task) -> bool:
    """The task runs a method of a Harbor environment (a shielded `stop`, say)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame is not None and isinstance(frame.f_locals.get("self"), BaseEnvironment)


async def _settle(tasks: set[asyncio.Task]) -> None:
    """Wait for the environment stops a cancelled job left: Harbor shields each trial's stop
    (compose down, its network and image) from the cancellation, but only a running loop lets
    them finish. Other tasks it left (LiteLLM's logging worker, say) may run forever."""
    pending = [task for task in tasks if not task.done() and _runs_an_environment(task)]
    if pending:
        await asyncio.wait(pending, timeout=CLEANUP_GRACE_SEC)


_loop_runner: asyncio.Runner | None = None


async def _cancelled_by_sigterm[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """SIGTERM cancels the run as Ctrl-C does, so every trial cleans up instead of being
    killed with its containers still up."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    on_sigint = signal.getsignal(signal.SIGINT)  # asyncio.Runner's: it cancels this task
    try:
        loop.add_signal_handler(signal.SIGTERM, _quietly(task.cancel), "SIGTERM")
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
        return await coroutine
    if callable(on_sigint):
        signal.signal(signal.SIGINT, _quietly(on_sigint))
    try:
        return await coroutine
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        if callable(on_sigint):
            signal.signal(signal.SIGINT, on_sigint)


def _silence_cut_short_calls() -> None:
    """Model calls a stop cuts short are collected during the clean-up; their "never awaited"
    warnings would bury the one line that says what happened."""
    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)


def _quietly[**P](stop: Callable[P, Any]) -> Callable[P, Any]:
    """`stop` (a signal's action), silencing those warnings first: the clean-up starts now."""

    def handler(*args: P.args, **kwargs: P.kwargs) -> Any:
        _silence_cut_short_calls()
        return stop(*args, **kwargs)

    return handler


def run_in_loop[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on the one event loop this process uses for Harbor jobs.

    Harbor's Docker environment keeps its per-image build locks in a class attribute; a lock
    bound to the loop of an earlier `asyncio.run` fails ("bound to a different event loop")
    when a later job contends for it, so every synchronous entry point shares this loop.
    Ctrl-C or SIGTERM ends the run with `Interrupted` once its trials have cleaned up.
    """
    global _loop_runner
    if _loop_runner is None:
        _loop_runner = asyncio.Runner()  # left open at exit: closing it then needs a new thread
    try:
        return _loop_runner.run(_cancelled_by_sigterm(coroutine))
    except (asyncio.CancelledError, KeyboardInterrupt) as stop:
        _silence_cut_short_calls()
        signum = signal.SIGINT if isinstance(stop, KeyboardInterrupt) else signal.SIGTERM
        raise Interrupted(signum) from None


def run_trials(
    task_dirs: list[Path], agents: list[AgentSpec], **options: Any
) -> list[TrialOutcome]:
    """Synchronous wrapper of `run_trials_async` for scripts and the CLI."""
    return run_in_loop(run_trials_async(task_dirs, agents, **options))
