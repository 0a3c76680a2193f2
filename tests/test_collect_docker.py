"""`litecoder collect` end to end: the Terminus-2 scaffold against the scripted teacher
(`litecoder teacher serve`), through Harbor on the local Docker engine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LITECODER, bare_task, run_cli
from harbor.models.trial.result import TrialResult

from litecoder_harbor.collect.plan import default_config_path

pytestmark = pytest.mark.docker

CANARY_KEY = "sk-canary-0123456789abcdef"


@pytest.fixture(scope="module")
def three_tasks(tmp_path_factory, docker_ready) -> Path:
    from litecoder_harbor.gen.templates import iter_template_drafts
    from litecoder_harbor.tasks.writer import write_task

    out = tmp_path_factory.mktemp("collect") / "tasks"
    out.mkdir()
    for draft in iter_template_drafts(3, 1, difficulty="easy"):
        write_task(draft, out)
    return out


@pytest.fixture(scope="module")
def teacher(three_tasks):
    """`litecoder teacher serve` on a free port, as a user starts it; yields (url, log path)."""
    log = three_tasks.parent / "teacher.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(LITECODER), "teacher", "serve", "--tasks", str(three_tasks), "--port", "0"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )
    try:
        deadline = time.monotonic() + 60
        while not (url := re.search(r"on (http://\S+/v1)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url.group(1), log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def collect(tasks: Path, out: Path, url: str, *extra: str, model="openai/teacher"):
    return run_cli(
        "collect", "--tasks", str(tasks), "--model", model, "--api-base", url,
        "--mix", "terminus-2=1", "--out", str(out), *extra,
        env={"OPENAI_API_KEY": CANARY_KEY},
    )  # fmt: skip


def trials(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("collect-terminus-2-*/*/result.json"))


def test_terminus_collects_solved_valid_trajectories_and_resumes(three_tasks, teacher, tmp_path):
    url, log = teacher
    out = tmp_path / "jobs"
    proc = collect(three_tasks, out, url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    [row] = summary["scaffolds"]
    assert (row["scaffold"], row["trials"], row["solved"], row["errors"], row["looping"]) == (
        "terminus-2", 3, 3, 0, 0,
    )  # fmt: skip
    durations = []
    for trial in trials(out):
        result = TrialResult.model_validate_json((trial / "result.json").read_text())
        assert result.verifier_result.rewards["reward"] == 1.0, trial
        assert result.agent_info.name == "litecoder-terminus-2"
        report = result.agent_result.metadata["litecoder"]
        assert report["looping"] is False and 2 <= report["turns"] <= 10
        check = subprocess.run(
            [sys.executable, "-m", "harbor.utils.trajectory_validator",
             str(trial / "agent" / "trajectory.json")],
            capture_output=True, text=True,
        )  # fmt: skip
        assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
        trajectory = json.loads((trial / "agent" / "trajectory.json").read_text())
        assert any("bash /solution/solve.sh" in json.dumps(s) for s in trajectory["steps"])
        durations.append((result.finished_at - result.started_at).total_seconds())
    print(f"\nwall per trial with the scripted teacher: {[round(d, 1) for d in durations]} s")
    for path in out.rglob("*"):
        if path.is_file():
            assert CANARY_KEY not in path.read_text(errors="replace"), path

    requests = log.read_text().count(" turn ")
    before = trials(out)
    again = collect(three_tasks, out, url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert trials(out) == before
    assert log.read_text().count(" turn ") == requests  # nothing re-ran


def test_a_looping_teacher_is_stopped_and_marked(three_tasks, teacher, tmp_path):
    url, log = teacher
    one_task = tmp_path / "tasks"
    one_task.mkdir()
    first = sorted(three_tasks.iterdir())[0]
    os.symlink(first, one_task / first.name)
    out = tmp_path / "jobs"
    proc = collect(one_task, out, url, model="openai/teacher-loop")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [trial] = trials(out)
    result = TrialResult.model_validate_json((trial / "result.json").read_text())
    report = result.agent_result.metadata["litecoder"]
    assert report["looping"] is True and "'ls' 5 times in a row" in report["loop_reason"]
    assert report["turns"] == 5  # the sixth model call never happened
    assert result.verifier_result.rewards["reward"] == 0.0
    assert json.loads((out / "summary.json").read_text())["scaffolds"][0]["looping"] == 1


def test_install_never_fails_setup_on_an_image_without_tmux(teacher, tmp_path):
    url, log = teacher
    tasks = bare_task(tmp_path / "tasks")
    config = tmp_path / "teacher.yaml"
    config.write_text(default_config_path().read_text().replace("install: auto", "install: never"))
    requests = log.read_text().count(" turn ")
    out = tmp_path / "jobs"
    proc = collect(tasks, out, url, "--config", str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [trial] = trials(out)
    result = TrialResult.model_validate_json((trial / "result.json").read_text())
    assert "install=never but the image has no tmux" in result.exception_info.exception_message
    assert json.loads((out / "summary.json").read_text())["scaffolds"][0]["errors"] == 1
    assert log.read_text().count(" turn ") == requests  # no model call was made
