import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.collected import (  # noqa: F401 - session fixtures for every test module
    bridge_teacher,
    claude_code_task,
    collected,
    collected_claude_code,
    collected_looping,
    collected_openhands,
    collected_terminus,
    openhands_task,
    teacher,
    three_tasks,
)

os.environ.setdefault("HARBOR_TELEMETRY", "0")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

LITECODER = Path(sys.executable).parent / "litecoder"


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: int = 900
):
    """Run the installed `litecoder` console script the way a user does."""
    return subprocess.run(
        [str(LITECODER), *args],
        cwd=cwd,
        env={**os.environ, **(env or {}), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def bare_task(folder: Path, name: str = "bare", reward: int = 0) -> Path:
    """A minimal Harbor task dir on the plain base image (no python3, no tmux) whose test.sh
    gives `reward` whatever the agent did; returns the folder holding it."""
    task = folder / name
    (task / "environment").mkdir(parents=True)
    (task / "environment" / "Dockerfile").write_text(  # SIGKILL: see dockerfile_prefix
        "FROM debian:bookworm-slim\nWORKDIR /app\nSTOPSIGNAL SIGKILL\n"
    )
    (task / "task.toml").write_text("[agent]\ntimeout_sec = 60\n")
    (task / "instruction.md").write_text("Nothing to do here.\n")
    (task / "tests").mkdir()
    (task / "tests" / "test.sh").write_text(
        f"#!/bin/sh\necho {reward} > /logs/verifier/reward.txt\n"
    )
    (task / "tests" / "test.sh").chmod(0o755)
    return folder


@pytest.fixture(scope="session")
def docker_ready():
    """The Docker engine, Compose plugin and base images; tests that use it fail without them."""
    from litecoder_harbor.containers.daemon import require_engine
    from litecoder_harbor.containers.images import ensure_image, required_base_images

    require_engine()
    for tag in required_base_images():
        ensure_image(tag)


@pytest.fixture(scope="session")
def sample_task(tmp_path_factory, docker_ready) -> Path:
    """One generated easy task, written once per session."""
    from litecoder_harbor.gen.templates import iter_template_drafts
    from litecoder_harbor.tasks.writer import write_task

    out = tmp_path_factory.mktemp("sample")
    draft = next(iter_template_drafts(1, 1, difficulty="easy"))
    return write_task(draft, out)


@pytest.fixture
def llm_stub(monkeypatch):
    """A local OpenAI- and Anthropic-compatible server on a free port, answering from a script."""
    from support.llm_stub import StubLLM

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy from the environment must not see it
    with StubLLM() as stub:
        yield stub
