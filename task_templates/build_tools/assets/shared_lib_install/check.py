"""Grade the installed prefix: ELF dynamic sections, the symlink chain, relocation, library swap.

readelf and nm only read the agent's files; everything that executes agent-built code (the
tool, and the checker's own test program linked against the agent's library) runs as nobody on
a copy of the prefix moved to a new location.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.append("/tests")
from verifier_kit import (  # noqa: E402
    NOBODY,
    Checks,
    expected,
    give_to_nobody,
    read_text,
    run_agent_code,
    sha256_file,
)

truth = expected()
checks = Checks()
prefix, n, prog = truth["prefix"], truth["n"], truth["prog"]
lib = os.path.join(prefix, "lib")
state = {}
IGNORED_SYMBOLS = {"_init", "_fini", "_edata", "_end", "__bss_start"}


def tool(*args):
    """Run a binutils inspection tool (reads the file only; never executes agent code)."""
    res = subprocess.run(list(args), capture_output=True, text=True, timeout=30)
    return res.returncode, res.stdout


def dynamic(path):
    rc, out = tool("readelf", "-d", "-W", path)
    info = {"NEEDED": [], "SONAME": [], "RUNPATH": [], "RPATH": []}
    for line in out.splitlines():
        m = re.search(r"\((NEEDED|SONAME|RUNPATH|RPATH)\)\s+[^\[]*\[(.*)\]", line)
        if m:
            info[m.group(1)].append(m.group(2))
    return info


def elf_type(path):
    rc, out = tool("readelf", "-h", "-W", path)
    m = re.search(r"Type:\s+(\w+)", out)
    return m.group(1) if m else None


def exported(path):
    rc, out = tool("nm", "-D", "--defined-only", path)
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            names.add(parts[2].split("@")[0])
    return names - IGNORED_SYMBOLS


def sources_untouched():
    bad = [
        p for p, h in truth["sources"].items() if sha256_file(os.path.join(truth["root"], p)) != h
    ]
    return not bad, f"modified or missing: {bad}"


def library(real, soname, name):
    path = os.path.join(lib, real)
    if os.path.islink(path) or not os.path.isfile(path):
        return False, f"{path} is not a regular file"
    kind = elf_type(path)
    sonames = dynamic(path)["SONAME"]
    return kind == "DYN" and sonames == [soname], f"{real}: ELF type {kind}, SONAME {sonames}"


def links(real, soname, name):
    got = []
    for link, target in ((soname, real), (f"lib{name}.so", soname)):
        path = os.path.join(lib, link)
        actual = os.readlink(path) if os.path.islink(path) else None
        got.append(actual)
        if actual != target:
            return False, f"{path} -> {actual!r}, want a symlink to {target!r}"
    return True


def header(name):
    rel = f"include/{name}.h"
    got = read_text(os.path.join(prefix, rel))
    return got == truth["source_texts"][rel], f"{prefix}/{rel} differs from the source header"


def tool_dynamic():
    path = os.path.join(prefix, "bin", prog)
    info = dynamic(path)
    paths = info["RUNPATH"] + info["RPATH"]
    if paths != ["$ORIGIN/../lib"]:
        return False, f"RUNPATH {info['RUNPATH']} RPATH {info['RPATH']}"
    if truth["lib2"]:
        ok = truth["lib2"]["soname"] in info["NEEDED"] and truth["soname"] not in info["NEEDED"]
    else:
        ok = truth["soname"] in info["NEEDED"]
    return ok, f"NEEDED {info['NEEDED']}"


def tool_not_static():
    path = os.path.join(prefix, "bin", prog)
    names = set()
    for args in (("nm", "--defined-only", path), ("nm", "-D", "--defined-only", path)):
        rc, out = tool(*args)
        names |= {line.split()[-1] for line in out.splitlines() if line.strip()}
    inside = sorted(s for s in names if s.startswith(f"{n}_"))
    return not inside, f"the tool defines library functions itself: {inside}"


def relocate():
    tmp = tempfile.mkdtemp(prefix="solib-")
    moved = os.path.join(tmp, "elsewhere", os.path.basename(prefix.rstrip("/")))
    shutil.copytree(prefix, moved, symlinks=True)
    give_to_nobody(tmp)
    state.update(tmp=tmp, moved=moved)
    return True


def run_cases(key, exe):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
    bad = []
    for i, case in enumerate(truth["cases"]):
        rc, out, err = run_agent_code([exe], input=case["input"], env=env, cwd=state["tmp"])
        if rc != 0 or out != case[key]:
            bad.append((i, (err or out)[-160:]))
    return not bad, f"wrong output for hidden cases {bad}"


def moved_tool():
    return run_cases("output", os.path.join(state["moved"], "bin", prog))


def api_program():
    tmp, moved = state["tmp"], state["moved"]
    src = os.path.join(tmp, "apitest.c")
    with open(src, "w") as fh:
        fh.write(
            f'#include <stdio.h>\n#include "{n}.h"\nint main(void)\n{{\n    char w[256];\n'
            f'    while (scanf("%255s", w) == 1)\n        printf("%08lx %ld\\n", {n}_hash(w), {n}_score(w));\n'
            "    return 0;\n}\n"
        )
    os.chown(src, NOBODY, NOBODY)
    exe = os.path.join(tmp, "apitest")
    mlib = os.path.join(moved, "lib")
    rc, out, err = run_agent_code(
        ["gcc", "-O2", "-I", os.path.join(moved, "include"), src, "-o", exe]
        + ["-L", mlib, f"-l{n}", f"-Wl,-rpath,{mlib}"],
        cwd=tmp,
        timeout=120,
    )
    if rc != 0:
        return False, f"compiling against the installed header and -l{n} failed:\n{err[-400:]}"
    return run_cases("api_output", exe)


def swapped_library():
    """Rebuild lib with another hash basis; the moved tool must load it through the SONAME."""
    tmp, moved = state["tmp"], state["moved"]
    work = os.path.join(tmp, "swap")
    for rel, text in truth["source_texts"].items():
        if rel.startswith(truth["lib_dir"] + "/") or rel.startswith("include/"):
            if rel == truth["hash_file"]:
                assert truth["basis_from"] in text
                text = text.replace(truth["basis_from"], truth["basis_to"])
            path = os.path.join(work, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as fh:
                fh.write(text)
    lib_dir = os.path.join(work, truth["lib_dir"])
    sources = sorted(os.path.join(lib_dir, f) for f in os.listdir(lib_dir) if f.endswith(".c"))
    built = os.path.join(work, "swapped.so")
    res = subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-I", os.path.join(work, "include"), "-I", lib_dir]
        + [f"-Wl,-soname,{truth['soname']}", "-o", built, *sources],
        capture_output=True,
        text=True,
        timeout=120,
    )  # our own pristine sources, compiled by the checker
    if res.returncode != 0:
        return False, f"grader could not build the swap library: {res.stderr[-300:]}"
    target = os.path.join(moved, "lib", truth["real"])
    os.remove(target)
    shutil.copyfile(built, target)
    os.chmod(target, 0o755)
    return run_cases("output_swapped", os.path.join(moved, "bin", prog))


def pkgconfig():
    text = read_text(os.path.join(lib, "pkgconfig", f"{n}.pc"))
    variables, fields = {}, {}

    def expand(value, depth=0):
        if depth > 10:
            return value
        return re.sub(
            r"\$\{(\w+)\}", lambda m: expand(variables.get(m.group(1), ""), depth + 1), value
        )

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*([=:])\s*(.*)$", line)
        if not m:
            continue
        key, sep, value = m.groups()
        if sep == "=":
            variables[key] = expand(value)
        else:
            fields[key] = expand(value)
    libs, cflags = fields.get("Libs", "").split(), fields.get("Cflags", "").split()
    norm = os.path.normpath
    problems = []
    if norm(variables.get("prefix", "")) != norm(prefix):
        problems.append(f"prefix={variables.get('prefix')}")
    if fields.get("Version") != truth["version"]:
        problems.append(f"Version: {fields.get('Version')}")
    if f"-l{n}" not in libs or not any(
        t.startswith("-L") and norm(t[2:]) == norm(lib) for t in libs
    ):
        problems.append(f"Libs: {libs}")
    if not any(
        t.startswith("-I") and norm(t[2:]) == norm(os.path.join(prefix, "include")) for t in cflags
    ):
        problems.append(f"Cflags: {cflags}")
    return not problems, "; ".join(problems)


def lib2_dynamic():
    info = dynamic(os.path.join(lib, truth["lib2"]["real"]))
    paths = info["RUNPATH"] + info["RPATH"]
    ok = truth["soname"] in info["NEEDED"] and paths == ["$ORIGIN"]
    return ok, f"NEEDED {info['NEEDED']}; RUNPATH/RPATH {paths}"


def exports():
    want1 = {f"{n}_hash", f"{n}_score"}
    got1 = exported(os.path.join(lib, truth["real"]))
    want2 = {f"{truth['lib2']['n']}_format"}
    got2 = exported(os.path.join(lib, truth["lib2"]["real"]))
    return got1 == want1 and got2 == want2, f"exported {sorted(got1)} and {sorted(got2)}"


checks.run("sources unchanged", sources_untouched)
checks.run("library file with the right SONAME", lambda: library(truth["real"], truth["soname"], n))
checks.run("SONAME and development symlinks", lambda: links(truth["real"], truth["soname"], n))
checks.run("public header installed", lambda: header(n))
checks.run("tool NEEDED entries and $ORIGIN RUNPATH", tool_dynamic)
checks.run("tool links the library dynamically", tool_not_static)
if truth["pkgconfig"]:
    checks.run("pkg-config file", pkgconfig)
lib2 = truth["lib2"]
if lib2:
    checks.run(
        "second library file and SONAME", lambda: library(lib2["real"], lib2["soname"], lib2["n"])
    )
    checks.run("second library symlinks", lambda: links(lib2["real"], lib2["soname"], lib2["n"]))
    checks.run("second library header", lambda: header(lib2["n"]))
    checks.run("second library needs the first through $ORIGIN", lib2_dynamic)
    checks.run("only the public API is exported", exports)
if checks.run("prefix copied to a new location", relocate):
    checks.run("relocated tool output on hidden inputs", moved_tool)
    checks.run("own program builds against header and -l" + n, api_program)
    checks.run("tool picks up a rebuilt library through the SONAME", swapped_library)
    shutil.rmtree(state["tmp"], ignore_errors=True)
checks.finish()
