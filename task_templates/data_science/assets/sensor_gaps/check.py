"""Grade the sensor audit against the series the generator drew (before damaging them)."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text  # noqa: E402

truth = expected()
checks = Checks()
report = {}


def load():
    report.update(read_json(truth["report"]))
    return True


def field_check(field, exact=True):
    def compare():
        wrong = []
        for sensor, want in truth["sensors"].items():
            got = report.get(sensor, {}).get(field)
            ok = (
                got == want[field]
                if exact
                else isinstance(got, (int, float)) and abs(got - want[field]) <= 0.0011
            )
            if not ok:
                wrong.append(f"{sensor}: {got!r} != {want[field]!r}")
        return not wrong, "; ".join(wrong[:3])

    return compare


if checks.run("report is a JSON object", load):
    checks.run("one entry per sensor", lambda: sorted(report) == sorted(truth["sensors"]))
    checks.run("valid counts", field_check("valid"))
    checks.run("invalid counts", field_check("invalid"))
    checks.run("means", field_check("mean", exact=False))
    checks.run("minima", field_check("min", exact=False))
    checks.run("maxima", field_check("max", exact=False))
    checks.run("outages", field_check("gaps"))
checks.run("readings left unchanged", lambda: read_text(truth["csv"]) == truth["csv_text"])
checks.finish()
