"""Grade the permission audit: the report against the planted findings, then every fix on disk."""

import hashlib
import os
import pwd
import re
import stat
import subprocess
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
lines = []


def sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def load():
    text = read_text(truth["report"])
    lines.extend(line for line in text.split("\n") if line != "")
    return bool(lines), "report is empty"


def category_matches(category):
    got = sorted(line for line in lines if line.split(" ", 1)[0] == category)
    want = sorted(f for f in truth["findings"] if f.split(" ", 1)[0] == category)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    return not missing and not extra, f"missing {missing}, unexpected {extra}"


def well_formed():
    bad = [
        line
        for line in lines
        if not re.fullmatch(r"[a-z-]+ /\S*", line) or line.split(" ")[0] not in truth["categories"]
    ]
    return not bad, f"malformed or unknown-category lines: {bad[:5]}"


def sorted_unique():
    return lines == sorted(set(lines), key=lambda s: s.encode()), "not byte-sorted or duplicated"


if checks.run("report exists and is not empty", load):
    checks.run("report lines well formed", well_formed)
    checks.run("report sorted without duplicates", sorted_unique)
    for category in truth["categories"]:
        checks.run(f"report: {category} findings", lambda c=category: category_matches(c))


def fixed(category):
    problems = []
    paths = [f.split(" ", 1)[1] for f in truth["findings"] if f.split(" ", 1)[0] == category]
    for path in paths:
        fix = truth["fixes"].get(path)
        if fix is None:
            continue
        if not os.path.isfile(path) or os.path.islink(path):
            problems.append(f"{path} missing")
            continue
        st = os.lstat(path)
        if stat.S_IMODE(st.st_mode) != fix["mode"]:
            problems.append(f"{path} mode {stat.S_IMODE(st.st_mode):o}, want {fix['mode']:o}")
        if "sha256" in fix and sha256(path) != fix["sha256"]:
            problems.append(f"{path} content changed")
        if "same_as" in fix and sha256(path) != sha256(fix["same_as"]):
            problems.append(f"{path} content changed")
        if "owner_name" in fix and st.st_uid != pwd.getpwnam(fix["owner_name"]).pw_uid:
            problems.append(f"{path} owner changed")
        if "owner" in fix and (st.st_uid, st.st_gid) != (fix["owner"], fix["group"]):
            problems.append(f"{path} not owned by root:root")
    return not problems, "; ".join(problems)


for category in truth["categories"]:
    if category != "sudo-nopasswd":
        checks.run(f"fixed: {category}", lambda c=category: fixed(c))


def norm(line):
    return " ".join(line.split())


def active_lines(path):
    return {
        norm(line)
        for line in read_text(path).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def rules_removed():
    left = [
        f"{path}: {line}"
        for path, removed in sorted(truth["removed_lines"].items())
        for line in removed
        if norm(line) in active_lines(path)
    ]
    return not left, f"still active: {left}"


def rules_kept():
    lost = [
        f"{path}: {line}"
        for path, kept in sorted(truth["legit_lines"].items())
        for line in kept
        if not os.path.isfile(path) or norm(line) not in active_lines(path)
    ]
    return not lost, f"legitimate rules lost: {lost}"


def visudo():
    # visudo and sudo are system tools reading configuration, not agent code: run as root.
    proc = subprocess.run(["visudo", "-c"], capture_output=True, text=True, timeout=30)
    return proc.returncode == 0, (proc.stdout + proc.stderr)[-400:]


def sudo_list(user):
    proc = subprocess.run(["sudo", "-l", "-U", user], capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout + proc.stderr


def nopasswd_revoked():
    still = []
    for user in truth["revoked_users"]:
        code, out = sudo_list(user)
        if code != 0 or any(re.search(r"NOPASSWD:\s*ALL\s*$", ln) for ln in out.splitlines()):
            still.append(user)
    return not still, f"users that still have NOPASSWD: ALL (or sudo -l failed): {still}"


def effective_rules_kept():
    lost = []
    for user, text in truth["keep_rules"]:
        code, out = sudo_list(user)
        if code != 0 or text not in out:
            lost.append(f"{user}: {text}")
    return not lost, f"sudo -l no longer shows: {lost}"


checks.run("visudo -c passes", visudo)
checks.run("NOPASSWD ALL rules removed from sudoers files", rules_removed)
checks.run("other sudoers rules kept", rules_kept)
checks.run("sudo -l: NOPASSWD ALL revoked", nopasswd_revoked)
checks.run("sudo -l: legitimate rules still effective", effective_rules_kept)


def traps_untouched():
    changed = []
    for path, want in sorted(truth["traps"].items()):
        if "link" in want:
            if not os.path.islink(path) or os.readlink(path) != want["link"]:
                changed.append(path)
            continue
        if not os.path.lexists(path):
            changed.append(f"{path} missing")
            continue
        st = os.lstat(path)
        if stat.S_IMODE(st.st_mode) != want["mode"]:
            changed.append(f"{path} mode {stat.S_IMODE(st.st_mode):o}")
        else:
            digest = want.get("sha256")
            if "same_as" in want:
                digest = sha256(want["same_as"])
            if digest is not None and sha256(path) != digest:
                changed.append(f"{path} content")
    return not changed, f"changed although not findings: {changed}"


def system_setuid_kept():
    lost = [p for p in truth["system_setuid"] if not os.stat(p).st_mode & stat.S_ISUID]
    return not lost, f"approved setuid programs lost their bit: {lost}"


checks.run("non-findings left untouched", traps_untouched)
checks.run("approved setuid programs keep their bit", system_setuid_kept)
checks.finish()
