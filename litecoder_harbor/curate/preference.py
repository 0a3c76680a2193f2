"""`curate preference`: pairs of a solved and an unsolved trajectory of the same task and
scaffold, in the conversational layout TRL's `DPOTrainer` takes.

`prompt` is the shared start (the system turn, if any, and the first user turn: the task);
`chosen` and `rejected` continue it, each from the model's first reply to its last. Terminus-2's
first user turn also shows the terminal, whose prompt names the container, so the two trials'
prompts differ in that line: the pair carries the chosen trial's. A multi-turn objective (DMPO)
reads the assistant turns of each side from `chosen_turns` / `rejected_turns` and the message
lists themselves.

The chosen side passes every SFT filter; the rejected side every filter except `solved`,
`looping` and `turn-cap` (failing is what makes it worse). Pairs whose rewards tie are dropped;
each task keeps at most `max_pairs_per_task`, drawn with a seeded shuffle.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from litecoder_harbor.curate.filters import Benchmark, FilterChain, chain_for
from litecoder_harbor.curate.output import MESSAGES
from litecoder_harbor.curate.run import CurateOptions, CurateResult, curate
from litecoder_harbor.errors import LitecoderError

PREFERENCE_SCHEMA = pa.schema(
    [
        ("prompt", MESSAGES),
        ("chosen", MESSAGES),
        ("rejected", MESSAGES),
        ("tools", pa.string()),
        ("chosen_turns", pa.int64()),
        ("rejected_turns", pa.int64()),
        ("task", pa.string()),
        ("scaffold", pa.string()),
        ("domain", pa.string()),
        ("family", pa.string()),
        ("chosen_reward", pa.float64()),
        ("rejected_reward", pa.float64()),
        ("chosen_trial", pa.string()),
        ("rejected_trial", pa.string()),
    ]
)


def split_prompt(messages: list[dict[str, Any]]) -> tuple[list[dict], list[dict]] | None:
    """(system turn if any + first user turn, the rest), or None when the rest does not start
    with the model's reply."""
    first_user = next((i for i, m in enumerate(messages) if m["role"] == "user"), None)
    if first_user is None:
        return None
    prompt, rest = messages[: first_user + 1], messages[first_user + 1 :]
    if not rest or rest[0]["role"] != "assistant" or rest[-1]["role"] != "assistant":
        return None
    return prompt, rest


@dataclass
class PreferenceBuilder:
    chosen_chain: FilterChain
    rejected_chain: FilterChain
    min_reward: float
    max_pairs_per_task: int
    seed: int
    kind: str = "preference"
    title: str = "Terminal-agent preference pairs"
    tags: list[str] = field(default_factory=lambda: ["dpo", "preference"])
    schema: pa.Schema = PREFERENCE_SCHEMA
    ties: int = 0
    unpaired: int = 0
    _groups: dict[tuple[str, str], dict[str, list[dict]]] = field(
        default_factory=lambda: defaultdict(lambda: {"chosen": [], "rejected": []})
    )

    kept_later: list[dict[str, Any]] = field(default_factory=list)

    def take(self, record: dict[str, Any]) -> tuple[bool, Iterable[dict[str, Any]]]:
        solved = record["reward"] is not None and record["reward"] >= self.min_reward
        chain = self.chosen_chain if solved else self.rejected_chain
        if chain.check(record) is not None or split_prompt(record["messages"]) is None:
            return False, []
        slim = {k: v for k, v in record.items() if k not in ("instruction", "commands")}
        self._groups[(record["task"], record["scaffold"])][
            "chosen" if solved else "rejected"
        ].append(slim)
        return True, []

    def rest(self) -> Iterable[dict[str, Any]]:
        per_task: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
        for (task, _), sides in sorted(self._groups.items()):
            if not sides["chosen"] or not sides["rejected"]:
                self.unpaired += len(sides["chosen"]) + len(sides["rejected"])
            for chosen in sides["chosen"]:
                for rejected in sides["rejected"]:
                    if chosen["reward"] == rejected["reward"]:
                        self.ties += 1
                        continue
                    per_task[task].append((chosen, rejected))
        for task, pairs in sorted(per_task.items()):
            pairs.sort(key=lambda pair: (pair[0]["trial"], pair[1]["trial"]))
            random.Random(f"{self.seed}:{task}").shuffle(pairs)
            for chosen, rejected in pairs[: self.max_pairs_per_task]:
                yield _pair_row(chosen, rejected)

    def filters(self) -> dict[str, Any]:
        chosen, rejected = self.chosen_chain.summary(), self.rejected_chain.summary()
        return {
            "kept": chosen["kept"] + rejected["kept"],
            "dropped": {
                **{f"chosen {k}": v for k, v in chosen["dropped"].items()},
                **{f"rejected {k}": v for k, v in rejected["dropped"].items()},
                "ties": self.ties,
                "no partner": self.unpaired,
            },
            "contaminated": chosen["contaminated"] + rejected["contaminated"],
        }


def _pair_row(chosen: dict[str, Any], rejected: dict[str, Any]) -> dict[str, Any]:
    prompt, chosen_rest = split_prompt(chosen["messages"])  # type: ignore[misc]
    _, rejected_rest = split_prompt(rejected["messages"])  # type: ignore[misc]
    return {
        "prompt": prompt,
        "chosen": chosen_rest,
        "rejected": rejected_rest,
        "tools": json.dumps(chosen["tools"], ensure_ascii=False),
        "chosen_turns": chosen["turns"],
        "rejected_turns": rejected["turns"],
        **{key: chosen[key] for key in ("task", "scaffold", "domain", "family")},
        "chosen_reward": chosen["reward"],
        "rejected_reward": rejected["reward"],
        "chosen_trial": chosen["trial"],
        "rejected_trial": rejected["trial"],
    }


def curate_preference(
    job_dirs: list[Path], options: CurateOptions, *, max_pairs_per_task: int = 4, seed: int = 0
) -> CurateResult:
    if max_pairs_per_task < 1:
        raise LitecoderError(f"--max-pairs-per-task {max_pairs_per_task}: must be at least 1")

    def builder(benchmark: Benchmark | None) -> PreferenceBuilder:
        settings = options.filter_settings()
        return PreferenceBuilder(
            chain_for("sft", settings, benchmark),
            chain_for("preference", settings, benchmark, rejected=True),
            options.min_reward,
            max_pairs_per_task,
            seed,
        )

    return curate(job_dirs, options, builder)
