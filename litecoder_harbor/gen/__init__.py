"""Task generation backends: each turns options into `TaskDraft`s for the writer."""

from __future__ import annotations

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.templates import iter_template_drafts
from litecoder_harbor.tasks.model import TaskDraft

BACKENDS = ("template",)


def generate_drafts(
    backend: str,
    n: int,
    seed: int,
    *,
    domain: str | None = None,
    family: str | None = None,
    difficulty: str | None = None,
) -> list[TaskDraft]:
    if backend not in BACKENDS:
        raise LitecoderError(
            f"unknown backend {backend!r}", hint=f"use one of: {', '.join(BACKENDS)}"
        )
    if n < 1:
        raise LitecoderError(f"--n must be at least 1, got {n}")
    if seed < 0:
        raise LitecoderError(f"--seed must be >= 0, got {seed}")
    return list(iter_template_drafts(n, seed, domain=domain, family=family, difficulty=difficulty))
