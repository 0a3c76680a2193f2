"""Grade the repaired library: tests untouched, pristine suite green, hidden cases right.

The visible suite and the hidden cases run as `nobody` against a scratch copy of the agent's
package; the hidden runner only reports outcomes, which are compared here, function by
function, with the values the generator computed from the correct implementations.
"""

import json
import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import Checks, close, expected, read_json, read_text, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
pkg = truth["package"]
ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def tests_unchanged():
    changed = [p for p, text in truth["tests"].items() if read_text(f"/app/{p}") != text]
    extra = sorted(
        set(f"tests/{n}" for n in os.listdir("/app/tests") if n.endswith(".py"))
        - set(truth["tests"])
    )
    return not changed and not extra, f"changed: {changed}, added: {extra}"


def scratch():
    work = tempfile.mkdtemp(prefix="pybugs-")
    shutil.copytree(
        f"/app/{pkg}", os.path.join(work, pkg), ignore=shutil.ignore_patterns("__pycache__")
    )
    os.makedirs(os.path.join(work, "tests"))
    for path, text in truth["tests"].items():
        with open(os.path.join(work, path), "w") as fh:
            fh.write(text)
    shutil.copy("/tests/hidden_cases.json", os.path.join(work, "cases.json"))
    shutil.copy("/tests/hidden_runner.py", os.path.join(work, "runner.py"))
    for root, dirs, files in os.walk(work):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o777 if name in dirs else 0o666)
    os.chmod(work, 0o777)
    return work


def suite_passes(work):
    def check():
        code, out, err = run_agent_code(
            ["python3", "-m", "unittest", "discover", "-s", "tests"],
            timeout=120,
            cwd=work,
            env=ENV,
        )
        tail = (err or out)[-400:]
        ran = f"Ran {truth['n_tests']} test"
        return code == 0 and ran in err and "skipped" not in err, f"exit {code}: {tail}"

    return check


def same(got, want):
    if isinstance(want, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and close(got, want, 1e-9)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(same, got, want))
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(same(got[k], want[k]) for k in want)
        )
    return type(got) is type(want) and got == want


if checks.run("visible test files unchanged", tests_unchanged) and os.path.isdir(f"/app/{pkg}"):
    work = scratch()
    checks.run("pristine copy of the visible suite passes", suite_passes(work))
    code, _, err = run_agent_code(
        ["python3", "runner.py", pkg, "cases.json", "results.json"], timeout=240, cwd=work, env=ENV
    )
    try:
        results = read_json(os.path.join(work, "results.json"))
    except (OSError, ValueError):
        results = [{"error": f"hidden runner failed (exit {code}): {err[-200:]}"}] * len(
            truth["cases"]
        )
    for func in truth["functions"]:
        mine = [(c, r) for c, r in zip(truth["cases"], results, strict=False) if c["func"] == func]

        def check(mine=mine, func=func):
            for case, got in mine:
                want_raise = "raises" in case
                ok = (
                    ("raises" in got)
                    if want_raise
                    else ("value" in got and same(got["value"], case["value"]))
                )
                if not ok:
                    shown = json.dumps(case["args"])[:120]
                    want = "ValueError" if want_raise else json.dumps(case["value"])[:120]
                    return False, f"{func}(*{shown}): want {want}, got {json.dumps(got)[:160]}"
            return True, f"{len(mine)} cases"

        checks.run(f"hidden cases: {func}", check)
    shutil.rmtree(work, ignore_errors=True)
checks.finish()
