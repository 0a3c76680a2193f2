"""Execution outranks heuristics: the judge weighs static findings against the probes."""

from __future__ import annotations

from pathlib import Path

import pytest

from litecoder_harbor.validate import ATTACKS, ProbeResult, Severity, TaskReport, Verdict
from litecoder_harbor.validate.report import judge
from litecoder_harbor.validate.static.findings import finding

STALE = finding("stale-reward", "tests/test.sh", "`pkill -STOP -u agent` runs before ...", 3)
MISSING = finding("copy-source-missing", "environment/Dockerfile", "COPY source 'x' not in environment/", 2)  # fmt: skip
UNLOADABLE = finding("harbor-load", "task.toml", "[environment].memory_mb: Input should be a valid integer")  # fmt: skip


def report_with(static, attack_rewards: dict[str, float | None]) -> TaskReport:
    probes = [
        ProbeResult(probe="oracle", expected=1.0, reward=1.0, trial_dir=Path("t")),
        ProbeResult(probe="nop", expected=0.0, reward=0.0, trial_dir=Path("t")),
    ]
    probes += [
        ProbeResult(probe=f"attack:{a}", expected=0.0, reward=r, trial_dir=Path("t"))
        for a, r in attack_rewards.items()
    ]
    report = TaskReport(task="t", task_dir=Path("t"), static=list(static), probes=probes)
    judge(report)
    return report


ALL_ZERO = dict.fromkeys(ATTACKS, 0.0)


def test_stale_reward_disproved_by_both_attacks_is_a_warning():
    report = report_with([STALE], ALL_ZERO)
    (weighed,) = report.static
    assert weighed.severity == Severity.WARNING
    assert "reward-preseed and reward-daemon scored 0" in weighed.message
    assert report.verdict == Verdict.SOUND and report.passed


@pytest.mark.parametrize(
    "rewards",
    [
        {**ALL_ZERO, "reward-daemon": 1.0},
        {a: r for a, r in ALL_ZERO.items() if a != "reward-preseed"},  # never ran
    ],
)
def test_stale_reward_stays_an_error_without_proof(rewards):
    report = report_with([STALE], rewards)
    assert report.static[0].severity == Severity.ERROR and not report.passed


@pytest.mark.parametrize("fact", [MISSING, UNLOADABLE])
def test_facts_stay_errors_whatever_the_probes_say(fact):
    report = report_with([fact, STALE], ALL_ZERO)
    assert [f.severity for f in report.static] == [Severity.ERROR, Severity.WARNING]
    assert not report.passed
