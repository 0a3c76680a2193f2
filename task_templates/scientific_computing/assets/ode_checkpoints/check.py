"""Grade the ODE table (and, above easy, the event summary) against the generator's truth."""

import math
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text  # noqa: E402

truth = expected()
checks = Checks()
table = {"rows": []}
summary = {}


def near(got, want, rtol, atol):
    got = float(got)
    return math.isfinite(got) and abs(got - float(want)) <= max(rtol * abs(float(want)), atol)


def load_csv():
    lines = [ln for ln in read_text(truth["csv"]).splitlines() if ln.strip()]
    header = [h.strip() for h in lines[0].split(",")]
    if header != truth["columns"]:
        return False, f"header {header} != {truth['columns']}"
    rows = [[float(x) for x in ln.split(",")] for ln in lines[1:]]
    if any(len(r) != len(header) for r in rows):
        return False, "a row has the wrong number of fields"
    table["rows"] = rows
    return True


def times_match():
    want = [r[0] for r in truth["rows"]]
    got = [r[0] for r in table["rows"]]
    if len(got) != len(want):
        return False, f"{len(got)} rows, expected {len(want)}"
    bad = [w for g, w in zip(got, want, strict=True) if not near(g, w, 1e-7, truth["time_tol"])]
    return not bad, f"unexpected or misordered times near {bad[:3]}"


def column_ok(col):
    def check():
        worst = None
        for got, want in zip(table["rows"], truth["rows"], strict=True):
            if not near(got[col], want[col], truth["rtol"], truth["atol"]):
                worst = worst or (want[0], got[col], want[col])
        if worst:
            return False, f"at t={worst[0]} got {worst[1]} (tolerance exceeded)"
        return True

    return check


if checks.run("csv has the required header and numeric rows", load_csv) and checks.run(
    "one row per output time, in order", times_match
):
    for col, name in enumerate(truth["columns"][1:], 1):
        checks.run(f"values of {name} within tolerance", column_ok(col))


def load_json():
    data = read_json(truth["json"])
    if not isinstance(data, dict):
        return False, "not a JSON object"
    summary.update(data)
    return True


if truth["level"] == "medium" and checks.run("summary is a JSON object", load_json):
    checks.run(
        "event_time",
        lambda: near(summary["event_time"], truth["event_time"], 0, truth["event_time_tol"]),
    )

    def event_state():
        got = summary["event_state"]
        bad = [
            k
            for k, v in truth["event_state"].items()
            if not near(got[k], v, truth["event_rtol"], truth["event_rtol"])
        ]
        return not bad and set(got) == set(truth["event_state"]), f"wrong state for {bad}"

    checks.run("event_state", event_state)

if truth["level"] == "hard" and checks.run("summary is a JSON object", load_json):
    checks.run(
        "half_time",
        lambda: near(summary["half_time"], truth["half_time"], truth["half_time_rtol"], 0),
    )
    for species, peak in sorted(truth["peaks"].items()):
        checks.run(
            f"peak value of {species}",
            lambda s=species, p=peak: near(
                summary["peaks"][s]["value"], p["value"], truth["peak_value_rtol"], 0
            ),
        )
        checks.run(
            f"peak time of {species}",
            lambda s=species, p=peak: near(
                summary["peaks"][s]["time"], p["time"], truth["peak_time_rtol"], 0
            ),
        )

checks.run("spec file left unchanged", lambda: read_text(truth["spec"]) == truth["spec_text"])
checks.finish()
