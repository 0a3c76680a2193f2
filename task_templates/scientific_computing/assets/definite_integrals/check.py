"""Grade the integral table against the closed-form values the generator computed."""

import math
import sys

sys.path.append("/tests")
from verifier_kit import Checks, close, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
got = {}
order = []


def load():
    lines = [ln.strip() for ln in read_text(truth["output"]).splitlines() if ln.strip()]
    if [h.strip() for h in lines[0].split(",")] != ["id", "value"]:
        return False, f"header is {lines[0]!r}, expected 'id,value'"
    for line in lines[1:]:
        ident, value = (field.strip() for field in line.split(","))
        if ident in got:
            return False, f"{ident} appears twice"
        got[ident] = float(value)
        order.append(ident)
    return True


def same_ids():
    if order != truth["ids"]:
        return False, f"ids {order[:6]}... differ from the input's {truth['ids'][:6]}..."
    return True


def value_ok(ident):
    def check():
        value = got[ident]
        want = truth["values"][ident]
        ok = math.isfinite(value) and close(value, want, truth["tolerance"])
        return ok, f"{ident}: got {value!r}, off by more than the tolerance"

    return check


if checks.run("output is a CSV with header id,value", load):
    checks.run("one row per integral, in input order", same_ids)
    for ident in truth["ids"]:
        checks.run(f"value of {ident}", value_ok(ident))
checks.run("input left unchanged", lambda: read_text(truth["input"]) == truth["input_text"])
checks.finish()
