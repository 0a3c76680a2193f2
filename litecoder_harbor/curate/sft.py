"""`curate sft`: one row per kept trial, the conversation as its model saw it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from litecoder_harbor.chat import sharegpt_of
from litecoder_harbor.curate.filters import Benchmark, FilterChain, chain_for
from litecoder_harbor.curate.output import MESSAGES, SHAREGPT
from litecoder_harbor.curate.run import CurateOptions, CurateResult, curate

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
    kind: str = "sft"
    title: str = "Terminal-agent SFT trajectories"
    tags: list[str] = field(default_factory=lambda: ["sft"])
    schema: pa.Schema = SFT_SCHEMA

    def take(self, record: dict[str, Any]) -> tuple[bool, Iterable[dict[str, Any]]]:
        kept = self.chain.check(record) is None
        return kept, [sft_row(record)] if kept else []

    def rest(self) -> Iterable[dict[str, Any]]:
        return []

    def filters(self) -> dict[str, Any]:
        return self.chain.summary()


def curate_sft(job_dirs: list[Path], options: CurateOptions) -> CurateResult:
    """Solved, clean, non-looping trajectories as SFT rows (see `SFT_SCHEMA`)."""

    def builder(benchmark: Benchmark | None) -> SftBuilder:
        return SftBuilder(chain_for("sft", options.filter_settings(), benchmark))

    return curate(job_dirs, options, builder)
