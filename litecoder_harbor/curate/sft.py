"""`curate sft`: one row per kept trial, the conversation as its model saw it."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from litecoder_harbor.chat import sharegpt_of
from litecoder_harbor.curate.filters import Benchmark, FilterChain, chain_for
from litecoder_harbor.curate.output import MESSAGES, SHAREGPT
from litecoder_harbor.curate.run import CurateOptions, CurateResult, curate
from litecoder_harbor.shares import exact_fraction, largest_remainder

SFT_SCHEMA = pa.schema(
    [
        ("messages", MESSAGES),
        ("tools", pa.string()),
        ("conversations", SHAREGPT),
        ("scaffold", pa.string()),
        ("model", pa.string()),
        ("task", pa.string()),
        ("domain", pa.string()),
        ("family", pa.string()),
        ("difficulty", pa.string()),
        ("reward", pa.float64()),
        ("turns", pa.int64()),
        ("trial", pa.string()),
        ("job", pa.string()),
    ]
)
"""The SFT row contract: `tools` is JSON text (one schema for every scaffold, "[]" for none)."""


def sft_row(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": record["messages"],
        "tools": json.dumps(record["tools"], ensure_ascii=False),
        "conversations": sharegpt_of(record["messages"]),
        **{
            key: record[key]
            for key in ("scaffold", "model", "task", "domain", "family", "difficulty")
        },
        "reward": record["reward"],
        "turns": record["turns"],
        "trial": record["trial"],
        "job": record["job"],
    }


@dataclass
class SftBuilder:
    chain: FilterChain
    mix: dict[str, float] | None = None
    """Target share per scaffold: kept rows are resampled to it (see `resample_to_mix`)."""
    seed: int = 0
    kind: str = "sft"
    title: str = "Terminal-agent SFT trajectories"
    tags: list[str] = field(default_factory=lambda: ["sft"])
    schema: pa.Schema = SFT_SCHEMA
    kept_later: list[dict[str, Any]] = field(default_factory=list)
    _held: list[dict[str, Any]] = field(default_factory=list)

    def take(self, record: dict[str, Any]) -> tuple[bool, Iterable[dict[str, Any]]]:
        kept = self.chain.check(record) is None
        if kept and self.mix is not None:
            self._held.append(record)
            return False, []  # kept or not once every record is in
        return kept, [sft_row(record)] if kept else []

    def rest(self) -> Iterable[dict[str, Any]]:
        if self.mix is None:
            return []
        self.kept_later = resample_to_mix(self._held, self.mix, self.seed)
        return [sft_row(record) for record in self.kept_later]

    def filters(self) -> dict[str, Any]:
        summary = self.chain.summary()
        if self.mix is not None:
            resampled_away = len(self._held) - len(self.kept_later)
            summary["kept"] -= resampled_away
            summary["dropped"]["scaffold mix"] = resampled_away
        return summary


def resample_to_mix(
    records: list[dict[str, Any]], mix: dict[str, float], seed: int
) -> list[dict[str, Any]]:
    """The largest subset of `records` whose scaffold shares are `mix` (each count within one
    of its quota), drawn per scaffold with a seeded `random.Random`, in reading order. A scaffold
    outside the mix (or weighted 0) is left out; one the mix wants but the records lack leaves
    nothing to keep, since no share of it can be met."""
    by_scaffold: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        by_scaffold[record["scaffold"]].append(index)
    wanted = {name: exact_fraction(weight) for name, weight in mix.items() if weight > 0}
    total = min((len(by_scaffold[name]) / share for name, share in wanted.items()), default=0)
    counts = largest_remainder(int(total * sum(wanted.values())), list(wanted.values()))
    chosen: list[int] = []
    for (name, _), count in zip(wanted.items(), counts, strict=True):
        pool = by_scaffold[name]
        chosen += random.Random(f"{seed}:{name}").sample(pool, min(count, len(pool)))
    return [records[i] for i in sorted(chosen)]


def curate_sft(
    job_dirs: list[Path],
    options: CurateOptions,
    mix: dict[str, float] | None = None,
    seed: int = 0,
) -> CurateResult:
    """Solved, clean, non-looping trajectories as SFT rows (see `SFT_SCHEMA`), resampled to a
    scaffold `mix` when one is given."""

    def builder(benchmark: Benchmark | None) -> SftBuilder:
        return SftBuilder(chain_for("sft", options.filter_settings(), benchmark), mix, seed)

    return curate(job_dirs, options, builder)
