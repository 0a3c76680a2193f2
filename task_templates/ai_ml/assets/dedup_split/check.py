"""Verify the clean splits: exact survivors, unchanged rows, stated split properties, report."""

import csv
import json
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text  # noqa: E402

truth = expected()
checks = Checks()
out_dir, fmt, rows = truth["out_dir"], truth["format"], truth["rows"]
ext = ".csv" if fmt == "csv" else ".jsonl"
fields = ["id", "text", "label"] + (["user"] if fmt == "jsonl" else [])
splits = {}


def load_split(name):
    path = f"{out_dir}/{name}{ext}"
    records = []
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            if header != fields:
                raise ValueError(f"{path}: header {header} != {fields}")
            for row in reader:
                if row:
                    records.append(
                        dict(zip(fields, row, strict=True)) if len(row) == 3 else {"bad": row}
                    )
    else:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    obj = json.loads(line)
                    if not isinstance(obj, dict) or sorted(obj) != sorted(fields):
                        raise ValueError(f"{path}: object with keys {sorted(obj)}")
                    if isinstance(obj["id"], bool) or not isinstance(obj["id"], int):
                        raise ValueError(f"{path}: id {obj['id']!r} is not an integer")
                    obj["id"] = str(obj["id"])
                    records.append(obj)
    if any("bad" in r for r in records):
        raise ValueError(f"{path}: a row without exactly 3 fields")
    splits[name] = records
    return True


def ids(name):
    return [r["id"] for r in splits[name]]


def no_repeats():
    every = [i for name in splits for i in ids(name)]
    return len(every) == len(set(every)), f"{len(every) - len(set(every))} repeated ids"


def survivors():
    want = set()
    for group in truth["pool"].values():
        want |= set(group)
    for exact in truth["splits"].values():
        if exact is not None:
            want |= set(exact)
    got = {i for name in splits for i in ids(name)}
    missing, extra = sorted(want - got), sorted(got - want)
    return not missing and not extra, f"missing {missing[:5]}, should not be kept {extra[:5]}"


def exact_split(name, want):
    def run():
        got = set(ids(name))
        return got == set(want), f"{len(got ^ set(want))} ids differ"

    return run


def pool_split(names, want):
    def run():
        got = {i for n in names for i in ids(n)}
        return got == set(want), f"{len(got ^ set(want))} ids differ"

    return run


def unchanged_rows():
    bad = []
    for name in splits:
        for r in splits[name]:
            src = rows.get(r["id"])
            if src is None or any(r[f] != src[f] for f in fields if f != "id"):
                bad.append(r["id"])
    return not bad, f"rows differing from their source: {bad[:5]}"


def exact_counts(name, want):
    def run():
        got = {}
        for r in splits[name]:
            got[r["label"]] = got.get(r["label"], 0) + 1
        got = {label: got.get(label, 0) for label in want} | got
        return got == want, f"{name} label counts {got} != {want}"

    return run


def users_together():
    where = {}
    for name in splits:
        for r in splits[name]:
            where.setdefault(r["user"], set()).add(name)
    split_users = sorted(u for u, s in where.items() if len(s) > 1)
    return not split_users, f"users in both splits: {split_users[:5]}"


def test_share():
    total = sum(len(v) for v in splits.values())
    share = len(splits["test"]) / total
    lo, hi = truth["test_share"]
    return lo <= share <= hi, f"test share {share:.4f} outside [{lo}, {hi}]"


def class_shares():
    lo, hi = truth["class_test_share"]
    bad = []
    labels = sorted({r["label"] for v in splits.values() for r in v})
    for label in labels:
        total = sum(r["label"] == label for v in splits.values() for r in v)
        share = sum(r["label"] == label for r in splits["test"]) / total
        if not lo <= share <= hi:
            bad.append(f"{label}: {share:.3f}")
    return not bad, f"label test shares outside [{lo}, {hi}]: {bad}"


report = {}


def load_report():
    data = read_json(f"{out_dir}/report.json")
    report.update(data if isinstance(data, dict) else {})
    return isinstance(data, dict) and sorted(data) == sorted(truth["report"]), (
        f"keys {sorted(data) if isinstance(data, dict) else data} != {sorted(truth['report'])}"
    )


def report_fixed():
    bad = {
        k: (report.get(k), v)
        for k, v in truth["report"].items()
        if v is not None and not (isinstance(report.get(k), int) and report.get(k) == v)
    }
    return not bad, f"(got, want): {bad}"


def report_matches_files():
    bad = {}
    for name in splits:
        if report.get(f"{name}_rows") != len(splits[name]):
            bad[f"{name}_rows"] = (report.get(f"{name}_rows"), len(splits[name]))
    return not bad, f"(report, file rows): {bad}"


loaded = all(
    checks.run(f"{name}{ext} parses in the stated format", lambda n=name: load_split(n))
    for name in truth["splits"]
)
if loaded:
    checks.run("no id appears twice across the splits", no_repeats)
    checks.run("exactly the surviving samples are kept", survivors)
    for name, want in truth["splits"].items():
        if want is not None:
            checks.run(f"{name} holds exactly the frozen test samples", exact_split(name, want))
    for names, want in truth["pool"].items():
        checks.run(
            f"{' + '.join(names.split('+'))} hold exactly the remaining samples",
            pool_split(names.split("+"), want),
        )
    checks.run("kept rows are copied unchanged", unchanged_rows)
    for name, want in truth["exact_counts"].items():
        checks.run(f"{name} has the exact per-label counts", exact_counts(name, want))
    if truth["level"] == "hard":
        checks.run("no user straddles train and test", users_together)
        checks.run("test share of all kept rows within bounds", test_share)
        checks.run("test share of every label within bounds", class_shares)
    if checks.run("report.json has exactly the required fields", load_report):
        checks.run("report counts of the input", report_fixed)
        checks.run("report row counts match the files", report_matches_files)
checks.run(
    "input files unchanged",
    lambda: all(read_text(path) == text for path, text in truth["inputs"].items()),
)
checks.finish()
