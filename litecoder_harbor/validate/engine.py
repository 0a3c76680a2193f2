"""The validation engine: prove tasks by execution and attack their verifiers.

For every task: static checks; then, through Harbor, the oracle (must score 1), nop (must
score 0), the oracle twice in one container where the task declares itself idempotent (must
still score 1), and the attack battery (every attack must score 0); then a verdict
(`report.judge`).

On a local engine (Docker, Podman) each image is built once and every probe of the task
starts from it (Harbor's prebuilt-image path), all probes of all tasks running as one
concurrent Harbor job. Other environment types run the same probes, each trial building as
that environment does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harbor.models.task.config import TaskConfig
from harbor.models.task.verifier_mode import resolve_task_verifier_mode

from litecoder_harbor.containers.images import (
    build_image,
    copy_pointing_at_image,
    remove_images,
)
from litecoder_harbor.jobs import (
    LOCAL_DOCKER,
    AgentSpec,
    EnvironmentSpec,
    TrialOutcome,
    import_path,
    run_in_loop,
    run_trials_async,
    stable_job_name,
)
from litecoder_harbor.validate.agents import AttackAgent, RepeatedOracleAgent
from litecoder_harbor.validate.attacks import ATTACKS
from litecoder_harbor.validate.report import (
    REPORT_NAME,
    GradingMode,
    ProbeResult,
    TaskReport,
    ValidationReport,
    judge,
)
from litecoder_harbor.validate.solutions import write_solutions_index
from litecoder_harbor.validate.static import check_task
from litecoder_harbor.validate.verdict_cache import VerdictCache

PROBE_IMAGE_REPOSITORY = "litecoder-probe"
PROBES_PER_TASK = 3 + len(ATTACKS)
"""oracle, nop, oracle-twice and the battery: the default concurrency, so one task's probes run
in one wave (probe containers mostly idle, so a small machine takes a wave of them)."""


def _needs_build(task_dir: Path) -> bool:
    env = task_dir / "environment"
    return (env / "Dockerfile").exists() and not (env / "docker-compose.yaml").exists()


def _config(task_dir: Path) -> TaskConfig:
    return TaskConfig.model_validate_toml((task_dir / "task.toml").read_text())


def _idempotent(task_dir: Path) -> bool:
    metadata = _config(task_dir).metadata
    return bool(metadata.get("idempotent") or metadata.get("litecoder", {}).get("idempotent"))


# --- the probes ---------------------------------------------------------------------------


def probe_agents(attacks: list[str]) -> dict[str, AgentSpec]:
    """The agent of every probe; the attacks' agents learn the solutions index at run time."""
    agents = {"oracle": AgentSpec(name="oracle"), "nop": AgentSpec(name="nop")}
    for name in attacks:
        agents[f"attack:{name}"] = AgentSpec(name=import_path(AttackAgent), kwargs={"attack": name})
    return agents


def _with_index(agents: dict[str, AgentSpec], index: Path) -> dict[str, AgentSpec]:
    return {
        probe: spec.model_copy(update={"kwargs": {**spec.kwargs, "solutions_index": str(index)}})
        if "attack" in spec.kwargs
        else spec
        for probe, spec in agents.items()
    }


def _probe_of(outcome: TrialOutcome, agents: dict[str, AgentSpec]) -> str:
    return next(
        probe
        for probe, spec in agents.items()
        if spec.name == outcome.agent and spec.kwargs.get("attack") == outcome.kwargs.get("attack")
    )


def _result(probe: str, outcome: TrialOutcome) -> ProbeResult:
    exception = None
    if outcome.exception_type:
        first = (outcome.exception_message or "").strip().splitlines()
        exception = (
            f"{outcome.exception_type}: {first[0][:200]}" if first else outcome.exception_type
        )
    return ProbeResult(
        probe=probe,
        expected=0.0 if probe == "nop" or probe.startswith("attack:") else 1.0,
        reward=outcome.reward,
        exception=exception,
        trial_dir=outcome.trial_dir,
    )


def judged_report(
    task_dir: Path,
    *,
    jobs_dir: Path = Path("jobs"),
    environment: EnvironmentSpec = LOCAL_DOCKER,
    attacks: list[str] | None = None,
) -> TaskReport | None:
    """The report validation last gave this task's exact current content under these probes
    (the whole attack battery by default) and environment, or None if it was never judged so:
    how a later stage asks "is this task, as it is now, sound?" without running anything."""
    agents = probe_agents(list(ATTACKS) if attacks is None else attacks)
    cache = VerdictCache(jobs_dir.resolve() / "verdicts", agents, environment)
    return cache.get(cache.path(task_dir.resolve()))


async def validate_tasks_async(
    task_dirs: list[Path],
    *,
    environment: EnvironmentSpec = LOCAL_DOCKER,
    jobs_dir: Path = Path("jobs"),
    attacks: list[str] | None = None,
    execute: bool = True,
    n_concurrent: int = PROBES_PER_TASK,
    log: Callable[[str], None] = lambda _: None,
) -> ValidationReport:
    """Static checks, then (unless `execute` is off) every probe of every task, then verdicts.

    Resumable at two levels: a task whose exact content was already judged with the same
    probes and environment (and no probe ended in an error) reuses its verdict from
    `<jobs_dir>/verdicts/`; the Harbor job of the rest is named after what it runs, so an
    interrupted validation resumes its trials and re-runs only those that errored.
    """
    started = time.monotonic()
    attacks = list(ATTACKS) if attacks is None else attacks
    reports = {p.resolve(): TaskReport(task=p.name, task_dir=p.resolve()) for p in task_dirs}
    for path, report in reports.items():
        report.static = check_task(path)
    loadable = [p for p, r in reports.items() if not any(f.rule == "harbor-load" for f in r.static)]
    job_dir = None
    if execute and loadable:
        agents = probe_agents(attacks)
        cache = VerdictCache(jobs_dir.resolve() / "verdicts", agents, environment)
        cached_at = {p: cache.path(p) for p in loadable}
        to_run = []
        for path in loadable:
            old = cache.get(cached_at[path])
            if old is not None:
                reports[path] = old.model_copy(
                    update={"task_dir": path, "static": reports[path].static}
                )
                judge(reports[path])  # weighs the fresh static findings against the probes
            else:
                reports[path].grading = GradingMode(resolve_task_verifier_mode(_config(path)).value)
                to_run.append(path)
        log(f"{len(loadable) - len(to_run)} task(s) already judged, {len(to_run)} to run")
        if to_run:
            job_name = stable_job_name("validate", to_run, list(agents.values()), environment)
            job_dir = (jobs_dir / job_name).resolve()
            await _execute(to_run, reports, agents, environment, job_dir, n_concurrent, log)
            for path in to_run:
                cache.put(cached_at[path], reports[path])
    result = ValidationReport(
        job_dir=job_dir,
        environment=environment.name,
        attacks=attacks,
        seconds=time.monotonic() - started,
        tasks=list(reports.values()),
    )
    if job_dir is not None:
        (job_dir / REPORT_NAME).write_text(result.model_dump_json(indent=2))
    return result


async def _execute(to_run, reports, agents, environment, job_dir, n_concurrent, log) -> None:
    """Build, probe and judge `to_run`, filling their reports."""
    job_dir.mkdir(parents=True, exist_ok=True)
    _drop_errored_trials(job_dir)
    index = write_solutions_index(to_run, job_dir / "solutions.json")
    run_dirs, images = _prepare(to_run, reports, environment, job_dir, n_concurrent, log)
    by_run_dir = {run.resolve(): original for original, run in run_dirs.items()}
    try:
        for probe, outcome in await _run_probes(
            run_dirs, _with_index(agents, index), index, environment, job_dir, n_concurrent, log
        ):
            reports[by_run_dir[outcome.task_dir]].probes.append(_result(probe, outcome))
    finally:
        if images:
            remove_images(images, environment.local_engine)
    for path in to_run:
        reports[path].probes.sort(key=lambda p: (p.probe.startswith("attack:"), p.probe))
        judge(reports[path])


def _drop_errored_trials(job_dir: Path) -> None:
    """Delete trials of an earlier run that ended in an error, so Harbor's resume re-runs them."""
    for result_file in job_dir.glob("*/*/result.json"):
        try:
            errored = json.loads(result_file.read_text()).get("exception_info") is not None
        except (OSError, ValueError):
            errored = True
        if errored:
            shutil.rmtree(result_file.parent, ignore_errors=True)


def _prepare(
    loadable, reports, environment, job_dir, n_concurrent, log
) -> tuple[dict[Path, Path], list[str]]:
    """On a local engine, build every image once and point probe copies of the tasks at it."""
    run_dirs, images = {p: p for p in loadable}, []
    engine = environment.local_engine
    if engine is None:
        return run_dirs, images
    to_build = [p for p in loadable if _needs_build(p)]
    log(f"building {len(to_build)} image(s), once each")
    suffix = job_dir.name.rsplit("-", 1)[-1]
    with ThreadPoolExecutor(max_workers=max(1, min(4, n_concurrent))) as pool:
        builds = pool.map(
            lambda p: build_image(
                p, f"{PROBE_IMAGE_REPOSITORY}/{p.name}:{suffix}", engine, kill_on_stop=True
            ),
            to_build,
        )
        for path, build in zip(to_build, builds, strict=True):
            reports[path].build = build
            if build.ok:
                run_dirs[path] = copy_pointing_at_image(path, build.image, job_dir / "probe-tasks")
                images.append(build.image)
            else:
                del run_dirs[path]
    return run_dirs, images


async def _run_probes(
    run_dirs, agents, index, environment, job_dir, n_concurrent, log
) -> list[tuple[str, TrialOutcome]]:
    """One Harbor job for oracle, nop and the attacks; one more for idempotent tasks' repeats."""
    runs = list(run_dirs.values())
    jobs = [
        run_trials_async(
            runs,
            list(agents.values()),
            environment=environment,
            jobs_dir=job_dir,
            job_name=f"probes-c{n_concurrent}",  # Harbor resumes only an identical config
            n_concurrent=n_concurrent,
        )
    ]
    repeated = [run for original, run in run_dirs.items() if _idempotent(original)]
    if repeated:
        repeat = AgentSpec(name=import_path(RepeatedOracleAgent), kwargs={"index": str(index)})
        jobs.append(
            run_trials_async(
                repeated,
                [repeat],
                environment=environment,
                jobs_dir=job_dir,
                job_name=f"oracle-twice-c{n_concurrent}",
                n_concurrent=max(1, n_concurrent // 4),
            )
        )
    log(
        f"running {len(runs) * len(agents) + len(repeated)} probe trial(s) through Harbor ({environment.name})"
    )
    results = await asyncio.gather(*jobs)
    probes = [(_probe_of(outcome, agents), outcome) for outcome in results[0]]
    probes += [("oracle-twice", outcome) for outcomes in results[1:] for outcome in outcomes]
    return probes


def validate_tasks(task_dirs: list[Path], **options) -> ValidationReport:
    """Synchronous wrapper of `validate_tasks_async` (shares the runner's event loop)."""
    return run_in_loop(validate_tasks_async(task_dirs, **options))
