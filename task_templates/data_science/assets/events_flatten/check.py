"""Grade the flattened events and the summary against the canonical events the generator drew."""

import csv
import hashlib
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json  # noqa: E402

truth = expected()
checks = Checks()
table = []


def load_csv():
    with open(truth["csv"], newline="", encoding="utf-8") as fh:
        table.extend(csv.reader(fh))
    return bool(table)


def rows_match():
    got = table[1:]
    if len(got) != len(truth["rows"]):
        return False, f"{len(got)} rows, expected {len(truth['rows'])}"
    wrong = [i for i, (g, w) in enumerate(zip(got, truth["rows"], strict=True)) if g != w]
    return not wrong, f"{len(wrong)} rows differ, first at data row {wrong[:1]}"


def same_ids():
    return sorted(r[0] for r in table[1:]) == sorted(r[0] for r in truth["rows"])


def inputs_unchanged():
    for path, digest in truth["inputs"].items():
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != digest:
                return False, f"{path} changed"
    return True


if checks.run("events.csv is readable CSV", load_csv):
    checks.run("header", lambda: (table[0] == truth["header"], f"got {table[0]}"))
    checks.run("the right set of event ids (deduplicated, broken lines skipped)", same_ids)
    checks.run("every row normalised and sorted", rows_match)
summary = {}
if checks.run(
    "summary.json is a JSON object",
    lambda: summary.update(read_json(truth["summary_path"])) or True,
):
    for key in ("events", "users", "invalid_lines", "duplicates", "by_type"):
        checks.run(
            f"summary {key}",
            lambda key=key: (
                summary.get(key) == truth["summary"][key],
                f"got {summary.get(key)!r}",
            ),
        )
checks.run("inputs left unchanged", inputs_unchanged)
checks.finish()
