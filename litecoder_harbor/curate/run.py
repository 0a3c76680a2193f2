"""The driver every dataset kind shares: read the trials, filter, count, write, card, push."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pyarrow as pa

from litecoder_harbor.curate.filters import Benchmark, FilterChain, FilterSettings
from litecoder_harbor.curate.output import DatasetFolder
from litecoder_harbor.curate.reading import (
    ReadSettings,
    Skip,
    default_cache_dir,
    read_trials,
    trial_dirs,
)
from litecoder_harbor.curate.stats import Statistics, markdown
from litecoder_harbor.curate.tokens import token_counter
from litecoder_harbor.errors import LitecoderError


@dataclass
class CurateOptions:
    """Everything `litecoder curate` takes besides its inputs; the defaults are the CLI's."""

    out: Path
    min_reward: float = 1.0
    max_tokens: int | None = None
    tokenizer: str = "approx"
    secrets: Literal["scrub", "drop"] = "scrub"
    loop_window: int = 5
    keep_duplicates: bool = False
    decontaminate_against: list[Path] = field(default_factory=list)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    license: str = "other"
    push_to_hub: str | None = None
    plots: bool = True
    """matplotlib PNGs beside the card (about a second); the statistics are written either way."""
    progress: Callable[[int], Callable[[int], None]] | None = None
    """Called with the number of trials; returns what to call as they are read (a bar)."""

    def filter_settings(self) -> FilterSettings:
        return FilterSettings(self.min_reward, self.max_tokens, self.secrets, self.keep_duplicates)

    def read_settings(self) -> ReadSettings:
        return ReadSettings(self.loop_window, self.tokenizer, self.cache_dir)

    def check(self) -> None:
        if not 0 <= self.min_reward <= 1:
            raise LitecoderError(f"--min-reward {self.min_reward}: must be between 0 and 1")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise LitecoderError(f"--max-tokens {self.max_tokens}: must be at least 1")
        if self.loop_window < 2:
            raise LitecoderError(f"--loop-window {self.loop_window}: must be at least 2")
        token_counter(self.tokenizer)  # loaded now, so a wrong name fails before any reading


@dataclass
class CurateResult:
    out: Path
    rows: int
    summary: dict[str, Any]
    pushed: str | None = None


class Builder(Protocol):
    """Turns filtered trial records into one kind of row."""

    kind: str
    title: str
    tags: list[str]
    schema: pa.Schema
    chains: list[FilterChain]

    def take(self, record: dict[str, Any]) -> tuple[bool, Iterable[dict[str, Any]]]:
        """Whether the record passed the filters, and the rows made from it now."""

    kept_later: list[dict[str, Any]]
    """Records kept only once every record was seen (a resampled scaffold mix), filled by
    `rest()`; the statistics count them then."""

    def rest(self) -> Iterable[dict[str, Any]]:
        """Rows that need every record first (preference pairs, a resampled mix)."""

    def filters(self) -> dict[str, Any]:
        """The filter counts for the statistics."""


def benchmark_of(options: CurateOptions) -> Benchmark | None:
    return Benchmark(options.decontaminate_against) if options.decontaminate_against else None


def curate(
    job_dirs: list[Path],
    options: CurateOptions,
    make_builder: Callable[[Benchmark | None], Builder],
    *,
    extra: Callable[[DatasetFolder], None] | None = None,
) -> CurateResult:
    """Read `job_dirs`, feed every record to the builder, write its rows as a dataset folder at
    `options.out` with the card and statistics, push it when asked."""
    options.check()
    trials = trial_dirs(job_dirs) if job_dirs else []
    builder = make_builder(benchmark_of(options))
    statistics = Statistics(options.min_reward)
    advance = options.progress(len(trials)) if options.progress else (lambda n: None)
    with DatasetFolder(options.out, builder.schema) as folder:
        for item in read_trials(trials, options.read_settings(), advance):
            if isinstance(item, Skip):
                statistics.skip(item)
                continue
            statistics.trial(item)
            kept, rows = builder.take(item)
            for row in rows:
                folder.add(row)
            if kept:
                statistics.kept(item)
        for row in builder.rest():
            folder.add(row)
        for record in builder.kept_later:
            statistics.kept(record)
        if extra is not None:
            extra(folder)
        filters = builder.filters()
        summary = statistics.summary(filters, folder.rows)
        plots = statistics.plot(folder.file("plots"), filters) if options.plots else []
        body = f"{_about(builder.kind)}\n\n{markdown(summary, plots)}"
        folder.finish(
            title=builder.title,
            kind_tags=builder.tags,
            license=options.license,
            body=body,
            stats=summary,
        )
    pushed = None
    if options.push_to_hub:
        from litecoder_harbor.hub import push_folder

        pushed = push_folder(
            options.out, options.push_to_hub, message=f"litecoder curate {builder.kind}"
        )
    return CurateResult(options.out, summary["rows"], summary, pushed)


def _about(kind: str) -> str:
    return (
        f"Made by `litecoder curate {kind}` (litecoder-harbor) from Harbor job dirs: teacher "
        "trajectories on executable, verified terminal tasks. Load it with "
        "`datasets.load_dataset(<this folder or repo>)`."
    )
