"""Run the agent's CSV tool on hidden data sets; compare stdout and exit codes to the spec's.

Every feature group is one named check, so a partial implementation shows exactly which parts
of the spec it misses. The tool runs as `nobody` in a scratch folder holding only the hidden
CSV files (never the files under /tests).
"""

import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
tool = truth["tool"]
prog = os.path.basename(tool)


def executable():
    return os.path.isfile(tool) and os.access(tool, os.X_OK), f"{tool} is not an executable file"


def scratch():
    """A world-readable folder holding copies of the hidden data sets."""
    work = tempfile.mkdtemp(prefix="cli-cases-")
    for name in truth["datasets"]:
        shutil.copy(os.path.join("/tests/cli_data", name), os.path.join(work, name))
        os.chmod(os.path.join(work, name), 0o644)
    os.chmod(work, 0o755)
    return work


def run_group(work, cases):
    def check():
        for case in cases:
            code, out, err = run_agent_code(
                [tool, *case["args"]], timeout=15, input=case["stdin"] or "", cwd=work
            )
            shown = " ".join(case["args"])
            if code is None:
                return False, f"`{prog} {shown}` timed out"
            if code != case["code"]:
                return False, f"`{prog} {shown}`: exit code {code}, want {case['code']}"
            if out != case["stdout"]:
                return False, (
                    f"`{prog} {shown}`: stdout differs; want {case['stdout'][:160]!r}, "
                    f"got {out[:160]!r}"
                )
            if case["code"] != 0 and not err.startswith(f"{prog}: "):
                return (
                    False,
                    f"`{prog} {shown}`: stderr must start with '{prog}: ', got {err[:80]!r}",
                )
        return True, f"{len(cases)} cases"

    return check


if checks.run("tool installed and executable", executable):
    work = scratch()
    for group, cases in truth["groups"].items():
        checks.run(f"{group} ({len(cases)} cases)", run_group(work, cases))
    shutil.rmtree(work, ignore_errors=True)
checks.run(
    "sample data left unchanged",
    lambda: read_text(truth["sample_path"]) == truth["sample_text"],
)
checks.finish()
