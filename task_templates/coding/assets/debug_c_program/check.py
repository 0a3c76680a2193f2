"""Rebuild the repaired C program from a clean copy of its sources and run it on hidden inputs.

The build (`make`) and every run happen as `nobody` in a scratch folder holding only the `.c`,
`.h` and make files the agent left in the project folder, so stale objects or a binary built
from other sources cannot stand in for the code. Outputs are compared byte for byte with the
reports the generator computed from its model of the specification.
"""

import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import Checks, expected, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
project, binary = truth["project"], truth["binary"]
MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}
work = tempfile.mkdtemp(prefix="cdebug-")
os.chmod(work, 0o777)


def copy_sources():
    names = sorted(
        n
        for n in os.listdir(project)
        if os.path.isfile(os.path.join(project, n))
        and (n.endswith((".c", ".h", ".mk")) or n in MAKEFILES)
    )
    for name in names:
        shutil.copy(os.path.join(project, name), os.path.join(work, name))
        os.chmod(os.path.join(work, name), 0o666)
    has_c = any(n.endswith(".c") for n in names)
    return has_c and any(n in MAKEFILES for n in names), f"copied {names}"


def build():
    code, out, err = run_agent_code(["make"], timeout=180, cwd=work)
    path = os.path.join(work, binary)
    return code == 0 and os.path.isfile(path), f"make exit {code}: {(err or out)[-400:]}"


def elf():
    with open(os.path.join(work, binary), "rb") as fh:
        return fh.read(4) == b"\x7fELF", "the built program is not an ELF executable"


def run_case(case):
    def check():
        code, out, err = run_agent_code([f"./{binary}"], timeout=20, input=case["stdin"], cwd=work)
        if code != 0:
            return False, f"exit status {code}; stderr {err[-200:]!r}"
        if out != case["stdout"]:
            want, got = case["stdout"].splitlines(), out.splitlines()
            for i, (w, g) in enumerate(zip(want, got, strict=False)):
                if w != g:
                    return False, f"line {i + 1}: want {w!r}, got {g!r}"
            return False, f"want {len(want)} lines, got {len(got)}"
        return True

    return check


if (
    checks.run("project has C sources and a Makefile", copy_sources)
    and checks.run("clean `make` builds the program", build)
    and checks.run("the program is a compiled ELF binary", elf)
):
    for case in truth["cases"]:
        checks.run(case["name"], run_case(case))


def samples_unchanged():
    changed = []
    for path, text in truth["samples"].items():
        with open(os.path.join(os.path.dirname(project), path), "rb") as fh:
            if fh.read() != text.encode():
                changed.append(path)
    return not changed, f"changed: {changed}"


checks.run("sample files left unchanged", samples_unchanged)
shutil.rmtree(work, ignore_errors=True)
checks.finish()
