"""The publish stage on tasks the validation engine really judged, through Harbor on local
Docker: `litecoder publish --validate` on two generated tasks, then the published registry run
with plain `harbor run` (oracle scores 1 on every task), and a TB1 export converted back by
`harbor task migrate` that still grades oracle 1 / nop 0."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from harbor.models.dataset.manifest import DatasetManifest

from litecoder_harbor.gen.templates import iter_template_drafts
from litecoder_harbor.jobs import AgentSpec, run_trials
from litecoder_harbor.tasks.writer import write_task

pytestmark = pytest.mark.docker

HARBOR = Path(sys.executable).parent / "harbor"
NAME, VERSION = "acme/terminal-tasks", "0.1.0"


@pytest.fixture(scope="module")
def published(tmp_path_factory, docker_ready):
    """Two easy tasks (the instances other Docker tests build too), validated and published."""
    root = tmp_path_factory.mktemp("publish")
    tasks = root / "tasks"
    for draft in iter_template_drafts(2, 1, difficulty="easy"):
        write_task(draft, tasks)
    proc = run_cli(
        "publish", "--tasks", str(tasks), "--name", NAME, "--version", VERSION,
        "--out", str(root / "dist"), "--validate", "--jobs-dir", str(root / "jobs"),
        env={"HOME": str(root)},
    )  # fmt: skip
    return tasks, root / "dist", proc


def test_validated_tasks_are_published(published):
    tasks, dist, proc = published
    assert proc.returncode == 0, proc.stdout + proc.stderr
    published_rows = re.findall(r"│ (\S+)\s+│ sound\s+│ yes\s+│", proc.stdout)
    assert sorted(published_rows) == sorted(p.name for p in tasks.iterdir())
    manifest = DatasetManifest.from_toml_file(dist / "dataset.toml")
    assert sorted(t.name.split("/")[1] for t in manifest.tasks) == sorted(
        p.name for p in tasks.iterdir()
    )
    assert "2 of 2 tasks were judged `sound`" in (dist / "README.md").read_text()


def test_registry_runs_offline_with_plain_harbor_and_oracle_scores_one(published, tmp_path):
    _, dist, proc = published
    assert proc.returncode == 0, proc.stderr
    run = subprocess.run(
        [str(HARBOR), "run", "--registry-path", str(dist / "registry.json"),
         "-d", f"terminal-tasks@{VERSION}", "-a", "oracle", "-o", str(tmp_path), "--job-name", "oracle",
         "-n", "2", "-q"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    trials = [json.loads(p.read_text()) for p in (tmp_path / "oracle").glob("*/result.json")]
    assert len(trials) == 2
    assert [t["verifier_result"]["rewards"]["reward"] for t in trials] == [1, 1]


def test_tb1_round_trip_still_grades_oracle_one_nop_zero(published, tmp_path):
    tasks, _, _ = published
    task = sorted(tasks.iterdir())[0]
    export = run_cli("export", "tb1", "--tasks", str(tasks), "--out", str(tmp_path / "tb1"))
    assert export.returncode == 0, export.stderr
    migrate = subprocess.run(
        [str(HARBOR), "task", "migrate", "-i", str(tmp_path / "tb1" / task.name),
         "-o", str(tmp_path / "migrated")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    migrated = tmp_path / "migrated" / task.name
    outcomes = run_trials(
        [migrated], [AgentSpec(name="oracle"), AgentSpec(name="nop")], jobs_dir=tmp_path / "jobs"
    )
    rewards = {o.agent: o.reward for o in outcomes}
    assert rewards == {"oracle": 1, "nop": 0}, [(o.agent, o.exception_message) for o in outcomes]
