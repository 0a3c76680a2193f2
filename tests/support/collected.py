"""Job dirs that `litecoder collect` makes once per test session against the scripted teacher,
under all three scaffolds plus a looping run, for every test module that needs real ones (the
collect tests assert on them; curation can curate them) without running containers again.

`collected` is the whole set: scaffold name -> the Harbor job dir of its solved trials, and
"looping" -> a Terminus-2 job whose teacher looped. Each `collected_<scaffold>` fixture is one
run with what the teacher received during it. The fixtures are registered in tests/conftest.py.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from support.teacher import collect, received, serve_teacher

TRIXIE = "debian:trixie-slim"


def required_in_image(folder: Path, scaffold: str, **kwargs: object) -> Path:
    """The shipped scaffold config with the scaffold's agent required in the image."""
    from litecoder_harbor.collect.plan import default_config_path

    config = yaml.safe_load(default_config_path().read_text())
    config["scaffolds"][scaffold]["kwargs"].update(install="never", **kwargs)
    path = folder / "teacher.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def task_with_agent(three_tasks: Path, scaffold: str, base: str, steps: list[str]) -> Path:
    """The data-science task of `three_tasks` on an image that has the scaffold's agent baked
    in at its pinned version, as a user prepares images for air-gapped runs (`install:
    never`): the domain's packages on `base`, then `steps`. The image is tagged, so Harbor's
    per-trial clean-up keeps it. Returns the folder holding the task."""
    from litecoder_harbor.containers.daemon import docker_client
    from litecoder_harbor.tasks.conventions import BASE_IMAGE, Domain, dockerfile_prefix

    prefix = dockerfile_prefix(Domain("data_science"))
    recipe = prefix.replace(f"FROM {BASE_IMAGE}\n", f"FROM {base}\n") + "".join(
        f"{step}\n" for step in steps
    )
    image = f"litecoder-test/{scaffold}:agent"
    docker_client().images.build(
        fileobj=io.BytesIO(recipe.encode()), tag=image, pull=False, rm=True
    )
    [source] = [t for t in three_tasks.iterdir() if "data_science" in (t / "task.toml").read_text()]
    task = shutil.copytree(source, three_tasks.parent / f"{scaffold}-tasks" / source.name)
    dockerfile = task / "environment" / "Dockerfile"
    assert dockerfile.read_text().startswith(prefix)
    dockerfile.write_text(f"FROM {image}\nWORKDIR /app\n" + dockerfile.read_text()[len(prefix) :])
    return task.parent


@pytest.fixture(scope="session")
def three_tasks(tmp_path_factory, docker_ready) -> Path:
    """Three generated easy tasks, one of them data science."""
    from litecoder_harbor.gen.templates import iter_template_drafts
    from litecoder_harbor.tasks.writer import write_task

    out = tmp_path_factory.mktemp("collect") / "tasks"
    out.mkdir()
    for draft in iter_template_drafts(3, 1, difficulty="easy"):
        write_task(draft, out)
    return out


@pytest.fixture(scope="session")
def teacher(three_tasks):
    """The teacher on loopback, where Terminus-2 (calling from this machine) reaches it."""
    with serve_teacher(three_tasks) as served:
        yield served


@pytest.fixture(scope="session")
def bridge_teacher(three_tasks):
    """The teacher where the containers reach it: OpenHands and Claude Code call the model
    from inside the task container."""
    with serve_teacher(three_tasks, host="docker-bridge") as served:
        yield served


@pytest.fixture(scope="session")
def claude_code_task(three_tasks) -> Path:
    from litecoder_harbor.scaffolds import ClaudeCode
    from litecoder_harbor.tasks.conventions import BASE_IMAGE

    return task_with_agent(three_tasks, "claude-code", BASE_IMAGE, [
        "RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm"
        " && rm -rf /var/lib/apt/lists/*",
        f"RUN {ClaudeCode.HOW_TO_BAKE_IN}",
    ])  # fmt: skip


@pytest.fixture(scope="session")
def openhands_task(three_tasks) -> Path:
    """OpenHands needs Python >= 3.12: Debian trixie's, with uv from PyPI (Harbor's installer
    fetches both from hosts the containers here cannot reach)."""
    from litecoder_harbor.containers.images import ensure_image
    from litecoder_harbor.scaffolds import OpenHands

    ensure_image(TRIXIE)
    return task_with_agent(three_tasks, "openhands", TRIXIE, [
        "RUN apt-get update && apt-get install -y --no-install-recommends python3-venv"
        " python3-dev build-essential git procps && rm -rf /var/lib/apt/lists/*",
        "RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir uv"
        " && ln -s /opt/uv/bin/uv /usr/local/bin/uv",
        # uv's own certificate store lacks a TLS-inspecting proxy's CA that the system trusts
        "ENV UV_NATIVE_TLS=1 LITELLM_LOCAL_MODEL_COST_MAP=True",
        f"RUN {OpenHands.HOW_TO_BAKE_IN}",
    ])  # fmt: skip


@dataclass(frozen=True)
class Collected:
    """One `collect` run: its --out folder, the scaffold's job dir, and the model calls the
    teacher received during it."""

    out: Path
    job_dir: Path
    calls: list[dict]

    @property
    def trials(self) -> list[Path]:
        return sorted(p.parent for p in self.job_dir.glob("*/result.json"))


def run_collect(
    tasks: Path, served: tuple[str, Path], folder: Path, *extra: str, **options: str
) -> Collected:
    url, log = served
    earlier = len(received(log))
    out = folder / "jobs"
    proc = collect(tasks, out, url, *extra, **options)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [row] = json.loads((out / "summary.json").read_text())["scaffolds"]
    return Collected(out=out, job_dir=Path(row["job_dir"]), calls=received(log)[earlier:])


def run_in_image(
    tasks: Path, served: tuple[str, Path], folder: Path, scaffold: str, model: str, **kwargs: object
) -> Collected:
    """`collect` with the scaffold's agent required in the image (and `kwargs` as its options)."""
    config = required_in_image(folder, scaffold, **kwargs)
    return run_collect(
        tasks, served, folder, "--config", str(config), model=model, scaffold=scaffold
    )


@pytest.fixture(scope="session")
def collected_terminus(three_tasks, teacher, tmp_path_factory) -> Collected:
    """Terminus-2 on the three tasks, each solved."""
    return run_collect(three_tasks, teacher, tmp_path_factory.mktemp("collected-terminus"))


@pytest.fixture(scope="session")
def collected_looping(three_tasks, teacher, tmp_path_factory) -> Collected:
    """Terminus-2 on one task with a teacher that runs `ls` forever: stopped and marked."""
    folder = tmp_path_factory.mktemp("collected-looping")
    one_task = folder / "tasks"
    one_task.mkdir()
    first = sorted(three_tasks.iterdir())[0]
    os.symlink(first, one_task / first.name)
    return run_collect(one_task, teacher, folder, model="openai/teacher-loop")


@pytest.fixture(scope="session")
def collected_claude_code(claude_code_task, bridge_teacher, tmp_path_factory) -> Collected:
    """Claude Code on the data-science task, solved."""
    folder = tmp_path_factory.mktemp("collected-claude-code")
    return run_in_image(
        claude_code_task, bridge_teacher, folder, "claude-code", "anthropic/teacher"
    )


@pytest.fixture(scope="session")
def collected_openhands(openhands_task, bridge_teacher, tmp_path_factory) -> Collected:
    """OpenHands on the data-science task, solved."""
    folder = tmp_path_factory.mktemp("collected-openhands")
    return run_in_image(openhands_task, bridge_teacher, folder, "openhands", "openai/teacher")


@pytest.fixture(scope="session")
def collected(
    collected_terminus, collected_openhands, collected_claude_code, collected_looping
) -> dict[str, Path]:
    """Scaffold name -> job dir of its solved trials, and "looping" -> a looping job."""
    return {
        "terminus-2": collected_terminus.job_dir,
        "openhands": collected_openhands.job_dir,
        "claude-code": collected_claude_code.job_dir,
        "looping": collected_looping.job_dir,
    }
