"""The end-of-run table: how a run went, stage by stage, counted from its tasks' states.

Derived, never read back: `WorkDir.summary` computes it from the `state.json` files, the runner
writes it into `summary.json` and prints `RunSummary.render`.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field, computed_field
from rich.console import Group
from rich.table import Table

from litecoder_harbor.gen.pipeline.records import RunInfo, StageStatus, TaskState
from litecoder_harbor.gen.spec import Stage
from litecoder_harbor.llm.usage import Usage


class StageSummary(BaseModel):
    stage: Stage
    reached: int = Field(description="Tasks that began the stage.")
    passed: int
    failed: int
    running: int
    repair_rounds: int = Field(description="Repair rounds of the finished stages, summed.")
    usage: Usage
    seconds: float

    @computed_field
    @property
    def pass_rate(self) -> float | None:
        finished = self.passed + self.failed
        return self.passed / finished if finished else None

    @computed_field
    @property
    def mean_repair_rounds(self) -> float | None:
        finished = self.passed + self.failed
        return self.repair_rounds / finished if finished else None


class RunSummary(BaseModel):
    """How a run went, stage by stage: what passed, what repairs it took, what it cost."""

    run: RunInfo
    tasks: int
    accepted: int
    rejected: int
    in_progress: int
    stages: list[StageSummary]
    rejections: dict[str, int] = Field(description="Rejection reason -> tasks, most common first.")

    @computed_field
    @property
    def usage(self) -> Usage:
        return sum((s.usage for s in self.stages), Usage())

    @computed_field
    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages)

    @classmethod
    def of(cls, run: RunInfo, states: list[TaskState]) -> RunSummary:
        stages = []
        for stage in Stage:
            records = [state.stages[stage] for state in states]
            count = Counter(record.status for record in records)
            stages.append(
                StageSummary(
                    stage=stage,
                    reached=len(records) - count[StageStatus.PENDING],
                    passed=count[StageStatus.PASSED],
                    failed=count[StageStatus.FAILED],
                    running=count[StageStatus.RUNNING],
                    repair_rounds=sum(r.repair_rounds for r in records if r.is_finished),
                    usage=sum((r.usage for r in records), Usage()),
                    seconds=sum(r.seconds for r in records),
                )
            )
        outcomes = Counter(state.outcome for state in states)
        reasons = Counter(state.rejection.reason for state in states if state.rejection)
        return cls(
            run=run,
            tasks=len(states),
            accepted=outcomes["accepted"],
            rejected=outcomes["rejected"],
            in_progress=outcomes["in progress"],
            stages=stages,
            rejections=dict(reasons.most_common()),
        )

    def render(self) -> Group:
        """Rich tables: one row per stage and a total, then the rejection reasons."""
        table = Table(
            title=f"{self.tasks} task(s): {self.accepted} accepted, {self.rejected} rejected, "
            f"{self.in_progress} in progress",
            title_justify="left",
        )
        table.add_column("stage")
        for column in ("reached", "passed", "failed", "running", "pass %", "repairs"):
            table.add_column(column, justify="right")
        for column in ("tok in", "tok out", "USD", "wall"):
            table.add_column(column, justify="right")
        for s in self.stages:
            rate = "–" if s.pass_rate is None else f"{s.pass_rate:.0%}"
            repairs = "–" if s.mean_repair_rounds is None else f"{s.mean_repair_rounds:.2f}"
            counts = (s.reached, s.passed, s.failed, s.running)
            table.add_row(
                s.stage.value, *map(str, counts), rate, repairs, *_spent(s.usage, s.seconds)
            )
        table.add_section()
        table.add_row("total", "", "", "", "", "", "", *_spent(self.usage, self.seconds))
        parts = [table]
        if self.rejections:
            reasons = Table(title="rejections", title_justify="left")
            reasons.add_column("reason")
            reasons.add_column("tasks", justify="right")
            for reason, count in self.rejections.items():
                reasons.add_row(reason, str(count))
            parts.append(reasons)
        return Group(*parts)


def _spent(usage: Usage, seconds: float) -> list[str]:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    wall = (
        f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
    )
    return [
        f"{usage.input_tokens:,}",
        f"{usage.output_tokens:,}",
        f"{usage.cost_usd:.4f}",
        wall,
    ]
