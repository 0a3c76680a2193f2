"""Token and cost accounting per pipeline stage, so a run can say what each stage spent."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field


class Usage(BaseModel):
    """What a set of calls cost. `calls` counts every answered call, `cached_calls` those the
    response cache answered; tokens and cost are only what the endpoint billed, so cache hits
    add nothing to them."""

    calls: int = 0
    cached_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            cached_calls=self.cached_calls + other.cached_calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
        )


class UsageLedger(BaseModel):
    """Usage per stage name, with the total across stages; serialises to JSON as is."""

    stages: dict[str, Usage] = Field(default_factory=dict)

    @computed_field
    @property
    def total(self) -> Usage:
        return sum(self.stages.values(), Usage())

    def record(self, stage: str, usage: Usage) -> None:
        self.stages[stage] = self.stages.get(stage, Usage()) + usage
