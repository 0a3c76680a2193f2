"""Grade the answers against the values the generator computed from the same rows."""

import sqlite3
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json  # noqa: E402

truth = expected()
checks = Checks()
answers = {}


def load():
    answers.update(read_json(truth["output"]))
    return isinstance(answers, dict)


def matches(kind, got, want):
    if kind == "number":
        return (
            isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - want) <= 0.011
        )
    if kind == "integer":
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    return got == want


def untouched():
    db = sqlite3.connect(f"file:{truth['database']}?mode=ro", uri=True)
    counts = {
        table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in truth["row_counts"]
    }
    return counts == truth["row_counts"], f"row counts now {counts}"


if checks.run("answers file is a JSON object", load):
    checks.run(
        "exactly the asked question ids", lambda: sorted(answers) == sorted(truth["answers"])
    )
    for qid, spec in sorted(truth["answers"].items(), key=lambda item: int(item[0][1:])):
        checks.run(
            f"{qid} ({spec['kind']})",
            lambda qid=qid, spec=spec: (
                matches(spec["kind"], answers.get(qid), spec["value"]),
                f"got {answers.get(qid)!r}",
            ),
        )
checks.run("database unchanged", untouched)
checks.finish()
