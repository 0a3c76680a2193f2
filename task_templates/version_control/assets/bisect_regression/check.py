"""Grade the bisect answer against the culprit the generator planted, and the optional revert."""

import json
import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from gitcheck import Repo  # noqa: E402
from verifier_kit import Checks, expected, read_text, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
repo = Repo(truth["repo"])
answer = []


def answer_file():
    lines = read_text(truth["output"]).strip("\n").split("\n")
    answer.extend(line.strip() for line in lines)
    return len(lines) == 2, f"expected 2 lines, found {len(lines)}"


def bisect_finished():
    head = repo.head_ref()
    bisecting = os.path.exists(os.path.join(truth["repo"], ".git", "BISECT_START"))
    return head == "refs/heads/main" and not bisecting, f"HEAD={head} bisecting={bisecting}"


def tags_untouched():
    moved = [t for t, sha in truth["tags"].items() if repo.ref_target(t) != sha]
    return not moved, f"moved or deleted: {moved}"


def revert_commit():
    info = repo.commit(repo.rev("refs/heads/main"))
    return info["parents"] == [truth["main_tip"]], (
        f"main must be exactly one new commit on top of {truth['main_tip']}"
    )


def revert_message():
    info = repo.commit(repo.rev("refs/heads/main"))
    first = info["message"].split("\n", 1)[0]
    return first == f'Revert "{truth["bad_subject"]}"', f"subject is {first!r}"


def revert_tree():
    info = repo.commit(repo.rev("refs/heads/main"))
    return info["tree"] == truth["revert_tree"], "the revert must undo exactly the culprit"


def helpers_behave():
    work = tempfile.mkdtemp(prefix="bisect-check-")
    try:
        os.chmod(work, 0o755)
        tree = os.path.join(work, "tree")
        repo.export("refs/heads/main", tree)
        shutil.copy("/tests/callharness.py", os.path.join(work, "harness.py"))
        os.chmod(os.path.join(work, "harness.py"), 0o644)
        calls = [{k: c[k] for k in ("module", "name", "args")} for c in truth["calls"]]
        code, out, err = run_agent_code(
            ["python3", "-I", "-S", os.path.join(work, "harness.py"), tree],
            input=json.dumps({"calls": calls}),
            cwd=work,
            timeout=60,
        )
        results = json.loads(out.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bad = [
        (c["name"], c["args"], r)
        for c, r in zip(truth["calls"], results, strict=False)
        if r != {"ok": c["expected"]}
    ]
    return not bad and len(results) == len(calls), f"wrong: {bad[:4]}"


if checks.run("answer file has two lines", answer_file):
    checks.run(
        "first line is the culprit's full hash", lambda: answer[0].lower() == truth["bad_commit"]
    )
    checks.run("second line is the culprit's subject", lambda: answer[1] == truth["bad_subject"])
checks.run("bisect finished, main checked out", bisect_finished)
checks.run("tags untouched", tags_untouched)
if truth["revert"]:
    checks.run("exactly one commit added on top of main", revert_commit)
    checks.run("it is git's revert of the culprit", revert_message)
    checks.run("the revert undoes exactly the culprit", revert_tree)
    checks.run("every helper behaves at the new tip", helpers_behave)
else:
    checks.run("main left at its commit", lambda: repo.rev("refs/heads/main") == truth["main_tip"])
checks.finish()
