"""Grade the merge on main's committed tip: ancestry, behaviour, tests, nothing lost."""

import json
import os
import shutil
import sys
import tempfile

sys.path.append("/tests")
from gitcheck import Repo, conflict_markers  # noqa: E402
from verifier_kit import Checks, expected, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
repo = Repo(truth["repo"])
main = repo.rev("refs/heads/main")
work = tempfile.mkdtemp(prefix="merge-check-")
os.chmod(work, 0o755)
tree_dir = os.path.join(work, "tree")
state = {}


def head_on_main():
    head = repo.head_ref()
    merging = os.path.exists(os.path.join(truth["repo"], ".git", "MERGE_HEAD"))
    return head == "refs/heads/main" and not merging, f"HEAD={head} merge_in_progress={merging}"


def branches_merged():
    missing = [b for b, tip in truth["branches"].items() if not repo.is_ancestor(tip, main)]
    return not missing, f"not merged into main: {missing}"


def first_parent_history():
    chain = repo.first_parents(main)
    return main != truth["old_main"] and truth["old_main"] in chain, (
        "main's first-parent chain must run through its old tip"
    )


def branches_untouched():
    moved = [b for b, tip in truth["branches"].items() if repo.rev(f"refs/heads/{b}") != tip]
    return not moved, f"branches moved or deleted: {moved}"


def no_markers():
    files = repo.tree(main)
    contents = repo.blobs(sha for _, sha in files.values())
    bad = {p: conflict_markers(contents[sha]) for p, (_, sha) in files.items()}
    bad = {p: lines for p, lines in bad.items() if lines}
    return not bad, f"conflict markers in {bad}"


def export():
    state["files"] = repo.export(main, tree_dir)
    shutil.copy("/tests/harness.py", os.path.join(work, "harness.py"))
    os.chmod(os.path.join(work, "harness.py"), 0o644)
    spec = {
        "module": truth["module"],
        "histogram": truth["histogram"],
        "summaries": [c["records"] for c in truth["summaries"] + truth["missing_cases"]],
        "histograms": [[c["records"], c["width"]] for c in truth["histograms"]],
    }
    code, out, err = run_agent_code(
        ["python3", "-I", "-S", os.path.join(work, "harness.py"), tree_dir],
        input=json.dumps(spec),
        timeout=60,
        cwd=work,
    )
    lines = out.strip().splitlines()
    state["run"] = json.loads(lines[-1]) if lines else {"import_error": err[-300:] or "no output"}
    return state["run"]["import_error"] is None, state["run"]["import_error"]


def same(got, want):
    if isinstance(want, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and abs(got - want) < 1e-6
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(same(g, w) for g, w in zip(got, want, strict=True))
        )
    return got == want


def compare(results, cases):
    bad = []
    for i, (result, case) in enumerate(zip(results, cases, strict=False)):
        if "ok" not in result:
            bad.append((i, result))
            continue
        got, want = result["ok"], case["expected"]
        if not isinstance(got, dict) or set(got) != set(want):
            bad.append((i, sorted(got) if isinstance(got, dict) else got))
        else:
            wrong = {k: got[k] for k in want if not same(got[k], want[k])}
            if wrong:
                bad.append((i, wrong))
    return not bad and len(results) == len(cases), f"wrong results: {bad}"


def summaries_ok():
    n = len(truth["summaries"])
    return compare(state["run"]["summaries"][:n], truth["summaries"])


def missing_ok():
    n = len(truth["summaries"])
    return compare(state["run"]["summaries"][n:], truth["missing_cases"])


def metrics_constant():
    got = state["run"]["metrics"]
    return got == {"ok": truth["metrics"]}, f"METRICS gives {got}"


def histograms_ok():
    got = state["run"]["histograms"]
    bad = [
        (i, g)
        for i, (g, case) in enumerate(zip(got, truth["histograms"], strict=False))
        if g != {"ok": case["expected"]}
    ]
    return not bad and len(got) == len(truth["histograms"]), f"wrong buckets: {bad}"


def project_tests():
    code, out, err = run_agent_code(
        ["python3", "-m", "unittest", "discover", "-s", "tests", "-t", "."],
        cwd=tree_dir,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        },
    )
    return code == 0, (err or out)[-400:]


def changelog_kept():
    text = (repo.file(main, "CHANGELOG.md") or b"").decode()
    lines = text.splitlines()
    bad = [e for e in truth["changelog_entries"] if lines.count(e) != 1]
    return not bad, f"entries missing or repeated: {bad}"


def readme_kept():
    text = (repo.file(main, "README.md") or b"").decode().splitlines()
    missing = [row for row in truth["readme_rows"] if row not in text]
    return not missing, f"README lost: {missing}"


def files_kept():
    files = repo.tree(main)
    bad = [p for p, want in truth["kept_files"].items() if files.get(p, (0, None))[1] != want]
    return not bad, f"changed or missing: {bad}"


if main is None:
    checks.check("main exists", False, "refs/heads/main is gone")
else:
    checks.run("main checked out, merge concluded", head_on_main)
    checks.run("every branch merged into main", branches_merged)
    checks.run("main's own history is its first-parent line", first_parent_history)
    checks.run("feature branches left in place", branches_untouched)
    checks.run("no conflict markers", no_markers)
    checks.run("other sides' files kept", files_kept)
    checks.run("changelog keeps every entry once", changelog_kept)
    checks.run("README describes every metric", readme_kept)
    if checks.run("merged module imports", export):
        checks.run("summarize returns every metric correctly", summaries_ok)
        checks.run("METRICS lists exactly the returned keys", metrics_constant)
        if truth["missing_cases"]:
            checks.run("records with missing values are skipped", missing_ok)
        if truth["histograms"]:
            checks.run(
                f"{truth['histogram']} works together with the other branches", histograms_ok
            )
        checks.run("project tests pass on main", project_tests)
shutil.rmtree(work, ignore_errors=True)
checks.finish()
