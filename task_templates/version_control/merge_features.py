"""Merge feature branches that edit the same function, keeping every side's feature.

The generator builds a small statistics package whose `summarize` function every branch
extends at the same spot, together with the `METRICS` tuple, the README's metric list and the
changelog, so each merge conflicts. Keeping both sides of a hunk is not always enough: the
one-line `METRICS` tuple must be combined by hand, and at medium and hard difficulty one branch
renames the values helper (to skip records with missing values) while another adds a function
that still calls the old name, a semantic conflict only running the code reveals. The checker
grades the committed tip of main: ancestry of every branch tip (ids known from the generator's
git model), behaviour of the merged module on hidden records, the project's own tests, and
that nothing from any side was lost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from litecoder_harbor.task_templates.version_control._githistory import (
    EPOCH,
    PEOPLE,
    History,
    blob_id,
)

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

PACKAGES = ["tally", "metrix", "statkit", "numbrella", "sumo", "reckon", "abacus", "meter"]
THEMES = [
    ("request", "latency_ms"),
    ("invoice", "amount"),
    ("exam", "score"),
    ("parcel", "weight_g"),
    ("sensor", "reading"),
    ("order", "quantity"),
]
MODULES = ["stats", "summary", "metrics"]
HISTOGRAMS = ["histogram", "bucket_counts", "bucketize"]
NEW_HELPERS = ["_present_values", "_known_values", "_clean_values"]
ROBUST_BRANCHES = ["fix/missing-values", "feature/skip-missing", "robust/missing-data"]

# name -> (summarize line, helper name or None, README description)
METRIC_CODE = {
    "minimum": ('stats["minimum"] = min(values) if values else None', None, "smallest value"),
    "maximum": ('stats["maximum"] = max(values) if values else None', None, "largest value"),
    "mean": (
        'stats["mean"] = round(sum(values) / len(values), 2) if values else None',
        None,
        "average, rounded to 2 decimals",
    ),
    "spread": (
        'stats["spread"] = max(values) - min(values) if values else 0',
        None,
        "largest minus smallest value",
    ),
    "median": ('stats["median"] = _median(values)', "_median", "middle value"),
    "mode": ('stats["mode"] = _mode(values)', "_mode", "most frequent value (smallest on ties)"),
    "distinct": ('stats["distinct"] = len(set(values))', None, "number of different values"),
    "top3": (
        'stats["top3"] = sorted(values, reverse=True)[:3]',
        None,
        "three largest values, largest first",
    ),
    "sum_squares": (
        'stats["sum_squares"] = sum(value * value for value in values)',
        None,
        "sum of squared values",
    ),
    "negatives": (
        'stats["negatives"] = sum(1 for value in values if value < 0)',
        None,
        "how many values are below zero",
    ),
    "evens": (
        'stats["evens"] = sum(1 for value in values if value % 2 == 0)',
        None,
        "how many values are even",
    ),
}
HELPER_CODE = {
    "_median": '''def _median(values):
    """Middle of the sorted values (mean of the two middle ones for even counts)."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
''',
    "_mode": '''def _mode(values):
    """Most frequent value; the smallest one when several tie."""
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    return min(value for value, count in counts.items() if count == best)
''',
}


def metric_value(name: str, values: list[int]):
    """What the merged `summarize` must report for `name` (the generator's reference)."""
    if name == "count":
        return len(values)
    if name == "total":
        return sum(values)
    if not values:
        return 0 if name in ("spread", "distinct", "sum_squares", "negatives", "evens") else None
    ordered = sorted(values)
    middle = len(ordered) // 2
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return {
        "minimum": min(values),
        "maximum": max(values),
        "mean": round(sum(values) / len(values), 2),
        "spread": max(values) - min(values),
        "median": ordered[middle]
        if len(ordered) % 2
        else (ordered[middle - 1] + ordered[middle]) / 2,
        "mode": min(v for v, c in counts.items() if c == max(counts.values())),
        "distinct": len(set(values)),
        "top3": sorted(values, reverse=True)[:3],
        "sum_squares": sum(v * v for v in values),
        "negatives": sum(1 for v in values if v < 0),
        "evens": sum(1 for v in values if v % 2 == 0),
    }[name]


OPENINGS = [
    "Several people worked on `{repo}` in parallel and nobody has merged anything yet.",
    "The repository `{repo}` has feature work waiting on branches that all touch the same code.",
    "You are the integrator for `{repo}`: its feature branches need to land on `main`.",
    "Release day for `{repo}`: the open branches must be merged into `main`.",
    "In `{repo}`, branches were developed against an older `main` and now collide with it.",
]
GOALS = [
    "Merge {branches} into `main` so that every feature from every side survives.",
    "Integrate {branches} into `main`, keeping all features of all sides.",
    "Bring {branches} into `main` without losing anything that either side added.",
]


class Project:
    """The package's files as a function of which features are in."""

    def __init__(self, rng: random.Random, pkg: str, module: str, noun: str, field: str):
        self.pkg, self.module, self.noun, self.field = pkg, module, noun, field
        self.path = f"{pkg}/{module}.py"
        self.histogram_name = rng.choice(HISTOGRAMS)
        self.new_helper = rng.choice(NEW_HELPERS)
        self.version = f"0.{rng.randint(2, 9)}.{rng.randint(0, 5)}"
        self.sample = [rng.randint(1, 30) for _ in range(rng.randint(4, 6))]

    def module_source(self, state: dict) -> str:
        helper = self.new_helper if state["robust"] else "_values"
        names = ["count", "total", *state["metrics"]] + (["missing"] if state["robust"] else [])
        metrics = ", ".join(f'"{m}"' for m in names)
        if state["robust"]:
            values_fn = f'''def {helper}(records):
    """The {self.field} of every record that has one, in order."""
    return [record[FIELD] for record in records if record.get(FIELD) is not None]
'''
        else:
            values_fn = f'''def _values(records):
    """The {self.field} of every record, in order."""
    return [record[FIELD] for record in records]
'''
        parts = [
            f'"""Summary statistics over {self.noun} records."""\n\n'
            f'FIELD = "{self.field}"\nMETRICS = ({metrics})\n',
            values_fn,
        ]
        for name in state["helpers"]:
            parts.append(HELPER_CODE[name])
        lines = [
            "def summarize(records):",
            '    """One entry per name in ``METRICS``."""',
            f"    values = {helper}(records)",
            "    stats = {}",
            '    stats["count"] = len(values)',
            '    stats["total"] = sum(values)',
        ]
        lines += [f"    {METRIC_CODE[m][0]}" for m in state["metrics"]]
        if state["robust"]:
            lines.append('    stats["missing"] = len(records) - len(values)')
        lines.append("    return stats\n")
        parts.append("\n".join(lines))
        if state["histogram"]:
            # Written before the rename existed: it calls `_values` whatever the state says.
            parts.append(f'''def {self.histogram_name}(records, width):
    """Values per bucket of ``width``: {{bucket start: count}}."""
    counts = {{}}
    for value in _values(records):
        start = value // width * width
        counts[start] = counts.get(start, 0) + 1
    return dict(sorted(counts.items()))
''')
        return "\n\n".join(parts)

    def readme(self, state: dict) -> str:
        rows = [("count", "number of values"), ("total", f"sum of `{self.field}`")]
        rows += [(m, METRIC_CODE[m][2]) for m in state["metrics"]]
        if state["robust"]:
            rows.append(("missing", f"records without a `{self.field}`"))
        text = (
            f"# {self.pkg}\n\nSummary statistics over {self.noun} records: each record is a "
            f'dict with a `"{self.field}"` number.\n\n'
            f"```python\nfrom {self.pkg}.{self.module} import summarize\n"
            f'summarize([{{"{self.field}": 3}}, {{"{self.field}": 5}}])\n```\n\n## Metrics\n\n'
        )
        text += "".join(f"- `{name}`: {desc}\n" for name, desc in rows)
        for section in state["sections"]:
            text += "\n" + section
        return text

    def changelog(self, state: dict) -> str:
        unreleased = "".join(f"- {entry}\n" for entry in state["changes"])
        return (
            "# Changelog\n\n## Unreleased\n\n"
            + unreleased
            + f"\n## {self.version}\n\n- First public release with `count` and `total`.\n"
        )

    def files(self, state: dict) -> dict:
        files = {
            "README.md": self.readme(state),
            "CHANGELOG.md": self.changelog(state),
            "pyproject.toml": f'[project]\nname = "{self.pkg}"\nversion = "{self.version}"\n'
            'requires-python = ">=3.9"\n',
            f"{self.pkg}/__init__.py": f'"""{self.pkg}: summary statistics."""\n\n'
            f'__version__ = "{self.version}"\n',
            f"{self.pkg}/{self.module}.py": self.module_source(state),
            "tests/__init__.py": "",
            "tests/test_basics.py": self.base_test(),
        }
        files.update(state["extra"])
        return files

    def base_test(self) -> str:
        sample = ", ".join(f'{{"{self.field}": {v}}}' for v in self.sample)
        return f"""import unittest

from {self.pkg}.{self.module} import METRICS, summarize

SAMPLE = [{sample}]


class BasicsTest(unittest.TestCase):
    def test_keys_match_metrics(self):
        self.assertEqual(sorted(summarize(SAMPLE)), sorted(METRICS))

    def test_count_and_total(self):
        stats = summarize(SAMPLE)
        self.assertEqual(stats["count"], {len(self.sample)})
        self.assertEqual(stats["total"], {sum(self.sample)})


if __name__ == "__main__":
    unittest.main()
"""

    def metric_test(self, metrics: list[str], rng: random.Random) -> str:
        values = [rng.randint(-5, 40) for _ in range(rng.randint(5, 7))]
        records = ", ".join(f'{{"{self.field}": {v}}}' for v in values)
        checks = "".join(
            f'        self.assertEqual(stats["{m}"], {metric_value(m, values)!r})\n'
            for m in metrics
        )
        name = "".join(part.title() for m in metrics for part in m.split("_"))
        return f"""import unittest

from {self.pkg}.{self.module} import summarize


class {name}Test(unittest.TestCase):
    def test_values(self):
        stats = summarize([{records}])
{checks}

if __name__ == "__main__":
    unittest.main()
"""

    def histogram_test(self) -> str:
        return f"""import unittest

from {self.pkg}.{self.module} import {self.histogram_name}


class HistogramTest(unittest.TestCase):
    def test_buckets(self):
        records = [{{"{self.field}": 3}}, {{"{self.field}": 7}}, {{"{self.field}": 12}}]
        self.assertEqual({self.histogram_name}(records, 5), {{0: 1, 5: 1, 10: 1}})


if __name__ == "__main__":
    unittest.main()
"""

    def missing_test(self) -> str:
        f = self.field
        return f"""import unittest

from {self.pkg}.{self.module} import summarize


class MissingValuesTest(unittest.TestCase):
    def test_records_without_values_are_skipped(self):
        stats = summarize([{{"{f}": 4}}, {{"{f}": None}}, {{"id": 9}}, {{"{f}": 6}}])
        self.assertEqual(stats["count"], 2)
        self.assertEqual(stats["total"], 10)
        self.assertEqual(stats["missing"], 2)


if __name__ == "__main__":
    unittest.main()
"""


def _clone(state: dict) -> dict:
    return {
        key: (list(value) if isinstance(value, list) else dict(value))
        if isinstance(value, (list, dict))
        else value
        for key, value in state.items()
    }


class _Clock:
    """Commit times: each tick advances by a random gap."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.rng, self.now = rng, start

    def tick(self) -> int:
        """Advance the clock by a random gap; the new time."""
        self.now += self.rng.randint(1800, 40000)
        return self.now


def _add_metrics(st: dict, metrics: list[str]) -> None:
    """Add metrics (and the helpers they need) to a state."""
    for m in metrics:
        st["metrics"].append(m)
        helper = METRIC_CODE[m][1]
        if helper and helper not in st["helpers"]:
            st["helpers"].append(helper)


@dataclass
class Drawn:
    """One task's package and theme, which metric goes where, and the shared base history."""

    pkg: str
    module: str
    noun: str
    field: str
    proj: Project
    repo: str
    people: list
    with_robust: bool
    with_second: bool
    main_metric: str
    f1_metric: str
    f2_metrics: list[str]
    h: History | None = None
    clock: _Clock | None = None
    fork: int = 0  # the commit every branch starts from
    base_state: dict | None = None


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the package, module and theme, and the metrics of main and of each branch."""
    pkg = rng.choice(PACKAGES)
    module = rng.choice(MODULES)
    noun, field = rng.choice(THEMES)
    proj = Project(rng, pkg, module, noun, field)
    repo = f"/app/{pkg}"
    people = rng.sample(PEOPLE, 5)
    with_robust = difficulty is not Difficulty.EASY
    with_second = difficulty is Difficulty.HARD

    pool = list(METRIC_CODE)
    rng.shuffle(pool)
    helpered = [m for m in pool if METRIC_CODE[m][1]]
    plain = [m for m in pool if not METRIC_CODE[m][1]]
    main_metric = plain.pop()
    f1_metric = (helpered if with_second else plain).pop()
    f2_metrics = [helpered.pop(), plain.pop()] if with_second else []
    if with_second:
        rng.shuffle(f2_metrics)
    return Drawn(
        pkg=pkg,
        module=module,
        noun=noun,
        field=field,
        proj=proj,
        repo=repo,
        people=people,
        with_robust=with_robust,
        with_second=with_second,
        main_metric=main_metric,
        f1_metric=f1_metric,
        f2_metrics=f2_metrics,
    )


def _base_history(rng: random.Random, d: Drawn) -> None:
    """The project's first commits, file by file, up to the fork point of every branch."""
    pkg, proj, people = d.pkg, d.proj, d.people
    h = History()
    d.h, d.clock = h, _Clock(rng, EPOCH + rng.randint(0, 400) * 86400)
    tick = d.clock.tick

    state = {
        "metrics": [],
        "helpers": [],
        "robust": False,
        "histogram": False,
        "sections": [],
        "changes": [],
        "extra": {},
    }
    # The project appears file by file: (message, paths that commit adds).
    base_steps = [
        ("Initial import of the summary module", [f"{pkg}/__init__.py", proj.path]),
        ("Add basic tests", ["tests/__init__.py", "tests/test_basics.py"]),
        ("Add README and changelog", ["README.md", "CHANGELOG.md"]),
        ("Add pyproject metadata", ["pyproject.toml"]),
    ]
    if rng.random() < 0.5:
        base_steps[2:] = [
            ("Add README, changelog and pyproject", base_steps[2][1] + ["pyproject.toml"])
        ]
    everything = proj.files(state)
    present: list[str] = []
    parent: list[int] = []
    for message, paths in base_steps:
        present += paths
        snapshot = {path: everything[path] for path in present}
        head = h.commit(snapshot, message, parent, rng.choice(people), tick())
        parent = [head]
    assert sorted(present) == sorted(everything)
    fork = parent[0]
    base_state = _clone(state)
    d.fork, d.base_state = fork, base_state


def _branches(rng: random.Random, d: Drawn) -> list[tuple[str, list]]:
    """The feature branches, each a list of (message, mutate) steps, in shuffled order."""
    proj, field, with_robust, with_second = d.proj, d.field, d.with_robust, d.with_second
    f1_metric, f2_metrics = d.f1_metric, d.f2_metrics
    add_metrics = _add_metrics
    # Each branch is a list of (message, mutate) steps applied to its own copy of the state.
    branches: list[tuple[str, list]] = []
    f1_name = f"feature/{f1_metric.replace('_', '-')}"
    f1_test = proj.metric_test([f1_metric], rng)
    f1_steps = [
        (f"Add {f1_metric} to summarize", lambda st: add_metrics(st, [f1_metric])),
    ]
    if with_robust:
        hist = proj.histogram_name

        def add_hist(st: dict) -> None:
            st["histogram"] = True
            st["sections"].append(
                f"## Histograms\n\n`{hist}(records, width)` counts values per bucket of "
                "`width`, keyed by the bucket's lower bound.\n"
            )
            st["extra"][f"tests/test_{hist}.py"] = proj.histogram_test()

        f1_steps.append((f"Add {hist}() for bucketed counts", add_hist))
    f1_steps += [
        (
            f"Document the {f1_metric} metric",
            lambda st: st["changes"].append(f"Add the `{f1_metric}` metric."),
        ),
        (
            f"Test {f1_metric}",
            lambda st, t=f1_test: st["extra"].__setitem__(f"tests/test_{f1_metric}.py", t),
        ),
    ]
    branches.append((f1_name, f1_steps))
    if with_second:
        m2, m3 = f2_metrics
        f2_test = proj.metric_test([m2, m3], rng)
        f2_steps = [
            (f"Add {m2} and {m3} metrics", lambda st: add_metrics(st, [m2, m3])),
            (
                "Describe the new metrics in the changelog",
                lambda st: st["changes"].append(f"Add the `{m2}` and `{m3}` metrics."),
            ),
            (
                f"Cover {m2} and {m3} with tests",
                lambda st, t=f2_test: st["extra"].__setitem__(f"tests/test_{m2}_{m3}.py", t),
            ),
        ]
        branches.append((f"feature/{m2}-{m3}".replace("_", "-"), f2_steps))
    if with_robust:
        robust_name = rng.choice(ROBUST_BRANCHES)

        def robust(st: dict) -> None:
            st["robust"] = True

        def robust_docs(st: dict) -> None:
            st["sections"].append(
                f"## Missing values\n\nRecords whose `{field}` is missing or `None` are "
                "skipped; `missing` counts them.\n"
            )
            st["changes"].append(f"Skip records without a `{field}` and report `missing`.")

        branches.append(
            (
                robust_name,
                [
                    (f"Skip records without a {field}", robust),
                    ("Document missing-value handling", robust_docs),
                    (
                        "Test records with missing values",
                        lambda st: st["extra"].__setitem__(
                            "tests/test_missing.py", proj.missing_test()
                        ),
                    ),
                ],
            )
        )
    rng.shuffle(branches)
    return branches


def _interleave(rng: random.Random, d: Drawn, branches: list[tuple[str, list]]):
    """Main's own steps, then every line's commits interleaved in time; the lines, tip states."""
    proj, people, main_metric, h, fork, base_state = (
        d.proj,
        d.people,
        d.main_metric,
        d.h,
        d.fork,
        d.base_state,
    )
    tick = d.clock.tick
    add_metrics = _add_metrics
    tips: dict[str, int] = {}
    tip_states: dict[str, dict] = {}
    # Main moves on too, with its own metric, in the same places.
    main_test = proj.metric_test([main_metric], rng)
    main_steps = [
        (
            f"Add {main_metric} metric",
            lambda st: (
                add_metrics(st, [main_metric]),
                st["changes"].append(f"Add the `{main_metric}` metric."),
            ),
        ),
        (
            f"Test {main_metric}",
            lambda st, t=main_test: st["extra"].__setitem__(f"tests/test_{main_metric}.py", t),
        ),
    ]
    work = [("main", main_steps)] + branches
    cursors = {name: fork for name, _ in work}
    states = {name: _clone(base_state) for name, _ in work}
    # Interleave the branches' commits in time, keeping each branch's own order.
    order: list[tuple[str, tuple]] = []
    pending = {name: list(steps) for name, steps in work}
    while any(pending.values()):
        name = rng.choice(sorted(n for n, s in pending.items() if s))
        order.append((name, pending[name].pop(0)))
    author_of = {name: people[i % len(people)] for i, (name, _) in enumerate(work)}
    for name, (message, mutate) in order:
        mutate(states[name])
        cursors[name] = h.commit(
            proj.files(states[name]), message, [cursors[name]], author_of[name], tick()
        )
    for name, _ in work:
        tips[name] = cursors[name]
        tip_states[name] = states[name]
        h.refs[f"refs/heads/{name}"] = cursors[name]
    return work, tip_states


def _ground_truth(
    rng: random.Random, d: Drawn, work, tip_states, branches
) -> tuple[dict, list[str]]:
    """Expected summaries and histograms on drawn records, changelog, README, kept files."""
    pkg, module, field, proj, repo, with_robust, h, fork = (
        d.pkg,
        d.module,
        d.field,
        d.proj,
        d.repo,
        d.with_robust,
        d.h,
        d.fork,
    )
    main_metric, f1_metric, f2_metrics = d.main_metric, d.f1_metric, d.f2_metrics
    all_metrics = ["count", "total", main_metric, f1_metric, *f2_metrics]
    if with_robust:
        all_metrics.append("missing")
    summaries, missing_cases = [], []
    for _ in range(3):
        values = [rng.randint(-10, 60) for _ in range(rng.randint(5, 11))]
        values.append(rng.choice(values))  # a repeat, so mode/distinct mean something
        rng.shuffle(values)
        summaries.append([{"id": i + 1, field: v} for i, v in enumerate(values)])
    if with_robust:
        for _ in range(2):
            records = []
            for i in range(rng.randint(6, 10)):
                kind = rng.random()
                if kind < 0.2:
                    records.append({"id": i + 1, field: None})
                elif kind < 0.3:
                    records.append({"id": i + 1})
                else:
                    records.append({"id": i + 1, field: rng.randint(-10, 60)})
            records.append({"id": 99, field: None})
            missing_cases.append(records)

    def summary_of(records: list[dict]) -> dict:
        values = [r[field] for r in records if r.get(field) is not None]
        out = {m: metric_value(m, values) for m in all_metrics if m != "missing"}
        if with_robust:
            out["missing"] = len(records) - len(values)
        return out

    histograms = []
    if with_robust:
        for records in [summaries[0], *missing_cases]:
            width = rng.choice([5, 10, 20])
            counts: dict[int, int] = {}
            for r in records:
                if r.get(field) is not None:
                    start = r[field] // width * width
                    counts[start] = counts.get(start, 0) + 1
            histograms.append(
                {
                    "records": records,
                    "width": width,
                    "expected": {str(k): v for k, v in sorted(counts.items())},
                }
            )

    changes = [e for name, _ in work for e in tip_states[name]["changes"]]
    readme_rows = [
        line
        for name, _ in work
        for line in proj.readme(tip_states[name]).splitlines()
        if line.startswith("- `")
    ]
    kept_files = {}
    for name, _ in work:
        for path, content in tip_states[name]["extra"].items():
            kept_files[path] = content
    for path in ("pyproject.toml", f"{pkg}/__init__.py", "tests/test_basics.py"):
        kept_files[path] = h.commits[fork].text(path)
    branch_names = [name for name, _ in branches]
    expected = {
        "repo": repo,
        "module": f"{pkg}.{module}",
        "module_path": f"{pkg}/{module}.py",
        "histogram": proj.histogram_name if with_robust else None,
        "old_main": h.sha("refs/heads/main"),
        "branches": {name: h.sha(f"refs/heads/{name}") for name in branch_names},
        "metrics": sorted(all_metrics),
        "summaries": [{"records": r, "expected": summary_of(r)} for r in summaries],
        "missing_cases": [{"records": r, "expected": summary_of(r)} for r in missing_cases],
        "histograms": histograms,
        "changelog_entries": [f"- {e}" for e in changes],
        "readme_rows": sorted(set(readme_rows)),
        "kept_files": {path: blob_id(c.encode()) for path, c in sorted(kept_files.items())},
    }
    return expected, branch_names


def _instruction(rng: random.Random, d: Drawn, branch_names: list[str]) -> str:
    """The task text: the branches to merge and the rules (shuffled)."""
    pkg, module, field, proj, repo, with_robust = (
        d.pkg,
        d.module,
        d.field,
        d.proj,
        d.repo,
        d.with_robust,
    )
    quoted = [f"`{b}`" for b in branch_names]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    rules = [
        "Merge with real merge commits (`main` as first parent, e.g. `git merge --no-ff`): "
        "every branch tip must become an ancestor of `main`. Do not rebase, squash, "
        "cherry-pick or amend existing commits, and leave the feature branches pointing "
        "where they are now.",
        f"Keep both sides of every conflict: `summarize` in `{pkg}/{module}.py` must return "
        "every metric added on `main` and on each branch, computed as that side computes "
        "it, and `METRICS` must list exactly the keys `summarize` returns (in any order).",
        "`CHANGELOG.md` must keep every entry from every side, each exactly once, and "
        "`README.md` must still describe every metric.",
        "No file may contain leftover conflict markers.",
        f"The project's tests must pass at the tip of `main` (run `python3 -m unittest "
        f"discover -s tests -t .` from `{repo}`); keep every test file from every side.",
    ]
    if with_robust:
        rules.append(
            f"The features must also work together: after the merge, records whose "
            f"`{field}` is missing or `None` are skipped by every function of the module, "
            f"including `{proj.histogram_name}` (`missing` still counts them)."
        )
    rng.shuffle(rules)
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(repo=repo),
            rng.choice(GOALS).format(branches=listed),
            "",
            "Rules:",
            *[f"- {rule}" for rule in rules],
            "",
            "Only what is committed on `main` is graded. Finish with `main` checked out and "
            "no merge in progress.",
        ]
    )
    return instruction


@register
class MergeFeatureBranches(TemplateFamily):
    name = "merge-feature-branches"
    domain = Domain.VERSION_CONTROL
    description = (
        "Merge conflicting feature branches into main with merge commits, keeping every "
        "feature working together."
    )

    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _base_history(rng, drawn)
        branches = _branches(rng, drawn)
        work, tip_states = _interleave(rng, drawn, branches)
        files, dockerfile = drawn.h.environment(drawn.repo, identity=drawn.people[0])
        expected, branch_names = _ground_truth(rng, drawn, work, tip_states, branches)
        instruction = _instruction(rng, drawn, branch_names)
        pkg, module, repo, with_robust = drawn.pkg, drawn.module, drawn.repo, drawn.with_robust
        solution = (
            self.asset("solve.sh")
            .replace("@REPO@", repo)
            .replace("@MODULE@", f"{pkg}/{module}.py")
            .replace("@BRANCHES@", " ".join(branch_names))
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            solution_files={"fixup.py": self.asset("fixup.py")},
            checker=self.asset("check.py"),
            test_files={
                "gitcheck.py": self.asset("../_common/gitcheck.py"),
                "harness.py": self.asset("harness.py"),
            },
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["git", "merge", "merge-conflict", "python"]
            + (["semantic-conflict"] if with_robust else []),
        )
