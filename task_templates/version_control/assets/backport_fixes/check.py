"""Grade the backport: exactly the right fixes, in order, with -x, and the exact release tree."""

import json
import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from gitcheck import Repo  # noqa: E402
from verifier_kit import Checks, expected, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
repo = Repo(truth["repo"])
ref = f"refs/heads/{truth['branch']}"
tip = repo.rev(ref)
state = {}


def added_commits():
    shas = repo.rev_list("--reverse", f"{truth['base']}..{tip}")
    state["commits"] = [repo.commit(sha) for sha in shas]
    return repo.is_ancestor(truth["base"], tip), f"{truth['branch']} must build on {truth['base']}"


def linear():
    merges = [c for c in state["commits"] if len(c["parents"]) != 1]
    return not merges, f"{len(merges)} merge commits"


def right_fixes_in_order():
    got = [c["message"].split("\n", 1)[0] for c in state["commits"]]
    want = [p["subject"] for p in truth["picks"]]
    return got == want, f"backported {got}, expected {want}"


def recorded_origin():
    bad = [
        p["subject"]
        for c, p in zip(state["commits"], truth["picks"], strict=False)
        if f"(cherry picked from commit {p['origin']})" not in c["message"]
    ]
    ok = len(state["commits"]) == len(truth["picks"]) and not bad
    return ok, f"missing `cherry picked from` lines: {bad}"


def release_files():
    files = repo.tree(tip)
    want = truth["files"]
    skip = truth["conflicted"]
    extra = sorted(set(files) - set(want))
    missing = sorted(set(want) - set(files))
    wrong = [p for p in want if p in files and p != skip and files[p][1] != want[p]]
    return not (extra or missing or wrong), f"extra {extra} missing {missing} differ {wrong}"


def run_calls(calls):
    work = tempfile.mkdtemp(prefix="backport-check-")
    try:
        os.chmod(work, 0o755)
        tree = os.path.join(work, "tree")
        repo.export(tip, tree)
        shutil.copy("/tests/callharness.py", os.path.join(work, "harness.py"))
        os.chmod(os.path.join(work, "harness.py"), 0o644)
        code, out, err = run_agent_code(
            ["python3", "-I", "-S", os.path.join(work, "harness.py"), tree],
            input=json.dumps({"calls": calls}),
            cwd=work,
            timeout=60,
        )
        return json.loads(out.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def behaviour():
    calls = [{k: c[k] for k in ("module", "name", "args")} for c in truth["calls"]]
    results = run_calls(calls)
    bad = [
        (c["name"], c["args"], r)
        for c, r in zip(truth["calls"], results, strict=False)
        if r != {"ok": c["expected"]}
    ]
    return not bad and len(results) == len(calls), f"wrong: {bad[:4]}"


def no_features():
    calls = [{"module": a["module"], "name": a["name"], "args": []} for a in truth["absent"]]
    results = run_calls(calls)
    leaked = [
        a["name"]
        for a, r in zip(truth["absent"], results, strict=False)
        if "AttributeError" not in r.get("error", "") and "ModuleNotFound" not in r.get("error", "")
    ]
    return not leaked, f"features from main leaked into the release: {leaked}"


def refs_untouched():
    moved = [r for r, sha in truth["refs"].items() if repo.ref_target(r) != sha]
    return not moved, f"moved: {moved}"


def no_pick_in_progress():
    git_dir = os.path.join(truth["repo"], ".git")
    busy = [
        p
        for p in ("CHERRY_PICK_HEAD", "sequencer", "MERGE_HEAD", "REBASE_HEAD")
        if os.path.exists(os.path.join(git_dir, p))
    ]
    return not busy, f"still in progress: {busy}"


def new_tag():
    name = f"refs/tags/{truth['new_tag']}"
    target = repo.ref_target(name)
    if target is None:
        return False, "tag missing"
    kind, body = repo.object(target)
    message = body.partition(b"\n\n")[2].decode().strip()
    ok = kind == "tag" and repo.rev(name) == tip and message == truth["new_tag_message"]
    return ok, f"type={kind} message={message!r}, must be annotated on the branch tip"


if tip is None:
    checks.check(f"{truth['branch']} exists", False, "branch missing")
elif checks.run(f"{truth['branch']} builds on the right base", added_commits):
    checks.run("no merge commits", linear)
    checks.run("exactly the right fixes, in main's order", right_fixes_in_order)
    checks.run("each backport names its original commit (-x)", recorded_origin)
    checks.run("release tree is the tag plus the fixes", release_files)
    checks.run("fixed behaviour in the release", behaviour)
    checks.run("no feature of main in the release", no_features)
    if truth["new_tag"]:
        checks.run(f"annotated tag {truth['new_tag']} on the release tip", new_tag)
checks.run("main and the tag untouched", refs_untouched)
checks.run("no cherry-pick left in progress", no_pick_in_progress)
checks.finish()
