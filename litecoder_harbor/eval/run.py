"""`litecoder eval run`: one agent and model on a benchmark, k trials per task, as one Harbor job
that a rerun resumes; then the report of its trials.

Leaderboard-valid by default (Terminal-Bench 2.0 rules): timeout multiplier 1.0, no agent or
verifier timeout and no resource overrides, at least 5 trials per task. Relaxing any of them is
allowed for quick runs; the report then says "not leaderboard-valid" and why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harbor.models.job.config import DatasetConfig, JobConfig, RetryConfig
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from litecoder_harbor.collect import check_model_access
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.eval.datasets import DatasetChoice
from litecoder_harbor.eval.report import LEADERBOARD_MIN_RUNS
from litecoder_harbor.jobs import LOCAL_DOCKER, AgentSpec, EnvironmentSpec, run_job
from litecoder_harbor.llm.secrets import scrub_server_text, url_secrets, without_userinfo
from litecoder_harbor.scaffolds import SCAFFOLDS, scaffold_class

DEFAULT_AGENT = "terminus-2"
OUR_AGENT_PREFIX = "litecoder-"
"""`--agent litecoder-<scaffold>` names our scaffold wrapper (its Harbor agent name)."""
RETRIES = 2
"""Harbor retries a trial that failed to start (never one whose agent or verifier timed out)."""


class EvalSettings(BaseModel):
    """How many trials, and what a quick run relaxes (each relaxation costs leaderboard
    validity)."""

    k: int = LEADERBOARD_MIN_RUNS
    n_concurrent: int = 4
    timeout_multiplier: float = 1.0
    agent_timeout_sec: float | None = None
    n_tasks: int | None = None

    def not_leaderboard_valid_because(self) -> list[str]:
        reasons = []
        if self.k < LEADERBOARD_MIN_RUNS:
            reasons.append(f"-k {self.k} (at least {LEADERBOARD_MIN_RUNS})")
        if self.timeout_multiplier != 1.0:
            reasons.append(f"timeout multiplier {self.timeout_multiplier:g} (must be 1.0)")
        if self.agent_timeout_sec is not None:
            reasons.append("agent timeout overridden")
        if self.n_tasks is not None:
            reasons.append("a subset of the tasks")
        return reasons


def check_api_base(api_base: str | None) -> None:
    """An endpoint URL with credentials in it would be written into the job's config.json
    (Harbor records agent kwargs); refuse it, naming it without them."""
    if api_base and (url_secrets(api_base) or "@" in api_base.partition("://")[2].split("/")[0]):
        raise LitecoderError(
            f"--api-base {without_userinfo(api_base)}: has credentials in the URL (user:key@), "
            "which Harbor would write into the job's config",
            hint="put the key in the provider's variable, e.g. OPENAI_API_KEY",
        )


def _scaffold_of(agent: str) -> str | None:
    """The scaffold whose model protocol an agent shares: ours by `litecoder-<scaffold>`,
    Harbor's built-ins of the same name."""
    name = agent.removeprefix(OUR_AGENT_PREFIX)
    return name if name in SCAFFOLDS else None


def agent_spec(
    agent: str, model: str | None, api_base: str | None, kwargs: dict[str, Any]
) -> AgentSpec:
    """The Harbor agent, told the model and endpoint the way it reads them."""
    scaffold = _scaffold_of(agent)
    name = SCAFFOLDS[scaffold] if scaffold and agent.startswith(OUR_AGENT_PREFIX) else agent
    kwargs = dict(kwargs)
    env: dict[str, str] = {}
    if api_base and scaffold and scaffold_class(scaffold).MODEL_PROTOCOL == "anthropic":
        env["ANTHROPIC_BASE_URL"] = api_base.removesuffix("/v1")
    elif api_base:
        kwargs.setdefault("api_base", api_base)
    spec = AgentSpec(name=name, model=model, kwargs=kwargs, env=env)
    try:
        spec.to_harbor()  # an unknown agent name fails here, before anything runs
    except LitecoderError as exc:
        ours = ", ".join(OUR_AGENT_PREFIX + s for s in SCAFFOLDS)
        raise LitecoderError(f"--agent: {exc.message}", hint=f"{exc.hint}; ours: {ours}") from None
    return spec


def check_model(agent: str, model: str | None, api_base: str | None, log: Callable) -> None:
    """Key in the environment (or a placeholder for a local endpoint) and the endpoint
    answers, before any container starts."""
    scaffold = _scaffold_of(agent)
    if model and scaffold:
        check_model_access(model, api_base, [scaffold], log)
    elif model is None and scaffold:
        raise LitecoderError(f"--agent {agent}: needs --model (or --serve CHECKPOINT)")


def job_config(
    dataset: DatasetConfig,
    agent: AgentSpec,
    settings: EvalSettings,
    out: Path,
    environment: EnvironmentSpec,
) -> JobConfig:
    """The Harbor job; its name is fixed by what it runs, so the same command resumes it."""
    harbor_agent = agent.to_harbor()
    if settings.agent_timeout_sec is not None:
        harbor_agent.override_timeout_sec = settings.agent_timeout_sec
    config = JobConfig(
        jobs_dir=out.resolve(),
        n_attempts=settings.k,
        n_concurrent_trials=settings.n_concurrent,
        timeout_multiplier=settings.timeout_multiplier,
        retry=RetryConfig(max_retries=RETRIES),
        quiet=True,
        agents=[harbor_agent],
        datasets=[dataset],
        environment=environment.to_harbor(),
    )
    # Without defaults, as Harbor saves config.json: a default set's order varies by process.
    what = config.model_dump_json(
        exclude_defaults=True, exclude={"job_name", "jobs_dir", "n_concurrent_trials"}
    )
    digest = hashlib.sha256(what.encode()).hexdigest()[:12]
    source = dataset.path.name if dataset.path else f"{dataset.name}-{dataset.version or 'latest'}"
    agent_name = (agent.name.rpartition(":")[2] or agent.name).lower()
    config.job_name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"eval-{source}-{agent_name}-{digest}")
    return config


async def resolve_tasks(dataset: DatasetConfig, label: str) -> int:
    """How many tasks the dataset has (Harbor resolves it as its job will)."""
    try:
        tasks = await dataset.get_task_configs()
    except Exception as exc:  # noqa: BLE001 - registry clients raise anything from HTTP to KeyError
        said = scrub_server_text(" ".join(str(exc).split())[:300], [])
        raise LitecoderError(
            f"{label}: Harbor could not resolve the dataset: {said}",
            hint="Harbor's registry needs the network; offline, use --registry-path or -p",
        ) from None
    if not tasks:
        raise LitecoderError(f"{label}: no tasks", hint="is it a folder of Harbor task dirs?")
    return len(tasks)


async def evaluate_async(
    choice: DatasetChoice,
    agent: AgentSpec,
    settings: EvalSettings,
    out: Path,
    *,
    environment: EnvironmentSpec = LOCAL_DOCKER,
    console: Console | None = None,
) -> Path:
    """Run (or resume) the job and return its dir; every trial's result is in it."""
    dataset = choice.to_harbor(settings.n_tasks)
    n_tasks = await resolve_tasks(dataset, choice.label)
    config = job_config(dataset, agent, settings, out, environment)
    job_dir = config.jobs_dir / config.job_name
    done = len(list(job_dir.glob("*/result.json")))
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
    )
    ended: set[str] = set()  # a retried trial ends once per attempt, under the same name
    with progress:
        bar = progress.add_task(choice.label, total=n_tasks * settings.k, completed=done)

        async def advance(event: Any) -> None:
            if event.trial_name not in ended:
                ended.add(event.trial_name)
                progress.advance(bar)

        await run_job(config, advance)
    return job_dir
