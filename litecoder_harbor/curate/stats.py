"""What a curated dataset holds, as the paper reports it: rows kept and dropped per filter,
share per domain and per scaffold, turns and tokens per trajectory, solve rate per family and
difficulty, and the distinct real commands the agents ran (counted against tldr-pages).

One `Statistics` is fed every trial as it streams by; `summary()` is `stats.json`,
`markdown()` goes into the card, `table()` is printed, `plot()` writes the PNGs.
"""

from __future__ import annotations

import statistics as st
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from litecoder_harbor.curate.reading import Skip

TOP_COMMANDS = 20


@dataclass
class Statistics:
    min_reward: float
    read: int = 0
    skipped: Counter = field(default_factory=Counter)
    skip_examples: dict[str, str] = field(default_factory=dict)
    domains: Counter = field(default_factory=Counter)
    scaffolds: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    turns: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    commands: Counter = field(default_factory=Counter)
    _solved: dict[str, dict[str, list[int]]] = field(
        default_factory=lambda: {
            "family": defaultdict(lambda: [0, 0]),
            "difficulty": defaultdict(lambda: [0, 0]),
        }
    )

    def skip(self, skip: Skip) -> None:
        self.skipped[skip.reason] += 1
        self.skip_examples.setdefault(skip.reason, f"{skip.trial_dir}: {skip.detail}".rstrip(": "))

    def trial(self, record: dict[str, Any]) -> None:
        """Every trial read, kept or not: the solve rates are over all of them."""
        self.read += 1
        solved = record["reward"] is not None and record["reward"] >= self.min_reward
        for key in ("family", "difficulty"):
            tally = self._solved[key][record[key]]
            tally[0] += solved
            tally[1] += 1

    def kept(self, record: dict[str, Any]) -> None:
        self.domains[record["domain"]] += 1
        self.scaffolds[record["scaffold"]] += 1
        self.sources[record["source"]] += 1
        self.turns.append(record["turns"])
        self.tokens.append(record["tokens"])
        self.commands.update(record["commands"])

    def summary(self, filters: dict[str, Any], rows: int) -> dict[str, Any]:
        def rates(key: str) -> dict[str, dict[str, float | int]]:
            return {
                name: {"solved": s, "trials": n, "rate": round(s / n, 4)}
                for name, (s, n) in sorted(self._solved[key].items())
            }

        return {
            "rows": rows,
            "trials_read": self.read,
            "skipped": dict(sorted(self.skipped.items())),
            "skip_examples": dict(sorted(self.skip_examples.items())),
            "filters": filters,
            "share_per_domain": _shares(self.domains),
            "share_per_scaffold": _shares(self.scaffolds),
            "conversation_source": dict(sorted(self.sources.items())),
            "turns": _spread(self.turns),
            "tokens": _spread(self.tokens),
            "solve_rate_per_family": rates("family"),
            "solve_rate_per_difficulty": rates("difficulty"),
            "distinct_real_commands": len(self.commands),
            "top_commands": dict(self.commands.most_common(TOP_COMMANDS)),
        }

    def plot(self, folder: Path, filters: dict[str, Any]) -> list[str]:
        """The PNGs (names relative to the dataset folder's parent of `folder`)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        folder.mkdir(parents=True, exist_ok=True)
        made = []

        def save(fig, name: str) -> None:
            fig.tight_layout()
            fig.savefig(folder / name, dpi=100)
            plt.close(fig)
            made.append(f"{folder.name}/{name}")

        for title, counts in (("domain", self.domains), ("scaffold", self.scaffolds)):
            if counts:
                fig, ax = plt.subplots(figsize=(5, 5))
                ax.pie(list(counts.values()), labels=list(counts), autopct="%1.1f%%")
                ax.set_title(f"share per {title}")
                save(fig, f"share_per_{title}.png")
        for title, values in (("turns", self.turns), ("tokens", self.tokens)):
            if values:
                fig, ax = plt.subplots(figsize=(6, 4))
                ax.hist(values, bins=min(50, max(5, len(set(values)))))
                ax.axvline(
                    st.mean(values), color="k", linestyle="--", label=f"mean {st.mean(values):.1f}"
                )
                ax.set_xlabel(f"{title} per trajectory")
                ax.legend()
                save(fig, f"{title}_per_trajectory.png")
        fig, ax = plt.subplots(figsize=(6, 4))
        names = ["kept", *filters["dropped"]]
        ax.barh(names, [filters["kept"], *filters["dropped"].values()])
        ax.set_title("rows kept and dropped per filter")
        save(fig, "filters.png")
        for key in ("family", "difficulty"):
            if self._solved[key]:
                fig, ax = plt.subplots(figsize=(6, max(3, 0.3 * len(self._solved[key]))))
                items = sorted(self._solved[key].items())
                ax.barh([k for k, _ in items], [s / n for _, (s, n) in items])
                ax.set_xlim(0, 1)
                ax.set_title(f"solve rate per {key}")
                save(fig, f"solve_rate_per_{key}.png")
        return made


def _shares(counts: Counter) -> dict[str, float]:
    total = sum(counts.values())
    return {name: round(n / total, 4) for name, n in sorted(counts.items())} if total else {}


def _spread(values: list[int]) -> dict[str, float]:
    if not values:
        return {"mean": 0, "median": 0, "max": 0}
    return {"mean": round(st.mean(values), 2), "median": st.median(values), "max": max(values)}


def table(summary: dict[str, Any]) -> Table:
    out = Table(title="curated", show_header=True)
    out.add_column("statistic")
    out.add_column("value", overflow="fold")
    for name, value in table_rows(summary):
        out.add_row(name, value)
    return out


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(statistic, value) lines shared by the printed table and the card."""
    filters = summary["filters"]

    def pct(shares: dict[str, float]) -> str:
        return ", ".join(f"{k} {v:.1%}" for k, v in shares.items()) or "-"

    def rates(per: dict[str, dict]) -> str:
        return (
            ", ".join(f"{k} {v['rate']:.0%} ({v['solved']}/{v['trials']})" for k, v in per.items())
            or "-"
        )

    dropped = ", ".join(f"{k} {v}" for k, v in filters["dropped"].items())
    return [
        ("rows", str(summary["rows"])),
        ("trials read", str(summary["trials_read"])),
        ("skipped", ", ".join(f"{k} {v}" for k, v in summary["skipped"].items()) or "0"),
        ("kept by the filters", str(filters["kept"])),
        ("dropped per filter", dropped),
        ("share per domain", pct(summary["share_per_domain"])),
        ("share per scaffold", pct(summary["share_per_scaffold"])),
        (
            "conversation source",
            ", ".join(f"{k} {v}" for k, v in summary["conversation_source"].items()) or "-",
        ),
        ("turns (mean / median / max)", _triple(summary["turns"])),
        ("tokens (mean / median / max)", _triple(summary["tokens"])),
        ("solve rate per family", rates(summary["solve_rate_per_family"])),
        ("solve rate per difficulty", rates(summary["solve_rate_per_difficulty"])),
        ("distinct real commands", str(summary["distinct_real_commands"])),
        (
            "most frequent commands",
            ", ".join(f"{k} {v}" for k, v in summary["top_commands"].items()) or "-",
        ),
    ]


def _triple(spread: dict[str, float]) -> str:
    return f"{spread['mean']} / {spread['median']} / {spread['max']}"


def markdown(summary: dict[str, Any], plots: list[str]) -> str:
    lines = ["## Statistics", "", "| statistic | value |", "|---|---|"]
    lines += [f"| {name} | {value.replace('|', '/')} |" for name, value in table_rows(summary)]
    lines += ["", *(f"![{Path(p).stem}]({p})" for p in plots)]
    return "\n".join(lines)
