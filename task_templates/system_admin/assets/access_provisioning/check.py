"""Grade the access setup against the spec the generator wrote.

Account data comes straight from /etc/passwd, /etc/group and /etc/shadow; modes from stat; ACLs
from getfacl. The shared directories are also exercised for real: the grader becomes the users
(runuser) and creates, appends to and reads files, so an ACL that only looks right fails.
"""

import os
import subprocess
import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}


def table(path):
    rows = {}
    for line in read_text(path).splitlines():
        if line and not line.startswith("#"):
            fields = line.split(":")
            rows[fields[0]] = fields
    return rows


PASSWD = table("/etc/passwd")
GROUP = table("/etc/group")
SHADOW = table("/etc/shadow")
GID = {name: int(f[2]) for name, f in GROUP.items()}
UID = {name: int(f[2]) for name, f in PASSWD.items()}


def members(name):
    return [m for m in GROUP[name][3].split(",") if m] if name in GROUP else []


def supplementary(login):
    primary = int(PASSWD[login][3])
    return sorted(g for g, f in GROUP.items() if login in members(g) and int(f[2]) != primary)


def owner_of(path):
    st = os.lstat(path)
    return st.st_uid, st.st_gid, st.st_mode & 0o7777


def acl(path):
    out = subprocess.run(
        ["getfacl", "-c", "-p", "-E", path], capture_output=True, text=True, timeout=20, env=ENV
    ).stdout
    entries = [line.strip() for line in out.splitlines() if line.strip()]
    return sorted(e for e in entries if not e.startswith(("mask:", "default:mask:")))


def as_user(login, script):
    """Run a tiny shell probe as `login` (system tools only, nothing the agent wrote)."""
    proc = subprocess.run(
        ["runuser", "-u", login, "--", "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(ENV, HOME="/tmp"),
        cwd="/",
    )
    return proc.returncode


# ---------------------------------------------------------------------------------------------
checks.run("spec file unchanged", lambda: read_text(truth["spec_path"]) == truth["spec_text"])


def groups_ok():
    bad = {g: GID.get(g) for g, gid in truth["groups"].items() if GID.get(g) != gid}
    return not bad, f"wrong or missing GIDs: {bad}"


checks.run("groups exist with the spec GIDs", groups_ok)


def account_field(label, index, key, convert=str):
    def check():
        bad = {}
        for login, want in truth["users"].items():
            if login not in PASSWD:
                bad[login] = "missing"
                continue
            got = convert(PASSWD[login][index])
            if got != want[key]:
                bad[login] = got
        return not bad, f"{label} wrong: {bad}"

    return check


checks.run("accounts have the spec UIDs", account_field("uid", 2, "uid", int))
checks.run("accounts have the spec primary groups", account_field("gid", 3, "gid", int))
checks.run("accounts have the spec shells", account_field("shell", 6, "shell"))
checks.run("accounts have the spec home paths", account_field("home", 5, "home"))
checks.run("accounts have the spec full names", account_field("gecos", 4, "gecos"))


def supplementary_ok():
    bad = {}
    for login, want in truth["users"].items():
        if login in PASSWD and supplementary(login) != sorted(want["groups"]):
            bad[login] = supplementary(login)
    return not bad and all(login in PASSWD for login in truth["users"]), f"wrong: {bad}"


checks.run("supplementary groups are exactly the listed ones", supplementary_ok)


def homes_ok():
    bad = {}
    for login, want in truth["users"].items():
        home = want["home"]
        if not os.path.isdir(home):
            bad[login] = "missing"
            continue
        got = owner_of(home)
        if got != (want["uid"], want["gid"], truth["home_mode"]):
            bad[login] = f"uid={got[0]} gid={got[1]} mode={got[2]:04o}"
    return not bad, f"home directories wrong: {bad}"


checks.run("home directories owned by user and primary group with the stated mode", homes_ok)

if truth["preserved"]:

    def preserved_ok():
        bad = []
        for item in truth["preserved"]:
            path = item["path"]
            if not os.path.isfile(path) or read_text(path) != item["text"]:
                bad.append(f"{path}: missing or changed")
            elif os.lstat(path).st_uid != UID.get(item["owner"]):
                bad.append(f"{path}: not owned by {item['owner']}")
        return not bad, "; ".join(bad)

    checks.run("existing home content kept (and moved with the home)", preserved_ok)

if truth["archive_files"]:

    def archive_ok():
        bad = []
        for item in truth["archive_files"]:
            uid, gid, _ = owner_of(item["path"])
            if uid != UID.get(item["owner"]) or gid != GID.get(item["group"]):
                bad.append(f"{item['path']} is {uid}:{gid}")
        return not bad, "; ".join(bad)

    checks.run("files elsewhere under /srv follow renumbered groups and users", archive_ok)

for shared in truth["shared"]:
    path = shared["path"]

    def top_ok(shared=shared, path=path):
        got = owner_of(path)
        want = (UID.get(shared["owner"]), GID.get(shared["group"]), shared["mode"])
        return got == want, f"{path} is uid={got[0]} gid={got[1]} mode={got[2]:04o}, want {want}"

    def acl_ok(shared=shared, path=path):
        got = acl(path)
        want = sorted(shared["acl"] + shared["default_acl"])
        return got == want, f"{path} ACL {got}, want {want}"

    checks.run(f"{path}: owner, group and setgid mode", top_ok)
    checks.run(f"{path}: access and default ACL", acl_ok)

    if shared["subdirs"] or shared["files"]:

        def content_ok(shared=shared):
            bad = []
            gid = GID.get(shared["group"])
            for sub in shared["subdirs"]:
                _, g, mode = owner_of(sub)
                if g != gid or mode != shared["mode"]:
                    bad.append(f"{sub}: gid={g} mode={mode:04o}")
                elif acl(sub) != sorted(shared["acl"] + shared["default_acl"]):
                    bad.append(f"{sub}: ACL {acl(sub)}")
            for item in shared["files"]:
                uid, g, mode = owner_of(item)
                if uid != UID.get(shared["file_owners"].get(item, "root")):
                    bad.append(f"{item}: owner changed to {uid}")
                elif g != gid or mode != shared["file_mode"]:
                    bad.append(f"{item}: gid={g} mode={mode:04o}")
                elif acl(item) != shared["file_acl"]:
                    bad.append(f"{item}: ACL {acl(item)}")
                elif not read_text(item).startswith("content of "):
                    bad.append(f"{item}: content changed")
            return not bad, "; ".join(bad[:6])

        checks.run(f"{path}: existing content re-grouped, re-moded and ACL'd", content_ok)

    def behaviour_ok(shared=shared, path=path):
        probe = shared["probe"]
        target = f"{path}/.grader-probe-{os.getpid()}"
        problems = []
        try:
            if as_user(probe["creator"], f"echo one > '{target}' && mkdir '{target}.d'") != 0:
                return False, f"{probe['creator']} (a member) cannot create files in {path}"
            if os.stat(target).st_gid != GID.get(shared["group"]):
                problems.append("new file did not inherit the directory's group (setgid)")
            if not os.stat(f"{target}.d").st_mode & 0o2000:
                problems.append("new sub-directory lacks the setgid bit")
            if [e for e in acl(f"{target}.d") if e.startswith("default:")] != sorted(
                shared["default_acl"]
            ):
                problems.append("new sub-directory did not inherit the default ACL")
            if probe["member2"] and as_user(probe["member2"], f"echo two >> '{target}'") != 0:
                problems.append(f"member {probe['member2']} cannot modify a colleague's file")
            if probe["rw"] and as_user(probe["rw"], f"echo three >> '{target}'") != 0:
                problems.append(f"{probe['rw']} (rwx ACL group) cannot modify the file")
            if probe["ro"]:
                if as_user(probe["ro"], f"cat '{target}' > /dev/null") != 0:
                    problems.append(f"{probe['ro']} (read-only ACL) cannot read the file")
                if as_user(probe["ro"], f"echo no >> '{target}'") == 0:
                    problems.append(f"{probe['ro']} (read-only ACL) could modify the file")
            outsider = probe["outsider"]
            if as_user(outsider, f"echo no >> '{target}'") == 0:
                problems.append(f"outsider {outsider} could modify the file")
            if as_user(outsider, f"touch '{path}/.grader-outsider'") == 0:
                problems.append(f"outsider {outsider} could create files")
            if not shared["mode"] & 0o004 and as_user(outsider, f"ls '{path}'") == 0:
                problems.append(f"outsider {outsider} could list {path}")
        finally:
            subprocess.run(
                ["rm", "-rf", target, f"{target}.d", f"{path}/.grader-outsider"], timeout=20
            )
        return not problems, "; ".join(problems)

    checks.run(f"{path}: members, ACL groups and outsiders get exactly their access", behaviour_ok)


def files_ok():
    bad = []
    for item in truth["files"]:
        path = item["path"]
        if not os.path.isfile(path):
            bad.append(f"{path} missing")
            continue
        uid, gid, mode = owner_of(path)
        want = (UID.get(item["owner"]), GID.get(item["group"]), item["mode"])
        if (uid, gid, mode) != want:
            bad.append(f"{path} is {uid}:{gid} {mode:04o}")
        elif read_text(path) != item["text"]:
            bad.append(f"{path} content changed")
    return not bad, "; ".join(bad)


checks.run("files have the exact owner, group and mode", files_ok)

retired = truth["retired"]
if retired:
    login = retired["login"]

    def retired_locked():
        pw = SHADOW[login][1]
        return pw.startswith("!$"), f"password field starts {pw[:4]!r}"

    def retired_expiry():
        got = SHADOW[login][7]
        return got == str(retired["expire_days"]), f"expiry field {got!r}"

    def retired_groups():
        return not any(login in members(g) for g in GROUP), "still a member of a group"

    def retired_kept():
        f = PASSWD[login]
        return (
            int(f[2]) == retired["uid"] and f[6] == "/usr/sbin/nologin" and os.path.isdir(f[5])
        ), f"passwd entry {':'.join(f)}"

    checks.run(f"{login}: password locked, hash kept", retired_locked)
    checks.run(f"{login}: account expiry date", retired_expiry)
    checks.run(f"{login}: removed from every group", retired_groups)
    checks.run(f"{login}: nologin shell, same UID, home kept", retired_kept)

removed = truth["removed"]
if removed:

    def removed_ok():
        login = removed["login"]
        left = [
            what
            for what, present in [
                ("account", login in PASSWD),
                ("group", login in GROUP),
                ("home", os.path.exists(removed["home"])),
            ]
            if present
        ]
        owners = [n for n, f in PASSWD.items() if int(f[2]) == removed["uid"]]
        return not left and len(owners) == 1, f"left behind: {left}; UID holders {owners}"

    checks.run("stale account, its group and home removed; its UID reused once", removed_ok)

sudo = truth["sudo"]
if sudo:

    def sudo_rc(login, command):
        return subprocess.run(
            ["sudo", "-n", "-l", "-U", login, *command.split()],
            capture_output=True,
            text=True,
            timeout=20,
            env=ENV,
        ).returncode

    def sudoers_file_ok():
        path = sudo["file"]
        uid, _, mode = owner_of(path)
        parsed = subprocess.run(
            ["visudo", "-c", "-f", path], capture_output=True, text=True, timeout=20, env=ENV
        )
        whole = subprocess.run(
            ["visudo", "-c"], capture_output=True, text=True, timeout=20, env=ENV
        )
        return (
            uid == 0 and mode == 0o440 and parsed.returncode == 0 and whole.returncode == 0
        ), f"uid={uid} mode={mode:04o} visudo: {parsed.stdout.strip()} {whole.stdout.strip()}"

    def sudo_grants_ok():
        problems = []
        for command in sudo["commands"]:
            if sudo_rc(sudo["member"], command) != 0:
                problems.append(f"{sudo['member']} may not run {command!r}")
            if sudo_rc(sudo["outsider"], command) == 0:
                problems.append(f"non-member {sudo['outsider']} may run {command!r}")
            if sudo_rc(sudo["member"], command + " --extra") == 0:
                problems.append(f"{command!r} allowed with other arguments")
        for command in [sudo["denied"], "/bin/sh", "/usr/bin/id"]:
            if sudo_rc(sudo["member"], command) == 0:
                problems.append(f"{sudo['member']} may also run {command!r}")
        return not problems, "; ".join(problems)

    def sudo_nopasswd_ok():
        out = subprocess.run(
            ["sudo", "-n", "-ll", "-U", sudo["member"]],
            capture_output=True,
            text=True,
            timeout=20,
            env=ENV,
        ).stdout
        blocks = out.split("Sudoers entry:")[1:]
        relevant = [b for b in blocks if any(c in b for c in sudo["commands"])]
        runas_ok = all(
            "RunAsUsers: root" in b or "RunAsUsers: ALL" in b or "RunAsUsers" not in b
            for b in relevant
        )
        return (
            bool(relevant) and all("!authenticate" in b for b in relevant) and runas_ok
        ), "the granting rule must be NOPASSWD and run as root"

    checks.run("sudoers drop-in: root-owned, mode 0440, passes visudo", sudoers_file_ok)
    checks.run("sudo allows exactly the listed commands to exactly the group", sudo_grants_ok)
    checks.run("sudo rule needs no password and runs as root", sudo_nopasswd_ok)


def untouched():
    want = {
        "root": "root:x:0:0:root:/root:/bin/bash",
        "nobody": "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    }
    bad = [n for n, line in want.items() if ":".join(PASSWD.get(n, [])) != line]
    return not bad and GID.get("users") == 100, f"changed: {bad}"


checks.run("accounts outside the spec untouched", untouched)
checks.finish()
