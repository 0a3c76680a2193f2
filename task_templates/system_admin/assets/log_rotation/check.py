"""Grade the error report against the generator's counts and the logrotate policy by running it.

The policy is exercised on a sandbox copy of the log directory (same owner and mode as the real
one): forced runs past the retention limit, an empty log, missing logs and, above easy, an
oversized log on a non-forced run. `logrotate -d` supplies the resolved frequency and count.
logrotate needs root (it chowns the recreated logs and switches user for `su`), and the policy
may carry the agent's postrotate script, so it runs through run_agent_code with as_nobody=False.
"""

import grp
import gzip
import hashlib
import os
import pwd
import re
import shutil
import sys
import tempfile
import time

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text, run_agent_code  # noqa: E402

truth = expected()
checks = Checks()
LOGROTATE = "/usr/sbin/logrotate"
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
APP = truth["app"]
LOGDIR = truth["logdir"]

# ------------------------------------------------------------------------------------------------
# the report
report = {}


def load_report():
    lines = read_text(truth["report"]).splitlines()
    report["header"] = lines[0].strip() if lines else ""
    report["rows"] = [line.strip().split(",") for line in lines[1:] if line.strip()]
    return bool(lines), "empty report"


if checks.run("report exists", load_report):
    want_rows = [[h, c, str(n)] for h, c, n in truth["rows"]]
    want = {(h, c): n for h, c, n in want_rows}

    def keys_ok():
        got = {tuple(r[:2]) for r in report["rows"]}
        extra, missing = sorted(got - set(want)), sorted(set(want) - got)
        return not extra and not missing, f"extra {extra[:4]} missing {missing[:4]}"

    def counts_ok():
        got = {tuple(r[:2]): r[2] if len(r) > 2 else None for r in report["rows"]}
        wrong = {f"{k[0]} {k[1]}": (got[k], n) for k, n in want.items() if k in got and got[k] != n}
        return not wrong and all(
            len(r) == 3 for r in report["rows"]
        ), f"(got, want): {dict(list(wrong.items())[:4])}"

    checks.run("header is hour,code,count", lambda: report["header"] == "hour,code,count")
    checks.run("exactly the (hour, code) pairs that had errors", keys_ok)
    checks.run("every count is right", counts_ok)
    checks.run(
        "rows sorted by hour, then code",
        lambda: (
            [r[:2] for r in report["rows"]] == sorted(r[:2] for r in report["rows"])
            and len(report["rows"]) == len(want_rows)
        ),
    )


def logs_untouched():
    bad = []
    for name, digest in truth["log_hashes"].items():
        path = os.path.join(LOGDIR, name)
        try:
            with open(path, "rb") as fh:
                if hashlib.sha256(fh.read()).hexdigest() != digest:
                    bad.append(f"{name} changed")
        except OSError:
            bad.append(f"{name} missing")
    return not bad, "; ".join(bad[:5])


checks.run("existing logs left exactly as they were", logs_untouched)

# ------------------------------------------------------------------------------------------------
# logrotate: what it makes of the config


def debug(path):
    rc, out, err = run_agent_code([LOGROTATE, "-d", path], timeout=60, env=ENV, as_nobody=False)
    return rc, out + err


def debug_clean(path):
    rc, text = debug(path)
    errors = [line for line in text.splitlines() if line.lower().startswith("error")]
    return rc == 0 and not errors, f"exit {rc}; {errors[:3]}"


checks.run(
    f"logrotate -d {truth['lr_path']} reports no error", lambda: debug_clean(truth["lr_path"])
)
checks.run(
    "logrotate -d /etc/logrotate.conf reports no error", lambda: debug_clean("/etc/logrotate.conf")
)

FREQ = {"daily": "after 1 days", "weekly": "weekly", "monthly": "monthly"}


def resolved_settings():
    _, text = debug(truth["lr_path"])
    patterns = re.findall(r"^rotating pattern: (.*?)\s{2}(.*?) \((\d+) rotations\)$", text, re.M)
    if not patterns:
        return False, "logrotate found no rotation rule"
    bad = [p for p in patterns if p[1] != FREQ[truth["freq"]] or int(p[2]) != truth["keep"]]
    return not bad, f"rules as logrotate reads them: {patterns}"


checks.run("frequency and rotation count as stated", resolved_settings)

# ------------------------------------------------------------------------------------------------
# logrotate for real, on sandbox copies
APP_UID = pwd.getpwnam(APP).pw_uid
APP_GID = grp.getgrnam(APP).gr_gid
DIR_UID = pwd.getpwnam(truth["dir_owner"]).pw_uid
DIR_GID = grp.getgrnam(truth["dir_owner"]).gr_gid


def sandbox():
    root = tempfile.mkdtemp(prefix="lrgrade-", dir="/var/tmp")
    os.chmod(root, 0o755)
    logdir = os.path.join(root, APP)
    os.mkdir(logdir)
    os.chown(logdir, DIR_UID, DIR_GID)
    os.chmod(logdir, truth["dir_mode"])
    ctl_dir = os.path.join(root, "ctl")
    os.mkdir(ctl_dir)
    os.chmod(ctl_dir, 0o777)
    ctl = os.path.join(ctl_dir, "ctl")
    with open(ctl, "w") as fh:
        fh.write(f'#!/bin/sh\necho "$*" >> {ctl_dir}/calls\n')
    os.chmod(ctl, 0o755)
    text = read_text(truth["lr_path"])
    text = re.sub(re.escape(LOGDIR) + r"(?=[/\s]|$)", lambda _: logdir, text)
    if truth["ctl"]:
        text = text.replace(truth["ctl"], ctl)
    conf = os.path.join(root, "policy")
    with open(conf, "w") as fh:
        fh.write(text)
    os.chmod(conf, 0o644)
    return {
        "root": root,
        "logdir": logdir,
        "conf": conf,
        "state": os.path.join(root, "state"),
        "calls": os.path.join(ctl_dir, "calls"),
    }


def put_log(box, base, content):
    path = os.path.join(box["logdir"], base)
    fresh = not os.path.exists(path)
    with open(path, "w") as fh:
        fh.write(content)
    if fresh:
        os.chown(path, APP_UID, APP_GID)
        os.chmod(path, 0o640)
    return path


def rotate(box, force=True):
    args = [LOGROTATE, *(["-f"] if force else []), "-s", box["state"], box["conf"]]
    rc, out, err = run_agent_code(args, timeout=60, env=ENV, as_nobody=False)
    return rc, out + err


def read_any(path):
    with open(path, "rb") as fh:
        data = fh.read()
    return gzip.decompress(data).decode() if path.endswith(".gz") else data.decode()


RUNS = truth["keep"] + 2
seq = {}


def rotation_sequence():
    box = sandbox()
    seq["box"] = box
    for i in range(1, RUNS + 1):
        for base in truth["live_logs"]:
            put_log(box, base, f"run {i} of {base}\n" * 20)
        if i == 1:
            seq["inodes"] = {
                base: os.stat(os.path.join(box["logdir"], base)).st_ino
                for base in truth["live_logs"]
            }
        rc, text = rotate(box)
        if rc != 0:
            return False, f"forced run {i} failed (exit {rc}): {text.strip()[-300:]}"
        if i == 1:
            seq["created"] = {
                base: os.stat(os.path.join(box["logdir"], base))
                for base in truth["live_logs"]
                if os.path.exists(os.path.join(box["logdir"], base))
            }
    return True


ran = checks.run(
    f"{RUNS} forced logrotate runs succeed on a copy of the directory", rotation_sequence
)


def retention_ok():
    problems = []
    names = sorted(os.listdir(seq["box"]["logdir"]))
    for base in truth["live_logs"]:
        for k in range(1, truth["keep"] + 1):
            plain = k == 1 and truth["delaycompress"]
            name = f"{base}.{k}" + ("" if plain else ".gz")
            path = os.path.join(seq["box"]["logdir"], name)
            if not os.path.exists(path):
                problems.append(f"{name} missing")
                continue
            try:
                content = read_any(path)
            except (OSError, EOFError, UnicodeDecodeError):
                problems.append(f"{name} is not what its name says")
                continue
            if content != f"run {RUNS + 1 - k} of {base}\n" * 20:
                problems.append(f"{name} holds the wrong generation")
        numbered = [re.fullmatch(re.escape(base) + r"\.(\d+)(\.gz)?", n) for n in names]
        leftovers = [m.group(0) for m in numbered if m and int(m.group(1)) > truth["keep"]]
        problems += [f"{n} should have been deleted" for n in leftovers]
    return not problems, "; ".join(problems[:6]) + f" (directory: {names})"


def create_ok():
    want = truth["create"]
    uid, gid = pwd.getpwnam(want["owner"]).pw_uid, grp.getgrnam(want["group"]).gr_gid
    bad = {}
    for base in truth["live_logs"]:
        st = seq["created"].get(base)
        if st is None:
            bad[base] = "not recreated"
        elif st.st_ino == seq["inodes"][base]:
            bad[base] = "same file truncated in place, not a freshly created one"
        elif (st.st_uid, st.st_gid, st.st_mode & 0o7777) != (uid, gid, want["mode"]):
            bad[base] = f"{st.st_uid}:{st.st_gid} {st.st_mode & 0o7777:04o}"
    return not bad, f"recreated logs: {bad}"


if ran:
    compression = "`.1` plain and `.2.gz` onwards gzip" if truth["delaycompress"] else "all gzip"
    checks.run(f"keeps exactly {truth['keep']} rotations, {compression}", retention_ok)
    checks.run("rotated logs recreated with the stated mode, owner and group", create_ok)
    if truth["ctl"]:

        def postrotate_ok():
            calls = (
                read_text(seq["box"]["calls"]).splitlines()
                if os.path.exists(seq["box"]["calls"])
                else []
            )
            return calls == [
                "reopen-logs"
            ] * RUNS, f"{len(calls)} calls over {RUNS} runs: {calls[:3]}"

        checks.run("postrotate hook runs once per logrotate run", postrotate_ok)

    def empty_not_rotated():
        box = seq["box"]
        first = truth["live_logs"][0]
        before = read_any(
            os.path.join(box["logdir"], f"{first}.1" + ("" if truth["delaycompress"] else ".gz"))
        )
        put_log(box, first, "")
        rc, text = rotate(box)
        after_path = os.path.join(
            box["logdir"], f"{first}.1" + ("" if truth["delaycompress"] else ".gz")
        )
        after = read_any(after_path) if os.path.exists(after_path) else None
        return rc == 0 and before == after, f"exit {rc}; an empty {first} was rotated"

    checks.run("an empty log is not rotated", empty_not_rotated)


def missing_ok():
    box = sandbox()
    try:
        rc, text = rotate(box)
    finally:
        shutil.rmtree(box["root"], ignore_errors=True)
    errors = [line for line in text.splitlines() if line.lower().startswith("error")]
    return rc == 0 and not errors, f"exit {rc}; {errors[:2]}"


checks.run("missing logs are not an error", missing_ok)

if truth["maxsize"]:

    def state_now(box, bases):
        t = time.localtime()
        stamp = f"{t.tm_year}-{t.tm_mon}-{t.tm_mday}-{t.tm_hour}:{t.tm_min}:{t.tm_sec}"
        with open(box["state"], "w") as fh:
            fh.write("logrotate state -- version 2\n")
            for base in bases:
                fh.write(f'"{os.path.join(box["logdir"], base)}" {stamp}\n')

    def maxsize_ok():
        results = {}
        for label, size in [("big", truth["maxsize"] + 4096), ("small", 2048)]:
            box = sandbox()
            try:
                for base in truth["live_logs"]:
                    put_log(box, base, "x" * (size - 1) + "\n")
                state_now(box, truth["live_logs"])
                rc, _ = rotate(box, force=False)
                first = truth["live_logs"][0]
                results[label] = (
                    rc,
                    any(n.startswith(f"{first}.1") for n in os.listdir(box["logdir"])),
                )
            finally:
                shutil.rmtree(box["root"], ignore_errors=True)
        ok = results["big"] == (0, True) and results["small"] == (0, False)
        return ok, f"(exit, rotated) for an oversized and a small log rotated today: {results}"

    checks.run("an oversized log is rotated early, a small one is not", maxsize_ok)

if seq.get("box"):
    shutil.rmtree(seq["box"]["root"], ignore_errors=True)
checks.finish()
