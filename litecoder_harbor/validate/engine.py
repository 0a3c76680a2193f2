"""The validation engine: prove tasks by execution and attack their verifiers.

For every task: static checks; then, through Harbor, the oracle (must score 1), nop (must
score 0), the oracle twice in one container where the task declares itself idempotent (must
still score 1), and the attack battery (every attack must score 0). Verdicts, most severe first:

- broken      the image does not build (the build error is kept);
- unsolvable  the oracle does not reach reward 1 (or not twice, for an idempotent task);
- trivial     doing nothing already earns reward;
- tamperable  an attack on the grading machinery earns reward (reward files, /tests);
- gameable    a lazy or wrong output earns reward (the winning attack is named);
- sound       none of the above.

On Docker each image is built once and every probe of the task starts from it (Harbor's
prebuilt-image path), all probes of all tasks running as one concurrent Harbor job. Other
environment types run the same probes, each trial building as that environment does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path

from harbor.agents.options import AgentOptions
from harbor.models.task.config import TaskConfig
from harbor.publisher.packager import Packager
from pydantic import BaseModel, Field

from litecoder_harbor.jobs.agents import ScriptedAgent
from litecoder_harbor.jobs.runner import AgentSpec, TrialOutcome, run_trials_async, stable_job_name
from litecoder_harbor.validate.attacks import ATTACKS, AttackKind
from litecoder_harbor.validate.static import Finding, Severity, check_task

REPORT_NAME = "litecoder-validation.json"
VERDICT_FORMAT = 1
"""Bumped when probes or verdict rules change, so cached verdicts are not reused across them."""
PROBE_IMAGE_REPOSITORY = "litecoder-probe"
REPEAT_AGENT = "litecoder_harbor.validate.engine:RepeatedOracleAgent"


class Verdict(StrEnum):
    SOUND = "sound"
    GAMEABLE = "gameable"
    TAMPERABLE = "tamperable"
    UNSOLVABLE = "unsolvable"
    TRIVIAL = "trivial"
    BROKEN = "broken"


class ProbeResult(BaseModel):
    probe: str  # oracle | nop | oracle-twice | attack:<name>
    expected: float
    reward: float | None
    exception: str | None = None
    trial_dir: Path

    @property
    def passed(self) -> bool:
        if self.expected > 0:
            return self.exception is None and self.reward == self.expected
        return not self.reward  # an attack or nop that errors out earned nothing

    def explain(self) -> str:
        if self.exception is not None and self.expected > 0:
            return f"{self.probe} trial failed: {self.exception}"
        return f"{self.probe} scored {self.reward} (must be {self.expected})"


class BuildResult(BaseModel):
    ok: bool
    seconds: float
    image: str | None = None
    error: str | None = None


class TaskReport(BaseModel):
    task: str
    task_dir: Path
    verdict: Verdict | None = None
    reason: str = ""
    static: list[Finding] = Field(default_factory=list)
    build: BuildResult | None = None
    probes: list[ProbeResult] = Field(default_factory=list)

    @property
    def winning_attacks(self) -> list[str]:
        return [
            p.probe.removeprefix("attack:")
            for p in self.probes
            if p.probe.startswith("attack:") and not p.passed
        ]

    @property
    def static_errors(self) -> list[Finding]:
        return [f for f in self.static if f.severity == Severity.ERROR]

    @property
    def passed(self) -> bool:
        executed_ok = self.verdict in (None, Verdict.SOUND)
        return executed_ok and not self.static_errors


class ValidationReport(BaseModel):
    """Written as litecoder-validation.json beside Harbor's result.json in the job dir."""

    job_dir: Path | None
    environment: str
    attacks: list[str]
    seconds: float
    tasks: list[TaskReport]

    @property
    def passed(self) -> bool:
        return all(task.passed for task in self.tasks)


# --- agents that replay the reference solution -------------------------------------------


class SolutionOptions(AgentOptions):
    index: str = Field(
        description="JSON file: instruction sha256 -> host path of solution/solve.sh"
    )
    runs: int = Field(default=2, ge=1)


class RepeatedOracleAgent(ScriptedAgent):
    """Runs the task's solve.sh `runs` times in one container (an idempotent task stays at 1)."""

    options_model = SolutionOptions

    @staticmethod
    def name() -> str:
        return "litecoder-oracle-repeat"

    async def run(self, instruction, environment, context) -> None:
        solve = Path(solution_for(instruction, Path(self.options.index)))
        await environment.upload_dir(solve.parent, "/solution")
        log = []
        for attempt in range(self.options.runs):
            result = await environment.exec("bash /solution/solve.sh", timeout_sec=None)
            log.append(
                f"--- run {attempt + 1}: exit {result.return_code}\n{result.stdout or ''}{result.stderr or ''}"
            )
        (self.logs_dir / "oracle-repeat.txt").write_text("\n".join(log))


def instruction_key(instruction: str) -> str:
    return hashlib.sha256(instruction.strip().encode()).hexdigest()


def solution_for(instruction: str, index: Path) -> str:
    return json.loads(index.read_text())[instruction_key(instruction)]


# --- building once ------------------------------------------------------------------------


def build_image(task_dir: Path, tag: str) -> BuildResult:
    """Build the task's environment/ as `tag`; a failure keeps the last lines of the build log."""
    from docker.errors import APIError, BuildError

    from litecoder_harbor.engine import docker_client

    started = time.monotonic()
    try:
        docker_client().images.build(
            path=str(task_dir / "environment"), tag=tag, rm=True, pull=False, forcerm=True
        )
    except BuildError as exc:
        lines = [
            str(item.get("stream") or item.get("error") or "").strip() for item in exc.build_log
        ]
        lines = [line for line in lines if line][-6:]
        return BuildResult(
            ok=False, seconds=time.monotonic() - started, error=" | ".join(lines)[-800:] or str(exc)
        )
    except (APIError, OSError) as exc:
        return BuildResult(ok=False, seconds=time.monotonic() - started, error=str(exc)[:800])
    return BuildResult(ok=True, seconds=time.monotonic() - started, image=tag)


def probe_copy(task_dir: Path, image: str, root: Path) -> Path:
    """A copy of the task whose task.toml points Harbor at the already-built image."""
    copy = root / task_dir.name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(task_dir, copy)
    config = TaskConfig.model_validate_toml((copy / "task.toml").read_text())
    config.environment.docker_image = image
    (copy / "task.toml").write_text(config.model_dump_toml())
    return copy


def _needs_build(task_dir: Path) -> bool:
    env = task_dir / "environment"
    return (env / "Dockerfile").exists() and not (env / "docker-compose.yaml").exists()


def _idempotent(task_dir: Path) -> bool:
    metadata = TaskConfig.model_validate_toml((task_dir / "task.toml").read_text()).metadata
    return bool(metadata.get("idempotent") or metadata.get("litecoder", {}).get("idempotent"))


# --- the probes ---------------------------------------------------------------------------


def _agents(attacks: list[str], index: Path) -> dict[str, AgentSpec]:
    agents = {"oracle": AgentSpec(name="oracle"), "nop": AgentSpec(name="nop")}
    for name in attacks:
        kwargs = {"attack": name, "solutions_index": str(index)}
        agents[f"attack:{name}"] = AgentSpec(
            name="litecoder_harbor.validate.attacks:AttackAgent", kwargs=kwargs
        )
    return agents


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


def judge(report: TaskReport) -> None:
    """Set verdict and reason from the build and the probe results (most severe first)."""
    by_probe = {p.probe: p for p in report.probes}
    if report.build is not None and not report.build.ok:
        report.verdict, report.reason = Verdict.BROKEN, f"build failed: {report.build.error}"
        return
    for probe in ("oracle", "oracle-twice"):
        if probe in by_probe and not by_probe[probe].passed:
            report.verdict, report.reason = Verdict.UNSOLVABLE, by_probe[probe].explain()
            return
    if "oracle" not in by_probe:
        report.verdict, report.reason = Verdict.UNSOLVABLE, "oracle never ran"
        return
    if "nop" in by_probe and not by_probe["nop"].passed:
        report.verdict, report.reason = Verdict.TRIVIAL, by_probe["nop"].explain()
        return
    winners = report.winning_attacks
    tampering = [a for a in winners if ATTACKS[a].kind is AttackKind.TAMPERING]
    if tampering:
        report.verdict, report.reason = Verdict.TAMPERABLE, f"won by {', '.join(tampering)}"
    elif winners:
        report.verdict, report.reason = Verdict.GAMEABLE, f"won by {', '.join(winners)}"
    else:
        n_attacks = sum(p.probe.startswith("attack:") for p in report.probes)
        report.verdict, report.reason = Verdict.SOUND, f"oracle 1, nop 0, {n_attacks} attacks 0"


async def validate_tasks_async(
    task_dirs: list[Path],
    *,
    environment: str = "docker",
    jobs_dir: Path = Path("jobs"),
    attacks: list[str] | None = None,
    execute: bool = True,
    n_concurrent: int = 8,
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
        probes = ["oracle", "nop", *(f"attack:{a}" for a in attacks)]
        keys = {p: _verdict_key(p, probes, environment) for p in loadable}
        cache = jobs_dir.resolve() / "verdicts"
        to_run = []
        for path in loadable:
            cached = cache / f"{path.name}-{keys[path]}.json"
            if cached.exists():
                old = TaskReport.model_validate_json(cached.read_text())
                reports[path] = old.model_copy(
                    update={"task_dir": path, "static": reports[path].static}
                )
            else:
                to_run.append(path)
        log(f"{len(loadable) - len(to_run)} task(s) already judged, {len(to_run)} to run")
        if to_run:
            job_name = stable_job_name(
                "validate", to_run, [AgentSpec(name=n) for n in probes], environment
            )
            job_dir = (jobs_dir / job_name).resolve()
            await _execute(to_run, reports, attacks, environment, job_dir, n_concurrent, log)
            cache.mkdir(parents=True, exist_ok=True)
            for path in to_run:
                if not any(p.exception for p in reports[path].probes):
                    (cache / f"{path.name}-{keys[path]}.json").write_text(
                        reports[path].model_dump_json(indent=2)
                    )
    result = ValidationReport(
        job_dir=job_dir,
        environment=environment,
        attacks=attacks,
        seconds=time.monotonic() - started,
        tasks=list(reports.values()),
    )
    if job_dir is not None:
        (job_dir / REPORT_NAME).write_text(result.model_dump_json(indent=2))
    return result


def _verdict_key(task_dir: Path, probes: list[str], environment: str) -> str:
    digest = hashlib.sha256(Packager.compute_content_hash(task_dir)[0].encode())
    digest.update(json.dumps([probes, environment, VERDICT_FORMAT]).encode())
    return digest.hexdigest()[:16]


async def _execute(to_run, reports, attacks, environment, job_dir, n_concurrent, log) -> None:
    """Build, probe and judge `to_run`, filling their reports."""
    job_dir.mkdir(parents=True, exist_ok=True)
    _drop_errored_trials(job_dir)
    index = job_dir / "solutions.json"
    index.write_text(
        json.dumps(
            {
                instruction_key((p / "instruction.md").read_text()): str(
                    p / "solution" / "solve.sh"
                )
                for p in to_run
            }
        )
    )
    run_dirs, images = _prepare(to_run, reports, environment, job_dir, n_concurrent, log)
    by_run_dir = {run.resolve(): original for original, run in run_dirs.items()}
    try:
        for probe, outcome in await _run_probes(
            run_dirs, attacks, index, environment, job_dir, n_concurrent, log
        ):
            reports[by_run_dir[outcome.task_dir]].probes.append(_result(probe, outcome))
    finally:
        remove_images(images)
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
    """On Docker, build every image once and point probe copies of the tasks at it."""
    run_dirs, images = {p: p for p in loadable}, []
    if environment != "docker":
        return run_dirs, images
    to_build = [p for p in loadable if _needs_build(p)]
    log(f"building {len(to_build)} image(s), once each")
    suffix = job_dir.name.rsplit("-", 1)[-1]
    with ThreadPoolExecutor(max_workers=max(1, min(4, n_concurrent))) as pool:
        builds = pool.map(
            lambda p: build_image(p, f"{PROBE_IMAGE_REPOSITORY}/{p.name}:{suffix}"), to_build
        )
        for path, build in zip(to_build, builds, strict=True):
            reports[path].build = build
            if build.ok:
                run_dirs[path] = probe_copy(path, build.image, job_dir / "probe-tasks")
                images.append(build.image)
            else:
                del run_dirs[path]
    return run_dirs, images


async def _run_probes(
    run_dirs, attacks, index, environment, job_dir, n_concurrent, log
) -> list[tuple[str, TrialOutcome]]:
    """One Harbor job for oracle, nop and the attacks; one more for idempotent tasks' repeats."""
    agents = _agents(attacks, index)
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
        repeat = AgentSpec(name=REPEAT_AGENT, kwargs={"index": str(index)})
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
        f"running {len(runs) * len(agents) + len(repeated)} probe trial(s) through Harbor ({environment})"
    )
    results = await asyncio.gather(*jobs)
    probes = [(_probe_of(outcome, agents), outcome) for outcome in results[0]]
    probes += [("oracle-twice", outcome) for outcomes in results[1:] for outcome in outcomes]
    return probes


def remove_images(tags: list[str]) -> None:
    """Remove these image tags; one already gone is no error."""
    from docker.errors import APIError

    from litecoder_harbor.engine import docker_client

    client = docker_client() if tags else None
    for tag in tags:
        with contextlib.suppress(APIError):
            client.images.remove(tag, noprune=False)


def validate_tasks(task_dirs: list[Path], **options) -> ValidationReport:
    """Synchronous wrapper of `validate_tasks_async` (shares the runner's event loop)."""
    from litecoder_harbor.jobs.runner import run_in_loop

    return run_in_loop(validate_tasks_async(task_dirs, **options))
