"""Which trials become rows: a chain of named filters, each counting what it dropped.

A record is dropped by the first filter that rejects it, in this order: `errors` (the trial
ended in an exception), `looping` (our episode report says so, or the ATIF shows the same
command or an unchanged screen `loop_window` turns in a row), `turn-cap` (the episode ran
into its turn cap), `solved` (reward below the threshold; after the two above, so a failed
episode is counted under the more telling reason), `empty` (no model turn), `tokens` (longer
than `max_tokens`), `secrets` (key-shaped text was found; with `secrets="scrub"` it was
redacted and the row stays), `contamination` (the task's instruction shares a 13-gram with a
benchmark's) and `duplicate` (an identical conversation was kept already).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from litecoder_harbor.errors import LitecoderError

NGRAM = 13
FILTERS = (
    "errors",
    "looping",
    "turn-cap",
    "solved",
    "empty",
    "tokens",
    "secrets",
    "contamination",
    "duplicate",
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class FilterSettings:
    min_reward: float = 1.0
    max_tokens: int | None = None
    secrets: Literal["scrub", "drop"] = "scrub"
    keep_duplicates: bool = False


class Benchmark:
    """The 13-grams of a benchmark's task instructions, each mapped to the task it came from.

    PATH is a task dir, a folder of them, or a Harbor registry dataset on disk (any tree with
    `instruction.md` files); its words are lower-cased alphanumeric runs."""

    def __init__(self, paths: Iterable[Path]):
        self.ngrams: dict[tuple[str, ...], str] = {}
        self.tasks = 0
        for path in paths:
            files = [path] if path.is_file() else sorted(path.rglob("instruction.md"))
            if not path.exists() or not files:
                raise LitecoderError(
                    f"--decontaminate-against {path}: no instruction.md in it",
                    hint="give benchmark task dirs or a downloaded Harbor dataset",
                )
            for file in files:
                self.tasks += 1
                for gram in ngrams(file.read_text(errors="replace")):
                    self.ngrams.setdefault(gram, file.parent.name)

    def overlap(self, text: str) -> tuple[str, int] | None:
        """(the benchmark task sharing most 13-grams with `text`, how many), or None."""
        shared = Counter(self.ngrams[g] for g in ngrams(text) if g in self.ngrams)
        return shared.most_common(1)[0] if shared else None


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@dataclass
class FilterChain:
    """Applies the named filters (a subset of `FILTERS`, in `FILTERS` order) and counts."""

    settings: FilterSettings
    active: tuple[str, ...]
    benchmark: Benchmark | None = None
    dropped: Counter = field(default_factory=Counter)
    kept: int = 0
    contaminated: list[dict[str, Any]] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def check(self, record: dict[str, Any]) -> str | None:
        """The name of the filter that drops `record`, or None when it is kept (counted)."""
        for name in self.active:
            if self._drops(name, record):
                self.dropped[name] += 1
                return name
        if "duplicate" in self.active:
            self._seen.add(record["digest"])
        self.kept += 1
        return None

    def _drops(self, name: str, record: dict[str, Any]) -> bool:
        match name:
            case "errors":
                return record["error"] is not None
            case "solved":
                return record["reward"] is None or record["reward"] < self.settings.min_reward
            case "looping":
                return record["looping"] is not None
            case "turn-cap":
                return record["turn_cap_hit"]
            case "empty":
                return record["turns"] == 0
            case "tokens":
                limit = self.settings.max_tokens
                return limit is not None and record["tokens"] > limit
            case "secrets":
                return self.settings.secrets == "drop" and record["secrets"] > 0
            case "contamination":
                return self._contaminated(record)
            case "duplicate":
                return not self.settings.keep_duplicates and record["digest"] in self._seen
        raise ValueError(name)

    def _contaminated(self, record: dict[str, Any]) -> bool:
        if self.benchmark is None:
            return False
        hit = self.benchmark.overlap(record["instruction"])
        if hit is not None:
            self.contaminated.append(
                {"trial": record["trial"], "task": record["task"], "benchmark_task": hit[0],
                 "shared_13grams": hit[1]}
            )  # fmt: skip
        return hit is not None

    def summary(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "dropped": {name: self.dropped.get(name, 0) for name in self.active},
            "contaminated": self.contaminated,
        }


def chain_for(
    kind: str, settings: FilterSettings, benchmark: Benchmark | None, *, rejected: bool = False
) -> FilterChain:
    """SFT rows pass every filter; world-model rows every one but `solved` (a failed episode
    still shows how the terminal answers); the rejected side of a preference pair may be
    unsolved, looping or cut by the turn cap — that is what makes it worse."""
    skip = {"solved"} if kind == "world-model" else set()
    if rejected:
        skip = {"solved", "looping", "turn-cap"}
    active = tuple(name for name in FILTERS if name not in skip)
    return FilterChain(settings, active, benchmark)
