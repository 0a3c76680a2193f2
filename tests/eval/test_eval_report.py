"""`eval report` on job dirs written trial by trial with Harbor's models: pass@1 and pass@k
computed by hand, errored trials, unequal runs per task, intervals, comparisons."""

from __future__ import annotations

import json
import math

import pytest
from conftest import run_cli
from support.synthetic_jobs import Outcome, write_job

from litecoder_harbor.eval import build_report, pass_at_k
from litecoder_harbor.eval.report import ErrorKind, bootstrap_interval, run_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

BASE = {
    # 4 runs, 2 solved; the errored run scored 1 before failing and still counts 0
    "alpha": [Outcome(1.0), Outcome(1.0), Outcome(0.0), Outcome(1.0, error="RuntimeError", reached="agent")],
    # 2 runs, 1 solved; the other never got past setup
    "beta": [Outcome(1.0), Outcome(None, error="DockerBuildError", reached="setup")],
    # 3 runs, none solved: a timeout, a verifier that wrote no reward, a plain failure
    "gamma": [
        Outcome(None, error="AgentTimeoutError", reached="agent"),
        Outcome(None, error="RewardFileNotFoundError"),
        Outcome(0.0),
    ],
}  # fmt: skip
LABELS = {
    "alpha": ("data_science", "easy"),
    "beta": ("security", "hard"),
    "gamma": ("data_science", "hard"),
}


@pytest.fixture
def base_job(tmp_path):
    return write_job(tmp_path, "base", BASE, categories=LABELS)


def test_pass_at_k_estimator_matches_hand_values():
    assert pass_at_k(4, 2, 1) == pytest.approx(0.5)
    assert pass_at_k(4, 2, 2) == pytest.approx(1 - 1 / 6)  # 1 - C(2,2)/C(4,2)
    assert pass_at_k(4, 2, 3) == 1.0  # fewer failures than draws
    assert pass_at_k(5, 1, 2) == pytest.approx(1 - math.comb(4, 2) / math.comb(5, 2))
    assert pass_at_k(3, 0, 3) == 0.0
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_pass_at_1_and_k_over_unequal_runs_with_errors(base_job):
    run = run_report([base_job])
    assert (run.tasks, run.trials, run.runs_per_task) == (3, 9, {2: 1, 3: 1, 4: 1})
    assert run.pass_at_1 == pytest.approx((2 / 4 + 1 / 2 + 0) / 3)
    # pass@2: alpha 1 - 1/6, beta 1 (1 - C(1,2)/C(2,2)), gamma 0
    assert run.pass_at_k[2] == pytest.approx((5 / 6 + 1 + 0) / 3)
    # pass@3 only over tasks with >= 3 runs: alpha 1, gamma 0
    assert (run.pass_at_k[3], run.tasks_at_k[3]) == (pytest.approx(0.5), 2)
    assert (run.pass_at_k[4], run.tasks_at_k[4]) == (1.0, 1)
    assert set(run.pass_at_k) == {1, 2, 3, 4}


def test_error_taxonomy_tokens_cost_and_breakdowns(base_job):
    run = run_report([base_job])
    assert run.errors == {
        ErrorKind.AGENT_TIMEOUT: 1,
        ErrorKind.AGENT_ERROR: 1,
        ErrorKind.VERIFIER_ERROR: 1,
        ErrorKind.SETUP_ERROR: 1,
    }
    assert (run.input_tokens, run.output_tokens) == (900, 90)
    assert run.cost_usd == pytest.approx(0.09)
    by_category = {b.name: (b.tasks, b.pass_at_1) for b in run.by_category}
    assert by_category == {"data_science": (2, pytest.approx(0.25)), "security": (1, 0.5)}
    by_difficulty = {b.name: (b.tasks, b.pass_at_1) for b in run.by_difficulty}
    assert by_difficulty == {"easy": (1, 0.5), "hard": (2, pytest.approx(0.25))}


def test_leaderboard_validity_names_every_relaxation(base_job, tmp_path):
    run = run_report([base_job])
    assert not run.leaderboard_valid
    assert run.not_leaderboard_valid_because == ["2 run(s) of some task (at least 5)"]
    five = {"t": [Outcome(1.0)] * 5}
    assert run_report([write_job(tmp_path, "valid", five)]).leaderboard_valid
    slow = run_report([write_job(tmp_path, "slow", five, timeout_multiplier=2.0)])
    assert slow.not_leaderboard_valid_because == ["timeout multiplier 2 (must be 1.0)"]


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible():
    rates = [0.0, 0.25, 0.5, 1.0, 1.0, 0.0, 0.75]
    interval = bootstrap_interval(rates)
    mean = sum(rates) / len(rates)
    assert 0.0 <= interval.low < mean < interval.high <= 1.0
    assert bootstrap_interval(rates) == interval
    same = bootstrap_interval([0.4] * 6)
    assert (same.low, same.high) == (pytest.approx(0.4), pytest.approx(0.4))


def test_paired_comparison_over_shared_tasks_only(base_job, tmp_path):
    better = write_job(
        tmp_path,
        "sft",
        {
            "alpha": [Outcome(1.0)] * 2,  # 1.0 vs 0.5
            "beta": [Outcome(1.0), Outcome(0.0)],  # 0.5 vs 0.5
            "delta": [Outcome(1.0)],  # not in the baseline: left out of the comparison
        },
    )
    report = build_report([[base_job], [better]], compare_runs=True)
    [comparison] = report.comparisons
    assert (comparison.baseline, comparison.other, comparison.shared_tasks) == ("base", "sft", 2)
    assert comparison.baseline_pass_at_1 == pytest.approx(0.5)
    assert comparison.other_pass_at_1 == pytest.approx(0.75)
    assert comparison.difference == pytest.approx(0.25)
    assert 0.0 <= comparison.difference_ci.low <= 0.25 <= comparison.difference_ci.high <= 0.5


def test_cli_report_writes_json_table_and_plots(base_job, tmp_path):
    out = tmp_path / "report"
    proc = run_cli("eval", "report", str(base_job), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "pass@1" in proc.stdout and "33.3" in proc.stdout and "agent timeout" in proc.stdout
    report = json.loads((out / "report.json").read_text())
    [run] = report["runs"]
    assert run["pass_at_1"] == pytest.approx(1 / 3)
    assert run["pass_at_k"]["2"] == pytest.approx(11 / 18)
    assert report["plots"] == ["pass_at_k.png", "pass_at_1_by_category.png"]
    for name in report["plots"]:
        assert (out / name).read_bytes().startswith(PNG_MAGIC)


def test_cli_compare_shows_runs_side_by_side(base_job, tmp_path):
    other = write_job(tmp_path, "dmpo", {"alpha": [Outcome(1.0)] * 4, "gamma": [Outcome(1.0)]})
    out = tmp_path / "cmp"
    proc = run_cli("eval", "report", str(base_job), str(other), "--compare", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "paired comparison" in proc.stdout and "+75.0" in proc.stdout
    report = json.loads((out / "report.json").read_text())
    assert [r["label"] for r in report["runs"]] == ["base", "dmpo"]
    assert report["comparisons"][0]["difference"] == pytest.approx(0.75)  # (0.5 + 1) / 2


def test_cli_pools_job_dirs_without_compare(base_job, tmp_path):
    more = write_job(tmp_path, "more", {"beta": [Outcome(1.0)] * 2})
    proc = run_cli("eval", "report", str(base_job), str(more), "--out", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stderr
    [run] = json.loads((tmp_path / "r" / "report.json").read_text())["runs"]
    assert run["runs_per_task"] == {"3": 1, "4": 2}  # beta: 2 + 2 runs


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "not a Harbor job dir (no config.json)"),
        (lambda p: p / "missing", "not a Harbor job dir"),
        (lambda p: write_job(p, "fresh", {}), "no finished trial (no */result.json)"),
    ],
)
def test_cli_refuses_what_is_not_a_job_dir(tmp_path, make, message):
    out = tmp_path / "out"
    proc = run_cli("eval", "report", str(make(tmp_path)), "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not out.exists()


def test_cli_refuses_a_trial_result_that_is_not_harbors(base_job, tmp_path):
    [first] = sorted(base_job.glob("alpha__0000000"))
    (first / "result.json").write_text('{"task_name": 3}')
    out = tmp_path / "out"
    proc = run_cli("eval", "report", str(base_job), "--out", str(out))
    assert proc.returncode == 2 and "not a Harbor trial result" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_runs_of_the_same_job_name_get_labels_that_tell_them_apart(tmp_path):
    one = write_job(tmp_path / "base", "eval-x", {"t": [Outcome(1.0)]})
    two = write_job(tmp_path / "sft", "eval-x", {"t": [Outcome(0.0)]})
    report = build_report([[one], [two]], compare_runs=True)
    assert [r.label for r in report.runs] == ["base/eval-x", "sft/eval-x"]
