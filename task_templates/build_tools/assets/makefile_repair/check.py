"""Grade the repaired Makefile by building a pristine copy of the project with it, as nobody.

The copy holds the generator's original sources plus the agent's Makefile, so nothing else the
agent left in the tree (objects, binaries, extra files) can help. Outputs are compared with
what the generator computed for the hidden inputs, before and after editing a header (and, on
hard instances, the table data) to prove that the dependencies are right.
"""

import os
import shutil
import sys
import tempfile
import time

sys.path.append("/tests")
from verifier_kit import Checks, expected, give_to_nobody, read_text, run_agent_code, sha256_file  # noqa: E402

truth = expected()
checks = Checks()
root = truth["root"]
state = {}


def age_tree(path, seconds=120):
    """Backdate every file so a later edit is unambiguously newer than all build outputs."""
    stamp = time.time() - seconds
    for dirpath, _dirs, filenames in os.walk(path):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (stamp, stamp))


def make(*args, timeout=180):
    return run_agent_code(["make", *args], cwd=state["proj"], timeout=timeout)


def run_bin(path, text):
    return run_agent_code([path], input=text, timeout=20)


def sources_untouched():
    bad = [p for p, h in truth["sources"].items() if sha256_file(os.path.join(root, p)) != h]
    return not bad, f"modified or missing: {bad}"


def prepare_copy():
    tmp = tempfile.mkdtemp(prefix="mkcheck-")
    proj = os.path.join(tmp, "proj")
    for rel, text in truth["source_texts"].items():
        path = os.path.join(proj, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
    shutil.copyfile(os.path.join(root, "Makefile"), os.path.join(proj, "Makefile"))
    give_to_nobody(tmp)
    age_tree(proj, 600)
    state.update(tmp=tmp, proj=proj, binary=os.path.join(proj, truth["bin"]))
    return True


def first_build():
    args = ["-j4"] if truth["parallel"] else []
    rc, out, err = make(*args)
    ok = rc == 0 and os.access(state["binary"], os.X_OK)
    return ok, f"make {' '.join(args)} -> rc={rc}\n{(out + err)[-400:]}"


def outputs(key, binary=None):
    bad = []
    for i, case in enumerate(truth["cases"]):
        rc, out, err = run_bin(binary or state["binary"], case["input"])
        if rc != 0 or out != case[key]:
            bad.append(i)
    return not bad, f"wrong output for hidden cases {bad}"


def no_op_rebuild():
    before = os.stat(state["binary"]).st_mtime_ns
    time.sleep(1.1)
    rc, out, err = make()
    after = os.stat(state["binary"]).st_mtime_ns
    return rc == 0 and before == after, f"rc={rc}; binary relinked={before != after}\n{out[-300:]}"


def edit_and_rebuild(edits, key):
    """Write `edits` ({relative path: new text}) newer than every build output, then make."""
    age_tree(state["proj"])
    for rel, text in edits.items():
        with open(os.path.join(state["proj"], rel), "w") as fh:
            fh.write(text)
    rc, out, err = make()
    if rc != 0:
        return False, f"make after editing {sorted(edits)} -> rc={rc}\n{(out + err)[-300:]}"
    return outputs(key)


def restore(*rels):
    """Put edited files back (newer than the build) and rebuild: output must be the original."""
    ok, detail = edit_and_rebuild({rel: truth["source_texts"][rel] for rel in rels}, "output")
    return ok, "after restoring the original files: " + detail


def header_edit():
    rel = truth["edit_header"]
    text = truth["source_texts"][rel]
    assert truth["edit_from"] in text
    edited = text.replace(truth["edit_from"], truth["edit_to"])
    ok, detail = edit_and_rebuild({rel: edited}, "output_after_header_edit")
    return (ok, detail) if not ok else restore(rel)


def table_edit():
    rel = truth["table_def"]
    ok, detail = edit_and_rebuild({rel: truth["table_edit"]}, "output_after_table_edit")
    return (ok, detail) if not ok else restore(rel)


def install():
    stage = os.path.join(state["tmp"], "stage")
    prefix = truth["install_prefix"]
    rc, out, err = make("install", f"DESTDIR={stage}", f"PREFIX={prefix}")
    if rc != 0:
        return False, f"make install -> rc={rc}\n{(out + err)[-300:]}"
    name = truth["binary_name"]
    binpath = stage + prefix + "/bin/" + name
    manpath = stage + prefix + "/share/man/man1/" + name + ".1"
    problems = []
    if not os.path.isfile(binpath) or os.stat(binpath).st_mode & 0o777 != 0o755:
        problems.append(f"{binpath} missing or not mode 0755")
    if not os.path.isfile(manpath) or os.stat(manpath).st_mode & 0o777 != 0o644:
        problems.append(f"{manpath} missing or not mode 0644")
    elif read_text(manpath) != truth["source_texts"][truth["man"]]:
        problems.append("installed man page differs from doc/")
    if not problems:
        ok, detail = outputs("output", binpath)
        if not ok:
            problems.append("installed binary: " + detail)
    return not problems, "; ".join(problems)


def make_test():
    rc, out, err = make("test")
    if rc != 0:
        return False, f"make test on the shipped cases -> rc={rc}\n{(out + err)[-300:]}"
    bogus = os.path.join(state["proj"], "test", "zz_grader.in")
    with open(bogus, "w") as fh:
        fh.write("7\n")
    with open(bogus[:-3] + ".out", "w") as fh:
        fh.write("this is not what the program prints\n")
    give_to_nobody(os.path.join(state["proj"], "test"))
    rc2, out2, err2 = make("test")
    os.remove(bogus)
    os.remove(bogus[:-3] + ".out")
    return rc2 not in (0, None), f"make test with a failing case -> rc={rc2}\n{out2[-300:]}"


def clean():
    rc, out, err = make("clean")
    if rc != 0:
        return False, f"make clean -> rc={rc}\n{(out + err)[-300:]}"
    proj = state["proj"]
    left = [
        rel
        for rel in [truth["bin"], *truth["objects"], *truth["generated"]]
        if os.path.exists(os.path.join(proj, rel))
    ]
    for dirpath, _dirs, filenames in os.walk(proj):
        left += [os.path.join(dirpath, n) for n in filenames if n.endswith(".o")]
    gone = [
        rel
        for rel, text in truth["source_texts"].items()
        if not os.path.isfile(os.path.join(proj, rel)) or read_text(os.path.join(proj, rel)) != text
    ]
    return not left and not gone, f"left behind: {sorted(set(left))}; sources damaged: {gone}"


def rebuild_after_clean():
    rc, out, err = make()
    ok = rc == 0 and os.access(state["binary"], os.X_OK)
    return ok, f"make after make clean -> rc={rc}\n{(out + err)[-300:]}"


checks.run("sources other than the Makefile unchanged", sources_untouched)
checks.run(
    "project left built in place", lambda: outputs("output", os.path.join(root, truth["bin"]))
)
if checks.run("pristine copy with the agent's Makefile", prepare_copy):
    if checks.run("make builds the binary from scratch", first_build):
        checks.run("binary output on hidden inputs", lambda: outputs("output"))
        checks.run("second make is a no-op", no_op_rebuild)
        checks.run("header edit triggers a rebuild", header_edit)
        if truth["table_def"]:
            checks.run("table.def edit regenerates and rebuilds", table_edit)
        if truth["install_prefix"]:
            checks.run("make install honours DESTDIR and PREFIX", install)
        if truth["hard"]:
            checks.run("make test runs the suite and reports failure", make_test)
        if checks.run("make clean removes build outputs only", clean):
            checks.run("make works again after make clean", rebuild_after_clean)
    shutil.rmtree(state["tmp"], ignore_errors=True)
checks.finish()
