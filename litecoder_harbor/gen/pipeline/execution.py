"""What the LLM stages execute: image builds, the reference solution in its image, the validation
engine, and extra probes (model-written lazy and alternative solutions) through Harbor.

Nothing a model wrote runs on the host. Before a verifier exists the reference solution runs in a
container of the built image (docker SDK, the engine's own client); afterwards everything runs
through Harbor. Harbor jobs run one at a time, each with at most `n_concurrent` trials, so
concurrent tasks never push the engine past that.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import tarfile
import time
from pathlib import Path
from typing import Literal

from harbor.agents.options import AgentOptions
from pydantic import BaseModel, Field

from litecoder_harbor.containers.daemon import DOCKER, docker_client
from litecoder_harbor.containers.images import (
    BuildResult,
    build_image,
    copy_pointing_at_image,
    remove_images,
)
from litecoder_harbor.jobs import (
    LOCAL_DOCKER,
    AgentSpec,
    EnvironmentSpec,
    ScriptedAgent,
    TrialOutcome,
    import_path,
    run_trials_async,
    stable_job_name,
)
from litecoder_harbor.validate import TaskReport, validate_tasks_async

IMAGE_REPOSITORY = "litecoder-gen"
OUTPUT_TAIL = 2_000
"""Characters of a failing run's output fed back to the model: the end is where errors are."""


class SolutionRun(BaseModel):
    exit_code: int | None = Field(description="None: killed at the timeout.")
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class ProbeScript(BaseModel):
    """A model-written solution: a lazy or wrong one must score 0, a valid one 1."""

    name: str
    kind: Literal["lazy", "valid"]
    script: str

    @property
    def expected(self) -> float:
        return 1.0 if self.kind == "valid" else 0.0


class ProbeOutcome(BaseModel):
    probe: ProbeScript
    reward: float | None
    exception: str | None = None
    failed_checks: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        if self.probe.kind == "valid":
            return self.exception is None and self.reward == 1
        return not self.reward


def image_tag(task_dir: Path) -> str:
    """Named by the build context's content: an unchanged environment reuses its image."""
    digest = hashlib.sha256()
    env = task_dir / "environment"
    for path in sorted(p for p in env.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(env)).encode() + b"\0" + path.read_bytes())
    return f"{IMAGE_REPOSITORY}/{task_dir.name}:{digest.hexdigest()[:12]}"


def failed_checks(trial_dir: Path) -> list[str]:
    """The verifier kit's failed assertions in a trial (name: detail)."""
    try:
        report = json.loads((trial_dir / "verifier" / "checks.json").read_text())
    except (OSError, ValueError):
        return []
    return [
        f"{c.get('name')}: {c.get('detail', '')}".rstrip(": ")
        for c in report.get("checks", [])
        if not c.get("passed")
    ]


def _tar_folder(folder: Path, arcname: str) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        tar.add(folder, arcname=arcname)
    return data.getvalue()


def _run_in_image(image: str, task_dir: Path, timeout: float, engine: str) -> SolutionRun:
    from requests.exceptions import ConnectionError, ReadTimeout

    client = docker_client(engine)
    container = client.containers.create(image, ["bash", "/solution/solve.sh"])
    try:
        container.put_archive("/", _tar_folder(task_dir / "solution", "solution"))
        started = time.monotonic()
        container.start()
        try:
            exit_code = container.wait(timeout=timeout)["StatusCode"]
        except (ReadTimeout, ConnectionError):
            exit_code = None
        seconds = time.monotonic() - started
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    return SolutionRun(exit_code=exit_code, output=output[-OUTPUT_TAIL:], seconds=seconds)


class Execution:
    """Runs drafts (laid out as task dirs) for the stages; `environment` is Harbor's."""

    def __init__(
        self, jobs_dir: Path, *, environment: EnvironmentSpec = LOCAL_DOCKER, n_concurrent: int = 4
    ):
        self.jobs_dir = jobs_dir
        self.environment = environment
        self.n_concurrent = n_concurrent
        self._harbor = asyncio.Lock()
        self.images: set[str] = set()
        self.engine = environment.local_engine or DOCKER  # where drafts are built and run

    async def build(self, task_dir: Path) -> BuildResult:
        """Build environment/; cheap again for an unchanged one (tag and layers cached)."""
        result = await asyncio.to_thread(build_image, task_dir, image_tag(task_dir), self.engine)
        if result.image:
            self.images.add(result.image)
        return result

    def remove_images(self) -> None:
        """The images this run built; their layers stay in the cache for the next builds."""
        remove_images(sorted(self.images), self.engine)
        self.images.clear()

    async def run_solution(self, task_dir: Path, image: str, timeout: float) -> SolutionRun:
        """solution/solve.sh in a fresh container of `image`, never on the host."""
        return await asyncio.to_thread(_run_in_image, image, task_dir, timeout, self.engine)

    async def validate(self, task_dir: Path) -> TaskReport:
        async with self._harbor:
            report = await validate_tasks_async(
                [task_dir],
                environment=self.environment,
                jobs_dir=self.jobs_dir,
                n_concurrent=self.n_concurrent,
            )
        return report.tasks[0]

    async def run_agent(self, task_dir: Path, agent: AgentSpec, prefix: str) -> TrialOutcome:
        """One trial of `agent` on the task through Harbor, in a job named by what it runs: a
        rerun finds the finished trial instead of running it again. No retries: an agent that
        changes the container must not get a second go in the same round."""
        job_name = stable_job_name(prefix, [task_dir], [agent], self.environment)
        async with self._harbor:
            outcomes = await run_trials_async(
                [task_dir],
                [agent],
                environment=self.environment,
                jobs_dir=self.jobs_dir,
                job_name=job_name,
                n_concurrent=1,
                retries=0,
            )
        return outcomes[0]

    async def probe(
        self, task_dir: Path, image: str, scripts: list[ProbeScript]
    ) -> list[ProbeOutcome]:
        """Each script as an agent through Harbor against the task's verifier."""
        if not scripts:
            return []
        folder = self.jobs_dir / "probe-scripts" / task_dir.name
        folder.mkdir(parents=True, exist_ok=True)
        agents = {}
        for probe in scripts:
            path = folder / f"{probe.kind}-{probe.name}.sh"
            path.write_text(probe.script)
            agents[str(path.resolve())] = AgentSpec(
                name=import_path(ModelScriptAgent), kwargs={"script": str(path.resolve())}
            )
        run_dir = copy_pointing_at_image(task_dir, image, self.jobs_dir / "probe-tasks")
        job_name = stable_job_name("probes", [run_dir], list(agents.values()), self.environment)
        async with self._harbor:
            outcomes = await run_trials_async(
                [run_dir],
                list(agents.values()),
                environment=self.environment,
                jobs_dir=self.jobs_dir,
                job_name=job_name,
                n_concurrent=self.n_concurrent,
            )
        by_script = {o.kwargs["script"]: o for o in outcomes}
        results = []
        for probe, key in zip(scripts, agents, strict=True):
            outcome = by_script[key]
            results.append(
                ProbeOutcome(
                    probe=probe,
                    reward=outcome.reward,
                    exception=outcome.exception_type,
                    failed_checks=failed_checks(outcome.trial_dir),
                )
            )
        return results


class ScriptOptions(AgentOptions):
    script: str = Field(description="Host path of a bash script to run in the task container.")


class ModelScriptAgent(ScriptedAgent):
    """Runs one model-written probe solution (a lazy or an alternative one) as the agent's whole
    attempt."""

    options_model = ScriptOptions

    @staticmethod
    def name() -> str:
        return "litecoder-script"

    async def run(self, instruction, environment, context) -> None:
        await environment.upload_file(self.options.script, "/tmp/litecoder-probe.sh")
        result = await environment.exec("bash /tmp/litecoder-probe.sh", timeout_sec=300)
        (self.logs_dir / "script.txt").write_text((result.stdout or "") + (result.stderr or ""))
        context.metadata = {"script": Path(self.options.script).name, "exit": result.return_code}
