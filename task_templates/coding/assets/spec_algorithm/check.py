"""Run the agent's program on the hidden cases of its algorithm; compare stdout and exit codes.

Cases are grouped by feature of the spec, one named check per group. The program runs as
`nobody` in an empty scratch folder, with the case's input on stdin and a per-case timeout.
"""

import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import Checks, expected, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
tool = truth["tool"]
prog = os.path.basename(tool)


def executable():
    return os.path.isfile(tool) and os.access(tool, os.X_OK), f"{tool} is not an executable file"


def run_group(work, cases):
    def check():
        for case in cases:
            code, out, _ = run_agent_code(
                [tool, *case["args"]], timeout=15, input=case["stdin"], cwd=work
            )
            shown = " ".join(case["args"]) or "(no arguments)"
            if code is None:
                return False, f"`{prog} {shown}` timed out; stdin {case['stdin'][:80]!r}"
            if code != case["code"] or out != case["stdout"]:
                return False, (
                    f"`{prog} {shown}` with stdin {case['stdin'][:100]!r}: want exit "
                    f"{case['code']} and {case['stdout'][:150]!r}, got exit {code} and "
                    f"{out[:150]!r}"
                )
        return True, f"{len(cases)} cases"

    return check


if checks.run("program installed and executable", executable):
    work = tempfile.mkdtemp(prefix="algo-cases-")
    os.chmod(work, 0o755)
    for group, cases in truth["groups"].items():
        checks.run(f"{group} ({len(cases)} cases)", run_group(work, cases))
    shutil.rmtree(work, ignore_errors=True)
checks.finish()
