"""`litecoder flywheel` end to end through Harbor on the local Docker engine, with the smallest
settings that still pass through every stage: one train task and one held-out task, the scripted
teacher solving (and answering wrong once, for preference pairs), SFT and DMPO of the tiny Qwen3
for two steps each, base and trained served and evaluated. Then the same command again, which
resumes a finished run: every stage is skipped and nothing runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
SMALL = (
    "--n", "1", "--n-test", "1", "-k", "1", "--eval-k", "1", "--eval-max-turns", "1",
    "--eval-agent-timeout-sec", "30", "--claude-code-domain", "none",
    "--train-override", "training.max_steps=2", "--train-override", "training.save_steps=1",
    "--train-override", "training.logging_steps=1",
)  # fmt: skip
STAGES = ["gen", "validate", "collect", "curate", "train", "eval"]


def flywheel(out: Path):
    return run_cli("flywheel", "--out", str(out), *SMALL, cwd=REPO, timeout=2400)


@pytest.fixture(scope="module")
def run(tmp_path_factory, docker_ready):
    out = tmp_path_factory.mktemp("flywheel") / "run"
    first = flywheel(out)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    return out, first


def figures(out: Path, stage: str) -> dict:
    return json.loads((out / stage / "done.json").read_text())["figures"]


def test_every_stage_ran_and_left_its_figures(run):
    out, proc = run
    for stage in STAGES:
        assert (out / stage / "done.json").is_file(), stage
        assert f"{stage}: done in" in proc.stdout
    assert figures(out, "gen")["train tasks"] == 1 and figures(out, "gen")["test tasks"] == 1
    held_out = {"sales-rollup", "cmake-repair"}
    assert set(figures(out, "gen")["test families"].split(", ")) <= held_out
    assert not set(figures(out, "gen")["train families"].split(", ")) & held_out
    assert figures(out, "validate")["tasks kept"] == 2
    collected = figures(out, "collect")
    assert collected["terminus-2 solved"] == collected["terminus-2 trials"] == 1
    assert collected["wrong-teacher solved"] == 0
    curated = figures(out, "curate")
    assert curated["sft rows"] == 1 and curated["preference rows"] == 1
    trained = figures(out, "train")
    assert trained["sft loss first"] > 0 and trained["dmpo margin last"] is not None
    assert (Path(trained["trained model"]) / "config.json").is_file()
    scores = figures(out, "eval")
    assert scores["tasks"] == 1 and scores["trials per model"] == 1
    assert 0 <= scores["base pass@1"] <= 1 and len(scores["difference CI"]) == 2


def test_the_summary_shows_every_stage_and_how_to_browse(run):
    out, proc = run
    summary = json.loads((out / "summary.json").read_text())
    assert [s["stage"] for s in summary["stages"]] == STAGES
    assert "trained pass@1" in proc.stdout and "sft loss first" in proc.stdout
    assert f"harbor view {out / 'collect' / 'terminus-2'} --jobs" in proc.stdout
    assert summary["plots"] and all(Path(p).is_file() for p in summary["plots"])
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(summary["plots"])


def test_a_rerun_skips_every_finished_stage(run):
    out, _ = run
    trials = sorted(out.rglob("result.json"))
    again = flywheel(out)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    for stage in STAGES:
        assert f"{stage}: done before, skipped" in again.stdout
    assert "running" not in again.stdout
    assert sorted(out.rglob("result.json")) == trials
