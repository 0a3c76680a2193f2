"""Grade the backup script by running it on a hidden tree, and the cron jobs by what they fire on.

Schedules are expanded with cron's own rules (ranges, steps, lists, names, `7` for Sunday, the
day-of-month/day-of-week OR rule, @-shortcuts) and compared day by day over two years, so any
spelling of the right schedule passes. The script runs as `nobody` through `run_agent_code`.
"""

import datetime
import fcntl
import os
import pwd
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json, read_text, run_agent_code  # noqa: E402

truth = expected()
fixture = read_json("/tests/fixture.json")
checks = Checks()
NOBODY = 65534
SITE = truth["site"]
ARCHIVE = re.compile(rf"^{re.escape(SITE)}-(\d{{8}}-\d{{6}})\.tar\.gz$")

# ------------------------------------------------------------------------------------------------
# cron expression semantics
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
WEEKDAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
SPECIAL = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def expand(field, lo, hi, names=None):
    values = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError("bad step")

        def number(text):
            text = text.lower()
            value = names[text] if names and text in names else int(text)
            if not lo <= value <= hi:
                raise ValueError(f"{text} out of range")
            return value

        if part == "*":
            first, last = lo, hi
        elif "-" in part:
            first, last = (number(x) for x in part.split("-", 1))
        else:
            first = number(part)
            last = hi if step > 1 else first
        if first > last:
            raise ValueError("backwards range")
        values.update(range(first, last + 1, step))
    return values


def parse_schedule(fields):
    minute, hour, dom, month, dow = fields
    days = {d % 7 for d in expand(dow, 0, 7, WEEKDAYS)}
    return {
        "minute": expand(minute, 0, 59),
        "hour": expand(hour, 0, 23),
        "dom": expand(dom, 1, 31),
        "month": expand(month, 1, 12, MONTHS),
        "dow": days,
        "dom_star": dom.startswith("*"),
        "dow_star": dow.startswith("*"),
    }


def fires_on(s, day):
    if day.month not in s["month"]:
        return False
    in_dom = day.day in s["dom"]
    in_dow = (day.isoweekday() % 7) in s["dow"]
    if s["dom_star"] or s["dow_star"]:
        return in_dom and in_dow
    return in_dom or in_dow


def same_schedule(a, b):
    if a["minute"] != b["minute"] or a["hour"] != b["hour"]:
        return False
    day = datetime.date(2027, 1, 1)
    while day.year < 2029:
        if fires_on(a, day) != fires_on(b, day):
            return False
        day += datetime.timedelta(days=1)
    return True


def effective_command(raw):
    """What cron runs: `\\%` becomes `%`; an unescaped `%` ends the command (rest is stdin)."""
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\" and raw[i + 1 : i + 2] == "%":
            out.append("%")
            i += 2
            continue
        if raw[i] == "%":
            return "".join(out), raw[i + 1 :]
        out.append(raw[i])
        i += 1
    return "".join(out), None


ENV_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def parse_crontab(text, system=False):
    """[(kind, data, line_number)]: env lines and job entries with parsed schedules."""
    items = []
    for number, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        env = ENV_LINE.match(line)
        if env:
            value = env.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            items.append(("env", (env.group(1), value), number))
            continue
        parts = stripped.split(None, 1)
        if parts[0].startswith("@"):
            if parts[0] not in SPECIAL or len(parts) < 2:
                items.append(("bad", stripped, number))
                continue
            fields, rest = SPECIAL[parts[0]].split(), parts[1]
        else:
            pieces = stripped.split(None, 5)
            if len(pieces) < 6:
                items.append(("bad", stripped, number))
                continue
            fields, rest = pieces[:5], pieces[5]
        user = None
        if system:
            split = rest.split(None, 1)
            if len(split) < 2:
                items.append(("bad", stripped, number))
                continue
            user, rest = split
        try:
            schedule = parse_schedule(fields)
        except (ValueError, KeyError):
            items.append(("bad", stripped, number))
            continue
        items.append(("job", {"schedule": schedule, "user": user, "raw": rest}, number))
    return items


def norm(command):
    return " ".join(command.split())


def find_job(items, job):
    want = norm(job["command"])
    hits = []
    for kind, data, number in items:
        if kind != "job":
            continue
        command, stdin = effective_command(data["raw"])
        if norm(command) == want and stdin is None:
            hits.append((data, number))
    return hits


def spool_text(user):
    return read_text(f"/var/spool/cron/crontabs/{user}")


# ------------------------------------------------------------------------------------------------
# cron checks
for job in truth["jobs"]:
    want = parse_schedule(job["expr"].split())
    if job["where"] == "user":
        user = job["user"]
        label = f"{user}'s crontab: {job['english'][:60]}"

        def user_job_ok(job=job, user=user, want=want):
            items = parse_crontab(spool_text(user))
            hits = find_job(items, job)
            if len(hits) != 1:
                return False, f"{len(hits)} entries run the command (want exactly 1)"
            return same_schedule(hits[0][0]["schedule"], want), "schedule fires at other times"

        def spool_ok(user=user):
            st = os.stat(f"/var/spool/cron/crontabs/{user}")
            listed = subprocess.run(
                ["crontab", "-l", "-u", user], capture_output=True, text=True, timeout=20
            )
            ok = (
                st.st_uid == pwd.getpwnam(user).pw_uid
                and st.st_mode & 0o077 == 0
                and listed.returncode == 0
            )
            return ok, f"mode {st.st_mode & 0o777:o}, crontab -l: {listed.stderr.strip()}"

        checks.run(label, user_job_ok)
        checks.run(f"{user}'s crontab installed with crontab(1) and usable", spool_ok)
    else:
        path = job["file"]

        def crond_job_ok(job=job, path=path, want=want):
            items = parse_crontab(read_text(path), system=True)
            hits = find_job(items, job)
            if len(hits) != 1:
                raws = [d["raw"] for k, d, _ in items if k == "job"]
                return False, f"{len(hits)} entries make cron run the exact command; saw {raws}"
            data = hits[0][0]
            return (
                data["user"] == "root" and same_schedule(data["schedule"], want),
                f"user {data['user']!r} or schedule wrong",
            )

        def crond_file_ok(path=path):
            st = os.stat(path)
            text = read_text(path)
            bad = [k for k, _, _ in parse_crontab(text, system=True) if k == "bad"]
            return (
                (st.st_uid == 0 and st.st_mode & 0o022 == 0 and text.endswith("\n") and not bad),
                f"uid={st.st_uid} mode={st.st_mode & 0o777:o} trailing newline={text.endswith(chr(10))} bad lines={bad}",
            )

        checks.run(f"{path}: {job['english'][:60]}", crond_job_ok)
        checks.run(f"{path}: loadable by cron", crond_file_ok)

if truth["obsolete"]:
    user1 = truth["jobs"][0]["user"]

    def merged_ok():
        text = spool_text(user1)
        lines = [line.strip() for line in text.splitlines()]
        missing = [line for line in truth["user1_preserved"] if line.strip() not in lines]
        obsolete = [
            line for line in lines if truth["obsolete"] in line and not line.startswith("#")
        ]
        return not missing and not obsolete, f"missing {missing}; obsolete still there: {obsolete}"

    checks.run(f"{user1}'s old entries kept, obsolete backup entry removed", merged_ok)

if truth["mailto"]:
    mail = truth["mailto"]
    job = next(j for j in truth["jobs"] if j["user"] == mail["user"] and j["where"] == "user")

    def mailto_ok():
        items = parse_crontab(spool_text(mail["user"]))
        hits = find_job(items, job)
        if not hits:
            return False, "job missing"
        line = hits[0][1]
        current = None
        for kind, data, number in items:
            if kind == "env" and data[0] == "MAILTO" and number < line:
                current = data[1]
        return current == mail["address"], f"MAILTO in effect for the job: {current!r}"

    checks.run(f"MAILTO for {mail['user']}'s job", mailto_ok)

if truth["cron_allow_before"]:

    def allow_ok():
        listed = {line.strip() for line in read_text("/etc/cron.allow").splitlines()}
        users = {j["user"] for j in truth["jobs"] if j["where"] == "user"}
        return users | set(truth["cron_allow_before"]) <= listed, f"cron.allow has {sorted(listed)}"

    checks.run("cron.allow lets the job users in and keeps the old ones", allow_ok)

# ------------------------------------------------------------------------------------------------
# the script, run on hidden fixtures
SCRIPT = truth["script"]


def script_installed():
    st = os.stat(SCRIPT)
    return (
        st.st_uid == 0 and st.st_mode & 0o777 == 0o755,
        f"uid={st.st_uid} mode={st.st_mode & 0o777:o}",
    )


checks.run("backup script owned by root with mode 0755", script_installed)


def write_tree(root):
    for f in fixture["files"]:
        path = os.path.join(root, f["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            if "repeat" in f:
                fh.write(f["repeat"].encode() * f["size"])
            else:
                fh.write(f["text"].encode())


def snapshot(root):
    out = {}
    for base, _, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = fh.read()
    return out


def make_fixture(with_dest=True):
    base = tempfile.mkdtemp(prefix="cron-grade-")
    src = os.path.join(base, "src tree" if truth["hard"] else "src")
    dest = os.path.join(base, "dest")
    write_tree(src)
    if with_dest:
        os.makedirs(dest)
        for item in fixture["old"]:
            path = os.path.join(dest, item["name"])
            with tarfile.open(path, "w:gz") as tar:
                info = tarfile.TarInfo("old.txt")
                tar.addfile(info)
            os.utime(path, (item["mtime"], item["mtime"]))
        for name in fixture["junk"]:
            with open(os.path.join(dest, name), "w") as fh:
                fh.write("not an archive of ours\n")
        if fixture["log_before"]:
            with open(os.path.join(dest, "backup.log"), "w") as fh:
                fh.write(fixture["log_before"])
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", base], check=True)
    os.chmod(base, 0o755)
    return base, src, dest


state = {}


def main_run():
    base, src, dest = make_fixture()
    state.update(base=base, src=src, dest=dest, before_src=snapshot(src))
    state["t0"] = time.time()
    rc, out, err = run_agent_code([SCRIPT, src, dest], timeout=90)
    state["t1"] = time.time()
    state["rc"] = rc
    return rc == 0, f"exit {rc}; stderr: {err[-300:]}"


ran = checks.run("script succeeds on the grader's tree", main_run)


def new_archives():
    return sorted(
        n
        for n in os.listdir(state["dest"])
        if ARCHIVE.match(n) and n not in {o["name"] for o in fixture["old"]}
    )


def stamp_ok(name):
    stamp = ARCHIVE.match(name).group(1)
    when = datetime.datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=datetime.UTC)
    return state["t0"] - 2 <= when.timestamp() <= state["t1"] + 2


def archive_named():
    names = new_archives()
    return len(names) == 1 and stamp_ok(names[0]), f"new archives: {names}"


def archive_contents():
    names = new_archives()
    if len(names) != 1:
        return False, "no single new archive"
    members = {}
    with tarfile.open(os.path.join(state["dest"], names[0]), "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                name = member.name[2:] if member.name.startswith("./") else member.name
                members[name] = tar.extractfile(member).read()
    kept = {
        f["path"]: (f["repeat"].encode() * f["size"] if "repeat" in f else f["text"].encode())
        for f in fixture["files"]
        if f["kept"]
    }
    extra = sorted(set(members) - set(kept))
    missing = sorted(set(kept) - set(members))
    changed = sorted(p for p in set(kept) & set(members) if kept[p] != members[p])
    return (
        not extra and not missing and not changed,
        f"extra {extra[:5]} missing {missing[:5]} changed {changed[:3]}",
    )


def retention_ok():
    present = sorted(n for n in os.listdir(state["dest"]) if ARCHIVE.match(n))
    want = sorted(fixture["survivors"] + new_archives())
    return present == want and len(want) == truth["keep"], f"archives left {present}, want {want}"


def junk_ok():
    missing = [n for n in fixture["junk"] if not os.path.isfile(os.path.join(state["dest"], n))]
    return not missing, f"deleted: {missing}"


def source_untouched():
    return snapshot(state["src"]) == state["before_src"], "source tree changed"


if ran:
    checks.run("one new archive named <site>-<UTC now>.tar.gz", archive_named)
    checks.run("archive holds exactly the non-excluded files, relative paths", archive_contents)
    checks.run(f"retention keeps the {truth['keep']} newest archives by name", retention_ok)
    checks.run("files that are not archives are left alone", junk_ok)
    checks.run("source tree not modified", source_untouched)

    if truth["medium"]:

        def log_ok():
            text = read_text(os.path.join(state["dest"], "backup.log"))
            if not text.startswith(fixture["log_before"]):
                return False, "earlier log lines were not kept"
            added = text[len(fixture["log_before"]) :].splitlines()
            names = new_archives()
            if len(added) != 1 or len(names) != 1:
                return False, f"added lines: {added}"
            m = re.fullmatch(
                r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\S+) files=(\d+) pruned=(\d+)", added[0]
            )
            if not m:
                return False, f"bad line {added[0]!r}"
            when = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.UTC
            )
            n_kept = sum(1 for f in fixture["files"] if f["kept"])
            ok = (
                m.group(2) == names[0]
                and int(m.group(3)) == n_kept
                and int(m.group(4)) == fixture["pruned"]
                and state["t0"] - 2 <= when.timestamp() <= state["t1"] + 2
            )
            return ok, f"line {added[0]!r}; want files={n_kept} pruned={fixture['pruned']}"

        checks.run("backup.log gains one correct line", log_ok)

if truth["medium"]:

    def missing_source():
        base = tempfile.mkdtemp(prefix="cron-grade-")
        os.chmod(base, 0o777)
        src, dest = os.path.join(base, "absent"), os.path.join(base, "dest")
        rc, _, err = run_agent_code([SCRIPT, src, dest], timeout=60)
        created = os.path.exists(dest)
        shutil.rmtree(base, ignore_errors=True)
        return (
            rc == 2 and err.strip() != "" and not created,
            f"exit {rc}, stderr {err.strip()[:80]!r}, dest created: {created}",
        )

    checks.run("missing SOURCE_DIR: exit 2, message on stderr, nothing created", missing_source)

if truth["hard"]:

    def lock_respected():
        base, src, dest = make_fixture()
        lock = os.path.join(dest, ".backup.lock")
        with open(lock, "a") as fh:
            os.chown(lock, NOBODY, NOBODY)
            fcntl.flock(fh, fcntl.LOCK_EX)
            before = sorted(os.listdir(dest))
            log_before = read_text(os.path.join(dest, "backup.log"))
            rc, _, _ = run_agent_code([SCRIPT, src, dest], timeout=30)
            after = sorted(os.listdir(dest))
            log_after = read_text(os.path.join(dest, "backup.log"))
        shutil.rmtree(base, ignore_errors=True)
        return (
            rc == 75 and before == after and log_before == log_after,
            f"exit {rc}; dest changed: {before != after}",
        )

    checks.run("a second run while the lock is held exits 75 and changes nothing", lock_respected)

if state.get("base"):
    shutil.rmtree(state["base"], ignore_errors=True)
checks.finish()
