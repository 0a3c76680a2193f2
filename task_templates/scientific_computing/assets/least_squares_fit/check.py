"""Grade the fit report against the least-squares optimum the generator computed."""

import math
import os
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text  # noqa: E402

truth = expected()
checks = Checks()
report = {}


def num(value):
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} is not finite")
    return value


def rel(got, want, rtol):
    return abs(num(got) - want) <= rtol * abs(want)


def param_ok(got, want, sigma, rtol, frac):
    """Within `frac` of the parameter's standard error, or within relative `rtol`."""
    return abs(num(got) - want) <= max(rtol * abs(want), frac * sigma)


def load():
    data = read_json(truth["output"])
    if not isinstance(data, dict):
        return False, "not a JSON object"
    report.update(data)
    return True


def coefficients():
    got = report["coefficients"]
    want = truth["coefficients"]
    if len(got) != len(want):
        return False, f"{len(got)} coefficients, expected {len(want)}"
    bad = [
        i
        for i, (g, w, s) in enumerate(zip(got, want, truth["coef_sigma"], strict=True))
        if not param_ok(g, w, s, 1e-6, 1e-4)
    ]
    return not bad, f"coefficients c{bad} are off"


def named(section, values, sigmas, rtol, frac):
    def check():
        got = section()
        bad = [
            n
            for n, w, s in zip(truth["names"], values, sigmas, strict=True)
            if not param_ok(got[n], w, s, rtol, frac)
        ]
        return not bad, f"off: {bad}"

    return check


def relative_all(section, values, rtol):
    def check():
        got = section()
        bad = [n for n, w in zip(truth["names"], values, strict=True) if not rel(got[n], w, rtol)]
        return not bad, f"off: {bad}"

    return check


if checks.run("report is a JSON object", load):
    level = truth["level"]
    if level == "easy":
        checks.run("coefficients", coefficients)
        checks.run("rmse", lambda: rel(report["rmse"], truth["rmse"], 1e-6))
        checks.run("r_squared", lambda: rel(report["r_squared"], truth["r_squared"], 1e-6))
    elif level == "medium":
        checks.run(
            "params",
            named(lambda: report["params"], truth["params"], truth["errors"], 1e-6, 1e-4),
        )
        checks.run("errors", relative_all(lambda: report["errors"], truth["errors"], 1e-5))
        checks.run("chi2", lambda: rel(report["chi2"], truth["chi2"], 1e-5))
        checks.run("reduced_chi2", lambda: rel(report["reduced_chi2"], truth["reduced_chi2"], 1e-5))
        checks.run("n_used", lambda: report["n_used"] == truth["n_used"])
        checks.run("dof", lambda: report["dof"] == truth["dof"])
    else:
        for label, run in sorted(truth["runs"].items()):
            entry = lambda label=label: report[label]  # noqa: E731
            checks.run(
                f"run {label}: params",
                named(lambda e=entry: e()["params"], run["params"], run["errors"], 1e-7, 1e-3),
            )
            checks.run(
                f"run {label}: errors",
                relative_all(lambda e=entry: e()["errors"], run["errors"], 1e-4),
            )
            checks.run(
                f"run {label}: chi2_dof",
                lambda e=entry, r=run: rel(e()["chi2_dof"], r["chi2_dof"], 1e-4),
            )
            checks.run(f"run {label}: n_used", lambda e=entry, r=run: e()["n_used"] == r["n_used"])
            checks.run(
                f"run {label}: n_outliers",
                lambda e=entry, r=run: e()["n_outliers"] == r["n_outliers"],
            )
        checks.run("no extra runs reported", lambda: sorted(report) == sorted(truth["runs"]))


def inputs_unchanged():
    if truth["level"] != "hard":
        return read_text(truth["data"]) == truth["data_text"]
    names = sorted(os.listdir(truth["data_dir"]))
    if names != sorted(truth["data_files"]):
        return False, f"files now {names}"
    bad = [
        n
        for n, text in truth["data_files"].items()
        if read_text(os.path.join(truth["data_dir"], n)) != text
    ]
    return not bad, f"modified: {bad}"


checks.run("input data left unchanged", inputs_unchanged)
checks.finish()
