"""`curate world-model`: (the conversation up to an action, the action) → the observation that
followed, for learning to predict the terminal's next state.

One row per model turn that got an answer. `messages` is the context the model had, ending with
the turn's own assistant message; to keep rows from growing with the square of the episode's
length it holds the prompt (system and first user turn) and the last `context_turns` turns.
`action` is what the turn did (Terminus-2: its JSON reply; tool-calling scaffolds: the calls,
one JSON object per line) and `observation` what came back (the next user or tool messages).
Rows come from trials that pass every filter but `solved`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from litecoder_harbor.curate.filters import Benchmark, FilterChain, chain_for
from litecoder_harbor.curate.output import MESSAGES
from litecoder_harbor.curate.run import CurateOptions, CurateResult, curate
from litecoder_harbor.errors import LitecoderError

WORLD_MODEL_SCHEMA = pa.schema(
    [
        ("messages", MESSAGES),
        ("action", pa.string()),
        ("observation", pa.string()),
        ("tools", pa.string()),
        ("step", pa.int64()),
        ("scaffold", pa.string()),
        ("task", pa.string()),
        ("domain", pa.string()),
        ("family", pa.string()),
        ("reward", pa.float64()),
        ("trial", pa.string()),
        ("job", pa.string()),
    ]
)


def action_text(message: dict[str, Any]) -> str:
    calls = [
        json.dumps(
            {"name": c["function"]["name"], "arguments": c["function"]["arguments"]},
            ensure_ascii=False,
        )
        for c in message["tool_calls"]
    ]
    return "\n".join(filter(None, [message["content"], *calls]))


def world_model_rows(record: dict[str, Any], context_turns: int) -> list[dict[str, Any]]:
    messages = record["messages"]
    first_assistant = next(
        (i for i, m in enumerate(messages) if m["role"] == "assistant"), len(messages)
    )
    prompt = messages[:first_assistant]
    turn_starts = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    rows = []
    for step, start in enumerate(turn_starts):
        end = turn_starts[step + 1] if step + 1 < len(turn_starts) else len(messages)
        answer = messages[start + 1 : end]
        if not answer:
            continue
        window_start = turn_starts[max(0, step - context_turns)] if context_turns else start
        rows.append(
            {
                "messages": prompt + messages[max(window_start, first_assistant) : start + 1],
                "action": action_text(messages[start]),
                "observation": "\n".join(m["content"] for m in answer),
                "tools": json.dumps(record["tools"], ensure_ascii=False),
                "step": step,
                **{
                    k: record[k]
                    for k in ("scaffold", "task", "domain", "family", "reward", "trial", "job")
                },
            }
        )
    return rows


@dataclass
class WorldModelBuilder:
    chain: FilterChain
    context_turns: int
    kind: str = "world-model"
    title: str = "Terminal world-model transitions"
    tags: list[str] = field(default_factory=lambda: ["world-model"])
    schema: pa.Schema = WORLD_MODEL_SCHEMA

    kept_later: list[dict[str, Any]] = field(default_factory=list)

    def take(self, record: dict[str, Any]) -> tuple[bool, Iterable[dict[str, Any]]]:
        kept = self.chain.check(record) is None
        return kept, world_model_rows(record, self.context_turns) if kept else []

    def rest(self) -> Iterable[dict[str, Any]]:
        return []

    def filters(self) -> dict[str, Any]:
        return self.chain.summary()


def curate_world_model(
    job_dirs: list[Path], options: CurateOptions, *, context_turns: int = 8
) -> CurateResult:
    if context_turns < 0:
        raise LitecoderError(f"--context-turns {context_turns}: must be 0 or more")

    def builder(benchmark: Benchmark | None) -> WorldModelBuilder:
        return WorldModelBuilder(
            chain_for("world-model", options.filter_settings(), benchmark), context_turns
        )

    return curate(job_dirs, options, builder)
