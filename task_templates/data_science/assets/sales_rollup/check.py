"""Grade the sales rollup against the totals the generator computed from the clean orders."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text  # noqa: E402

truth = expected()
checks = Checks()
out = {}


def load():
    out.update(read_json(truth["output"]))
    return True


def totals_match():
    got = out["totals"]
    bad = [r for r, v in truth["totals"].items() if abs(float(got[r]) - v) > 0.011]
    return not bad, f"wrong totals for {bad}"


if checks.run("output is a JSON object", load):
    checks.run("exactly the expected regions", lambda: set(out["totals"]) == set(truth["totals"]))
    checks.run("every region total within 0.01", totals_match)
    checks.run("invalid_rows", lambda: out["invalid_rows"] == truth["invalid_rows"])
    if truth["duplicate_rows"] is not None:
        checks.run("duplicate_rows", lambda: out["duplicate_rows"] == truth["duplicate_rows"])
    checks.run("top_region", lambda: out["top_region"] == truth["top_region"])
checks.run("input left unchanged", lambda: read_text(truth["input"]) == truth["input_text"])
checks.finish()
