"""Grade the repaired CMake build: rebuild a pristine copy with the agent's CMakeLists.txt files.

Everything the agent's build produces is executed as `nobody`. Outputs are compared with what
the generator computed for hidden inputs, with the feature option at its default and forced
OFF; medium and hard instances are also installed and inspected (static archive, header, no
shared-library dependency). Finally the agent's own out-of-tree build directory is checked.
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import Checks, expected, give_to_nobody, read_text, run_agent_code, sha256_file  # noqa: E402

truth = expected()
checks = Checks()
root, app, lib = truth["root"], truth["app"], truth["lib"]
state = {}


def find_exe(tree):
    for dirpath, dirs, filenames in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if d != "CMakeFiles")
        path = os.path.join(dirpath, app)
        if app in filenames and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def outputs(exe, key):
    bad = []
    for i, case in enumerate(truth["cases"]):
        rc, out, err = run_agent_code([exe], input=case["input"], timeout=20)
        if rc != 0 or out != case[key]:
            bad.append(i)
    return not bad, f"{exe}: wrong output for hidden cases {bad}"


def sources_untouched():
    bad = [p for p, h in truth["sources"].items() if sha256_file(os.path.join(root, p)) != h]
    return not bad, f"modified or missing: {bad}"


def prepare_copy():
    tmp = tempfile.mkdtemp(prefix="cmcheck-")
    proj = os.path.join(tmp, "proj")
    for rel, text in truth["source_texts"].items():
        path = os.path.join(proj, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
    for rel in truth["cmake_files"]:
        shutil.copyfile(os.path.join(root, rel), os.path.join(proj, rel))
    give_to_nobody(tmp)
    state.update(tmp=tmp, proj=proj)
    return True


def configure_and_build(build, *defs):
    bdir = os.path.join(state["tmp"], build)
    rc, out, err = run_agent_code(
        ["cmake", "-S", state["proj"], "-B", bdir, *defs], timeout=120, cwd=state["tmp"]
    )
    if rc != 0:
        return False, f"configure {' '.join(defs)} -> rc={rc}\n{(out + err)[-500:]}"
    rc, out, err = run_agent_code(["cmake", "--build", bdir, "-j", "2"], timeout=240)
    if rc != 0:
        return False, f"build -> rc={rc}\n{(out + err)[-500:]}"
    exe = find_exe(bdir)
    state[build] = exe
    return exe is not None, f"no executable named {app} in the build tree"


def default_build():
    return configure_and_build("grade-default")


def option_off_build():
    ok, detail = configure_and_build("grade-off", f"-D{truth['option']}=OFF")
    return (ok, detail) if not ok else outputs(state["grade-off"], "output_option_off")


def version():
    rc, out, err = run_agent_code([state["grade-default"], "--version"], timeout=20)
    want = f"{app} {truth['version']}\n"
    return rc == 0 and out == want, f"got {out!r}, want {want!r}"


def install():
    prefix = os.path.join(state["tmp"], "prefix")
    bdir = os.path.join(state["tmp"], "grade-default")
    rc, out, err = run_agent_code(["cmake", "--install", bdir, "--prefix", prefix], timeout=60)
    if rc != 0:
        return False, f"cmake --install -> rc={rc}\n{(out + err)[-400:]}"
    state["prefix"] = prefix
    exe = os.path.join(prefix, "bin", app)
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        return False, f"{exe} not installed"
    return outputs(exe, "output")


def installed_archive_and_header():
    prefix = state["prefix"]
    archive = os.path.join(prefix, "lib", f"lib{lib}.a")
    header = os.path.join(prefix, "include", f"{lib}.h")
    with open(archive, "rb") as fh:
        magic = fh.read(8)
    ok_header = read_text(header) == truth["source_texts"][f"lib/include/{lib}.h"]
    return magic == b"!<arch>\n" and ok_header, f"archive magic {magic!r}; header ok={ok_header}"


def statically_linked():
    # readelf is our own inspection tool reading the file, not agent code being run
    exe = os.path.join(state["prefix"], "bin", app)
    res = subprocess.run(["readelf", "-d", exe], capture_output=True, text=True, timeout=30)
    needed = [line for line in res.stdout.splitlines() if "(NEEDED)" in line]
    bad = [line for line in needed if f"lib{lib}" in line]
    return res.returncode == 0 and not bad, f"dynamic dependencies: {needed}"


def agent_build_dir():
    bdir = os.path.join(root, truth["build"])
    cache = read_text(os.path.join(bdir, "CMakeCache.txt"))
    home = [
        line.split("=", 1)[1]
        for line in cache.splitlines()
        if line.startswith("CMAKE_HOME_DIRECTORY:")
    ]
    if home != [root]:
        return False, f"{bdir} was not configured from {root}: {home}"
    if os.path.exists(os.path.join(root, "CMakeCache.txt")):
        return False, "an in-source CMakeCache.txt exists"
    exe = find_exe(bdir)
    if exe is None:
        return False, f"no built {app} under {bdir}"
    return outputs(exe, "output")


checks.run("sources and other project files unchanged", sources_untouched)
checks.run("agent's out-of-tree build directory", agent_build_dir)
if checks.run("pristine copy with the agent's CMake files", prepare_copy):
    if checks.run("default configure and build succeed", default_build):
        checks.run(
            "default build output on hidden inputs",
            lambda: outputs(state["grade-default"], "output"),
        )
        if truth["version"]:
            checks.run("--version reports the project version", version)
    checks.run("option OFF drops the run-length column", option_off_build)
    installable = truth["install"] and state.get("grade-default")
    if installable and checks.run("cmake --install puts a working tool in bin/", install):
        checks.run("static archive and header installed", installed_archive_and_header)
        checks.run("tool does not need the library at run time", statically_linked)
    shutil.rmtree(state["tmp"], ignore_errors=True)
checks.finish()
