"""The benchmarks `litecoder eval run --benchmark NAME` knows: ONE table to edit when a
registry name changes or a benchmark is added.

Names marked uncertain were found in third-party code and docs, not checked against Harbor's
registry (unreachable where they were collected); `-d name@version` (with or without
`--registry-path`) runs any other dataset.
"""

from __future__ import annotations

from pydantic import BaseModel

from litecoder_harbor.errors import LitecoderError


class Benchmark(BaseModel):
    dataset: str
    """Harbor's legacy-registry `name@version` (`harbor run -d ...`)."""
    tasks: int | None
    """Tasks in the public set, as published."""
    certain: bool
    """The registry name was read in Harbor itself (True) or only in third-party sources."""
    note: str
    legacy: str | None = None
    """The dataset as the legacy `tb` harness names it (`tb run -d ...`), if it has one."""


BENCHMARKS: dict[str, Benchmark] = {
    "tb2": Benchmark(
        dataset="terminal-bench@2.0",
        tasks=89,
        certain=True,
        note="Terminal-Bench 2.0; Harbor is its official harness (leaderboard: >= 5 trials per "
        "task, no overrides)",
    ),
    "tb2-sample": Benchmark(
        dataset="terminal-bench-sample@2.0",
        tasks=10,
        certain=False,
        note="a 10-task sample of Terminal-Bench 2.0, for a quick check",
    ),
    "tb1": Benchmark(
        dataset="terminal-bench-core@0.1.1",
        tasks=80,
        certain=False,
        note="Terminal-Bench 1.0 (terminal-bench-core 0.1.1) through Harbor's adapter; the "
        "registry name is UNCERTAIN (third-party sources only)",
        legacy="terminal-bench-core==0.1.1",
    ),
    "tb-pro": Benchmark(
        dataset="terminal-bench-pro@1.0",
        tasks=200,
        certain=False,
        note="Terminal-Bench Pro (Alibaba), the 200 public tasks; the registry name is "
        "UNCERTAIN (third-party sources only); x86_64 images",
    ),
}
"""Benchmark name -> where Harbor finds it."""


def benchmark(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        raise LitecoderError(
            f"--benchmark: unknown benchmark {name!r}",
            hint=f"known: {', '.join(BENCHMARKS)}; or give -d name@version, or -p DIR",
        )
    return BENCHMARKS[name]
