"""Grade the wheel: read it with zipfile, then install it offline as nobody and run its script.

Metadata, entry points, the exact file list and RECORD hashes are checked from the archive;
the behaviour is checked by installing with `pip --no-index --target` into a scratch directory
and running the console script on hidden order lines whose totals the generator computed.
"""

import base64
import configparser
import csv
import email.parser
import hashlib
import io
import os
import shutil
import sys
import tempfile
import zipfile

sys.path.append("/tests")
from verifier_kit import NOBODY, Checks, expected, run_agent_code, sha256_file  # noqa: E402

truth = expected()
checks = Checks()
root, out_dir, cmd = truth["root"], truth["out_dir"], truth["cmd"]
state = {}
dist_info = f"{truth['dist'].replace('-', '_')}-{truth['version']}.dist-info"


def one_wheel():
    wheels = sorted(n for n in os.listdir(out_dir) if n.endswith(".whl"))
    if wheels != [truth["wheel_name"]]:
        return False, f"wheels in {out_dir}: {wheels}, want [{truth['wheel_name']}]"
    path = os.path.join(out_dir, wheels[0])
    with zipfile.ZipFile(path) as zf:
        state["members"] = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    state["path"] = path
    return True


def member(name):
    return state["members"][f"{dist_info}/{name}"].decode()


def metadata():
    meta = email.parser.Parser().parsestr(member("METADATA"))
    state["meta"] = meta
    got = (meta["Name"], meta["Version"])
    want = (truth["dist"], truth["version"])
    return got == want, f"Name/Version {got}, want {want}"


def compact(requirement):
    """`pyyaml (>=6.1) ; extra == 'yaml'` and `pyyaml>=6.1; extra == "yaml"` compare equal."""
    return "".join(ch for ch in requirement if ch not in " ()").replace("'", '"').lower()


def extra_metadata():
    meta = state["meta"]
    problems = []
    if truth["summary"] and meta["Summary"] != truth["summary"]:
        problems.append(f"Summary {meta['Summary']!r}")
    if (
        truth["requires_python"]
        and (meta["Requires-Python"] or "").replace(" ", "") != truth["requires_python"]
    ):
        problems.append(f"Requires-Python {meta['Requires-Python']!r}")
    if truth["extra"]:
        extras = meta.get_all("Provides-Extra") or []
        reqs = [compact(r) for r in meta.get_all("Requires-Dist") or []]
        want = compact(f'{truth["extra"]["requirement"]}; extra == "{truth["extra"]["name"]}"')
        if truth["extra"]["name"] not in extras:
            problems.append(f"Provides-Extra {extras}")
        if want not in reqs:
            problems.append(f"Requires-Dist {reqs}, want {want}")
    return not problems, "; ".join(problems)


def wheel_tags():
    wheel = email.parser.Parser().parsestr(member("WHEEL"))
    tags = wheel.get_all("Tag") or []
    purelib = (wheel["Root-Is-Purelib"] or "").strip().lower()
    return tags == ["py3-none-any"] and purelib == "true", f"Tag {tags}, purelib {purelib}"


def entry_point():
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str
    parser.read_string(member("entry_points.txt"))
    scripts = dict(parser["console_scripts"]) if parser.has_section("console_scripts") else {}
    got = {k.strip(): v.replace(" ", "") for k, v in scripts.items()}
    want = {cmd: f"{truth['pkg']}.cli:main"}
    return got == want, f"console_scripts {got}, want {want}"


def exact_files():
    payload = {n for n in state["members"] if not n.startswith(dist_info + "/")}
    want = set(truth["package_files"])
    missing, extra = sorted(want - payload), sorted(payload - want)
    changed = [
        n
        for n in sorted(want & payload)
        if state["members"][n] != truth["package_files"][n].encode()
    ]
    return not (missing or extra or changed), f"missing {missing}; extra {extra}; changed {changed}"


def record():
    rows = list(csv.reader(io.StringIO(member("RECORD"))))
    listed = {row[0]: row for row in rows if row}
    problems = []
    for name, data in state["members"].items():
        if name == f"{dist_info}/RECORD":
            continue
        row = listed.get(name)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if row is None or row[1] != f"sha256={digest}" or row[2] != str(len(data)):
            problems.append(name)
    unlisted = sorted(set(listed) - set(state["members"]))
    return not problems and not unlisted, f"bad RECORD rows {problems}; phantom {unlisted}"


def install():
    tmp = tempfile.mkdtemp(prefix="whlcheck-")
    shutil.copy(state["path"], tmp)
    os.chown(tmp, NOBODY, NOBODY)
    os.chown(os.path.join(tmp, truth["wheel_name"]), NOBODY, NOBODY)
    target = os.path.join(tmp, "site")
    rc, out, err = run_agent_code(
        [
            "python3",
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--target",
            target,
            os.path.join(tmp, truth["wheel_name"]),
        ],
        cwd=tmp,
        timeout=120,
    )
    state.update(tmp=tmp, target=target)
    script = os.path.join(target, "bin", cmd)
    return rc == 0 and os.access(script, os.X_OK), f"pip install rc={rc}\n{(out + err)[-400:]}"


def env():
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONPATH": state["target"],
    }


def script_output():
    bad = []
    for i, case in enumerate(truth["cases"]):
        rc, out, err = run_agent_code(
            [os.path.join(state["target"], "bin", cmd)],
            input=case["input"],
            env=env(),
            cwd=state["tmp"],
            timeout=30,
        )
        if rc != 0 or out != case["output"]:
            bad.append((i, (err or out)[-200:]))
    return not bad, f"wrong output for hidden cases {bad}"


def script_version():
    rc, out, err = run_agent_code(
        [os.path.join(state["target"], "bin", cmd), "--version"], env=env(), cwd=state["tmp"]
    )
    want = f"{cmd} {truth['version']}\n"
    return rc == 0 and out == want, f"got {out!r} {err[-200:]!r}, want {want!r}"


def sources_untouched():
    bad = [p for p, h in truth["sources"].items() if sha256_file(os.path.join(root, p)) != h]
    return not bad, f"modified or missing: {bad}"


checks.run("project sources unchanged", sources_untouched)
if checks.run("exactly the expected wheel file", one_wheel):
    if checks.run("METADATA name and version", metadata):
        checks.run("summary, Requires-Python and extras", extra_metadata)
    checks.run("pure-Python py3-none-any wheel", wheel_tags)
    checks.run("console script entry point", entry_point)
    checks.run("exactly the package modules and data files", exact_files)
    checks.run("RECORD lists every file with its hash", record)
    if checks.run("wheel installs offline", install):
        checks.run("installed command prices hidden orders", script_output)
        checks.run("installed command reports its version", script_version)
    if "tmp" in state:
        shutil.rmtree(state["tmp"], ignore_errors=True)
checks.finish()
