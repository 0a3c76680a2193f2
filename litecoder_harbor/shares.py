"""Splitting a count by weights the user wrote: the difficulty mix of a domain spec, the
scaffold mix of a collection run."""

from __future__ import annotations

import math
from fractions import Fraction

MIX_TOLERANCE = 1e-3
"""How far a mix's weights may stray from summing to 1: room for 0.333 / 0.333 / 0.334."""


def sums_to_one(weights: list[float]) -> bool:
    return abs(sum(weights) - 1) <= MIX_TOLERANCE


def exact_fraction(number: float) -> Fraction:
    """The decimal the user wrote: 0.2 is 1/5, not the float nearest to it."""
    return Fraction(str(number))


def largest_remainder(n: int, shares: list[Fraction]) -> list[int]:
    """Counts that sum to n exactly, each within 1 of its quota; ties go to the earlier entry."""
    total = sum(shares)
    quotas = [n * share / total for share in shares]
    counts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - quotas[i])
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts
