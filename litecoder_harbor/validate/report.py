"""What validation found: per task its static findings, build, probe rewards and verdict.

Verdicts, most severe first:

- broken      the image does not build (the build error is kept);
- unsolvable  the oracle does not reach reward 1 (or not twice, for an idempotent task);
- trivial     doing nothing already earns reward;
- tamperable  an attack on the grading machinery earns reward (reward files, /tests);
- gameable    a lazy or wrong output earns reward (the winning attack is named);
- sound       none of the above.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from litecoder_harbor.containers.images import BuildResult
from litecoder_harbor.validate.attacks import ATTACKS, AttackKind
from litecoder_harbor.validate.static import Finding, Severity

REPORT_NAME = "litecoder-validation.json"

# Heuristic static rules and the attacks whose defeat proves the defence the rule looks for:
# when every one of them ran and scored 0, execution outranks the heuristic. Rules that state
# facts (Harbor cannot load the task, a COPY source is missing) are never in here.
PROVEN_BY_ATTACKS = {"stale-reward": ("reward-preseed", "reward-daemon")}


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


class GradingMode(StrEnum):
    """Where the task's verifier ran (Harbor's `[verifier] environment_mode`)."""

    SHARED = "shared"  # in the agent's container, trusting the binaries the agent left there
    SEPARATE = "separate"  # in a fresh container of the clean image, given declared artifacts


class TaskReport(BaseModel):
    task: str
    task_dir: Path
    grading: GradingMode | None = None
    """None when the task was never executed (static only, or Harbor cannot load it)."""
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

    @computed_field
    @property
    def attacks_ran(self) -> list[str]:
        return [
            p.probe.removeprefix("attack:") for p in self.probes if p.probe.startswith("attack:")
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


def judge(report: TaskReport) -> None:
    """Set verdict and reason from the build and the probe results (most severe first), and
    downgrade static errors the probes disproved."""
    by_probe = {p.probe: p for p in report.probes}
    report.static = [_weighed(f, by_probe) for f in report.static]
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


def _weighed(finding: Finding, by_probe: dict[str, ProbeResult]) -> Finding:
    """A heuristic error becomes a warning once the attacks that test it all scored 0."""
    attacks = PROVEN_BY_ATTACKS.get(finding.rule)
    if finding.severity != Severity.ERROR or attacks is None:
        return finding
    probes = [by_probe.get(f"attack:{a}") for a in attacks]
    if not all(p is not None and p.passed and p.exception is None for p in probes):
        return finding
    return finding.model_copy(
        update={
            "severity": Severity.WARNING,
            "message": f"{finding.message} (but {' and '.join(attacks)} scored 0)",
        }
    )
