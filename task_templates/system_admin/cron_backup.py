"""Write a backup script with a retention policy and schedule it (and friends) with cron.

The agent writes `/usr/local/bin/<site>-backup SOURCE DEST` (a tar.gz of SOURCE minus excluded
files, retention by the timestamp in the archive name, and above easy an exit code for a missing
source and a log line; on hard a flock guard, a size cap and file names with spaces), then turns
English schedules into crontab entries for several users: merged into crontabs that already
exist (an obsolete entry removed, the rest kept), with MAILTO, cron.allow and an /etc/cron.d file
whose command needs `%` escaped. The checker compares schedules by what they fire on, not by
spelling, and runs the script as `nobody` against a hidden fixture it builds itself.
"""

from __future__ import annotations

import json
import random
import shlex
from dataclasses import dataclass, field

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SITES = [
    "shop",
    "wiki",
    "blog",
    "portal",
    "intranet",
    "docs",
    "crm",
    "forum",
    "status",
    "media",
    "billing",
    "library",
]
FILE_PATTERNS = ["*.tmp", "*.swp", "*.log", "*~", "*.bak", "*.pid"]
DIR_PATTERNS = ["cache", ".git", "node_modules", "tmp", "sessions", ".venv"]
NORMAL_FILES = [
    "index.html",
    "about.html",
    "style.css",
    "app.js",
    "logo.png",
    "robots.txt",
    "config.ini",
    "data.json",
    "README.md",
    "favicon.ico",
    "report.csv",
    "notes.txt",
]
SUBDIRS = ["css", "js", "img", "docs", "docs/2025", "uploads", "uploads/2026", "lib", "static"]
SPACED = ["meeting notes.txt", "Q3 budget.csv", "team photo.png", "old index.html"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
OPENINGS = [
    "The {site} site on this host has no working backups yet.",
    "Ops wants nightly backups of the {site} site and a couple of cron jobs sorted out.",
    "You are taking over the scheduled jobs for the {site} service on this machine.",
    "Backups of {site} were handled by an old script that is being retired.",
]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _schedule(rng: random.Random, kinds: list[str]) -> tuple[str, str]:
    """(English description, canonical cron expression) of one schedule."""
    kind = rng.choice(kinds)
    h, m = rng.randint(0, 23), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
    if kind == "daily":
        return f"every day at {h:02d}:{m:02d}", f"{m} {h} * * *"
    if kind == "twice":
        h1, h2 = sorted(rng.sample(range(0, 24), 2))
        return (
            f"twice a day, at {h1:02d}:{m:02d} and at {h2:02d}:{m:02d}",
            f"{m} {h1},{h2} * * *",
        )
    if kind == "weekly":
        d = rng.randrange(7)
        return f"every {DAYS[d]} at {h:02d}:{m:02d}", f"{m} {h} * * {d}"
    if kind == "workhours":
        step = rng.choice([5, 10, 15, 20, 30])
        h1 = rng.randint(6, 9)
        h2 = rng.randint(16, 19)
        return (
            f"every {step} minutes (at minute 0, {step}, {2 * step}, ... of each hour) from "
            f"{h1:02d}:00 until {h2:02d}:{60 - step:02d} inclusive, Monday to Friday only",
            f"*/{step} {h1}-{h2} * * 1-5",
        )
    if kind == "hourstep":
        k = rng.choice([2, 3, 4, 6])
        return (
            f"at {m} minutes past every {_ordinal(k)} hour, starting at midnight "
            f"(00:{m:02d}, {k:02d}:{m:02d}, {2 * k:02d}:{m:02d}, ...), every day",
            f"{m} */{k} * * *",
        )
    if kind == "monthdays":
        d1, d2 = sorted(rng.sample(range(1, 29), 2))
        return (
            f"at {h:02d}:{m:02d} on the {_ordinal(d1)} and the {_ordinal(d2)} day of every month",
            f"{m} {h} {d1},{d2} * *",
        )
    if kind == "weekend":
        return f"at {h:02d}:{m:02d} on Saturdays and Sundays", f"{m} {h} * * 6,0"
    if kind == "quarterly":
        start = rng.randint(1, 3)
        months = [start, start + 3, start + 6, start + 9]
        names = ", ".join(MONTHS[x - 1] for x in months[:-1]) + f" and {MONTHS[months[-1] - 1]}"
        return (
            f"at {h:02d}:{m:02d} on the first day of {names}",
            f"{m} {h} 1 {','.join(map(str, months))} *",
        )
    if kind == "summer":
        a = rng.randint(4, 7)
        return (
            f"at {h:02d}:{m:02d} on weekdays (Monday to Friday) in {MONTHS[a - 1]}, "
            f"{MONTHS[a]} and {MONTHS[a + 1]} only",
            f"{m} {h} * {a}-{a + 2} 1-5",
        )
    # hours range
    h1 = rng.randint(0, 10)
    h2 = rng.randint(h1 + 3, 22)
    return (
        f"at minute {m} of every hour from {h1:02d}:00 to {h2:02d}:59, every day",
        f"{m} {h1}-{h2} * * *",
    )


def _content(rng: random.Random, name: str) -> str:
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta"]
    return f"{name}: " + " ".join(rng.choice(words) for _ in range(rng.randint(3, 12))) + "\n"


def _tree(rng, file_pats, dir_pats, spaced, size_cap):
    """Files of a source tree: dicts with path, text or (repeat, size), and `kept`."""
    files = []
    dirs = [""] + rng.sample(SUBDIRS, 4)
    for d in dirs:
        for name in rng.sample(NORMAL_FILES, rng.randint(1, 3)):
            path = f"{d}/{name}" if d else name
            files.append({"path": path, "text": _content(rng, path), "kept": True})
    for pat in file_pats:
        d = rng.choice(dirs)
        stem = rng.choice(["draft", "session", "upload", "page"])
        name = pat.replace("*", stem)
        files.append({"path": f"{d}/{name}" if d else name, "text": "junk\n", "kept": False})
        # a near miss that must stay
        near = pat.replace("*", stem) + ".txt" if not pat.endswith("~") else f"{stem}~.md"
        files.append({"path": f"{d}/{near}" if d else near, "text": "near\n", "kept": True})
    for pat in dir_pats:
        d = rng.choice(dirs)
        base = f"{d}/{pat}" if d else pat
        files.append({"path": f"{base}/entry.dat", "text": "cached\n", "kept": False})
        files.append({"path": f"{base}/deep/more.html", "text": "cached\n", "kept": False})
        files.append(
            {
                "path": f"{base}s/keep.txt" if d else f"{pat}s/keep.txt",
                "text": "kept\n",
                "kept": True,
            }
        )
        files.append(
            {"path": f"{d}/{pat}.txt" if d else f"{pat}.txt", "text": "kept\n", "kept": True}
        )
    if spaced:
        for name in rng.sample(SPACED, 2):
            d = rng.choice(dirs)
            path = f"{d}/{name}" if d else name
            files.append({"path": path, "text": _content(rng, path), "kept": True})
    if size_cap:
        limit = size_cap * 1024
        for size, kept in [
            (limit, True),
            (limit + 1, False),
            (limit - 100, True),
            (limit * 3, False),
        ]:
            d = rng.choice(dirs)
            name = f"blob-{size}.bin"
            files.append(
                {"path": f"{d}/{name}" if d else name, "repeat": "z", "size": size, "kept": kept}
            )
    seen, unique = set(), []
    for f in files:
        if f["path"] not in seen:
            seen.add(f["path"])
            unique.append(f)
    return unique


def _keep_blocks(text: str, flags: dict[str, bool]) -> str:
    """Drop `#if FLAG` ... `#endif` blocks whose flag is off (the markers always go)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("#if "):
            skipping = not flags[line.split()[1]]
        elif line.startswith("#endif"):
            skipping = False
        elif not skipping:
            out.append(line)
    return "".join(out)


@dataclass
class Drawn:
    """One task's site, script, paths, users and exclusions; jobs and host state added later."""

    medium_up: bool
    hard: bool
    site: str
    script: str
    keep: int
    file_pats: list[str]
    dir_pats: list[str]
    size_cap: int | None
    src: str
    dest: str
    user1: str
    user2: str
    jobs: list[dict] = field(default_factory=list)
    mailto: str | None = None
    setup: list[str] = field(default_factory=list)
    extra_files: dict[str, str] = field(default_factory=dict)
    preserved_lines: list[str] = field(default_factory=list)
    obsolete: str | None = None
    allow_before: list[str] | None = None


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the site, the backup script's path, retention, exclusions, paths and users."""
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    site = rng.choice(SITES)
    script = rng.choice([f"/usr/local/bin/{site}-backup", f"/usr/local/sbin/backup-{site}"])
    keep = rng.randint(3, 5)
    n_file_pats, n_dir_pats = {Difficulty.EASY: (1, 1), Difficulty.MEDIUM: (2, 1)}.get(
        difficulty, (2, 2)
    )
    file_pats = rng.sample(FILE_PATTERNS, n_file_pats)
    dir_pats = rng.sample(DIR_PATTERNS, n_dir_pats)
    size_cap = rng.choice([16, 24, 32, 48]) if hard else None
    src = f"/srv/{site}/{rng.choice(['htdocs', 'public', 'www', 'site'])}"
    dest = f"/var/backups/{site}"
    user1 = f"{site}{rng.choice(['adm', 'ops', 'web'])}"
    user2 = f"{site}{rng.choice(['svc', 'app', 'run'])}"
    return Drawn(
        medium_up=medium_up,
        hard=hard,
        site=site,
        script=script,
        keep=keep,
        file_pats=file_pats,
        dir_pats=dir_pats,
        size_cap=size_cap,
        src=src,
        dest=dest,
        user1=user1,
        user2=user2,
    )


def _jobs(rng: random.Random, d: Drawn) -> None:
    """The cron jobs to schedule (the backup; medium up a cleanup; hard a cron.d report)."""
    medium_up, hard, site, script, src, dest, user1, user2 = (
        d.medium_up,
        d.hard,
        d.site,
        d.script,
        d.src,
        d.dest,
        d.user1,
        d.user2,
    )
    simple = ["daily", "twice", "weekly"]
    backup_kinds = [*simple, "weekend", "monthdays", "hourstep"]
    complex_ = ["workhours", "hourstep", "monthdays", "weekend", "quarterly", "summer", "hours"]
    jobs = []
    english, expr = _schedule(rng, backup_kinds if medium_up else simple)
    backup_cmd = f"{script} {src} {dest}"
    if medium_up:
        backup_cmd += f" >> /var/log/{site}-backup.log 2>&1"
    jobs.append(
        {
            "where": "user",
            "user": user1,
            "english": english,
            "expr": expr,
            "command": backup_cmd,
        }
    )
    mailto = None
    if medium_up:
        english, expr = _schedule(rng, complex_)
        cleanup = (
            f"/usr/local/bin/{site}-cleanup --older-than {rng.randint(2, 14)}d /var/tmp/{site}"
        )
        jobs.append(
            {
                "where": "user",
                "user": user2,
                "english": english,
                "expr": expr,
                "command": cleanup,
            }
        )
        mailto = f"{rng.choice(['ops', 'oncall', 'webteam', 'alerts'])}-{site}@example.com"
    crond = None
    if hard:
        english, expr = _schedule(rng, ["daily", "monthdays", "quarterly", "weekly"])
        fmt = rng.choice(["%Y-%m-%d", "%F", "%Y%m%d", "%G-W%V"])
        report = (
            f"/usr/local/bin/{site}-report --day $(date -d yesterday +{fmt}) "
            f">> /var/log/{site}-report.log 2>&1"
        )
        crond = f"/etc/cron.d/{site}-report"
        jobs.append(
            {
                "where": "crond",
                "user": "root",
                "file": crond,
                "english": english,
                "expr": expr,
                "command": report,
            }
        )
    d.jobs, d.mailto = jobs, mailto


def _host_setup(rng: random.Random, d: Drawn) -> None:
    """The set-up script: test data, old archives, stubs, an existing crontab and cron.allow."""
    medium_up, hard, site, src, dest, user1, user2 = (
        d.medium_up,
        d.hard,
        d.site,
        d.src,
        d.dest,
        d.user1,
        d.user2,
    )
    file_pats, dir_pats, size_cap = d.file_pats, d.dir_pats, d.size_cap
    visible = _tree(rng, file_pats, dir_pats, hard, size_cap)
    setup = [
        "set -e",
        f"useradd -m -s /bin/bash {user1}",
        f"useradd -m -s /bin/bash {user2}",
    ]
    for f in visible:
        path = f"{src}/{f['path']}"
        setup.append(f"mkdir -p {shlex.quote(path.rsplit('/', 1)[0])}")
        if "repeat" in f:
            setup.append(f"head -c {f['size']} /dev/zero | tr '\\0' z > {shlex.quote(path)}")
        else:
            setup.append(f"printf '%s' {shlex.quote(f['text'])} > {shlex.quote(path)}")
    setup.append(f"mkdir -p {dest}")
    for k in range(2):
        stamp = f"2026{rng.randint(1, 9):02d}{rng.randint(10, 28)}-0{k}3000"
        setup.append(f"tar -czf {dest}/{site}-{stamp}.tar.gz -C {src} {visible[0]['path']}")
    setup.append(f"echo 'manual snapshot before migration' > {dest}/README.txt")
    setup.append(f"chown -R {user1}:{user1} {dest} /srv/{site}")
    stub = "#!/bin/sh\n# placeholder installed by the package\nexit 0\n"
    extra_files = {}
    preserved_lines = []
    obsolete = None
    if medium_up:
        extra_files["cleanup.sh"] = stub
        setup.append(f"install -m 0755 /tmp/stubs/cleanup.sh /usr/local/bin/{site}-cleanup")
        obsolete = f"/usr/local/bin/old-{site}-backup.sh"
        existing = [
            "# m h  dom mon dow   command",
            "SHELL=/bin/bash",
            f"*/{rng.choice([5, 10, 15])} * * * * /usr/local/bin/{site}-healthcheck >/dev/null 2>&1",
            f"{rng.randint(0, 59)} {rng.randint(0, 5)} * * {rng.randrange(7)} {obsolete} {src} /var/backups/old",
            f"{rng.randint(0, 59)} {rng.randint(6, 23)} * * * /usr/bin/find /var/tmp/{site} -type f -mtime +{rng.randint(3, 9)} -delete",
        ]
        head, body = existing[:2], existing[2:]
        rng.shuffle(body)
        existing = head + body
        preserved_lines = [
            line for line in existing if not line.startswith("#") and obsolete not in line
        ]
        extra_files["user1.crontab"] = "\n".join(existing) + "\n"
        extra_files["old-backup.sh"] = "#!/bin/sh\n# retired: replaced by the new backup\nexit 1\n"
        extra_files["healthcheck.sh"] = stub
        setup.append(f"install -m 0755 /tmp/stubs/old-backup.sh {obsolete}")
        setup.append(f"install -m 0755 /tmp/stubs/healthcheck.sh /usr/local/bin/{site}-healthcheck")
        setup.append(f"crontab -u {user1} /tmp/stubs/user1.crontab")
    allow_before = None
    if hard:
        extra_files["report.sh"] = stub
        setup.append(f"install -m 0755 /tmp/stubs/report.sh /usr/local/bin/{site}-report")
        allow_before = ["root", rng.choice(["deploy", "monitor", "backupbot"])]
        setup.append(f"useradd -M -s /usr/sbin/nologin {allow_before[1]}")
        setup.append(f"printf '%s\\n' {' '.join(allow_before)} > /etc/cron.allow")
    setup.append("rm -rf /tmp/stubs")
    d.setup, d.extra_files, d.preserved_lines = setup, extra_files, preserved_lines
    d.obsolete, d.allow_before = obsolete, allow_before


def _fixture(rng: random.Random, d: Drawn) -> dict:
    """The checker's hidden test tree and old archives, and which archives retention keeps."""
    medium_up, hard, site, keep, file_pats, dir_pats, size_cap = (
        d.medium_up,
        d.hard,
        d.site,
        d.keep,
        d.file_pats,
        d.dir_pats,
        d.size_cap,
    )
    hidden = _tree(rng, file_pats, dir_pats, hard, size_cap)
    n_old = keep + rng.randint(1, 3)
    old = []
    stamps = set()
    while len(stamps) < n_old:
        stamps.add(
            f"2025{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-"
            f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
        )
    ordered = sorted(stamps)
    mtimes = list(range(1_700_000_000, 1_700_000_000 + 86_400 * n_old, 86_400))
    if hard:
        # file times disagree with the names (names decide): newest-by-mtime must pick others
        newest_by_name = set(range(n_old - keep + 1, n_old))
        while {
            i for i, _ in sorted(enumerate(mtimes), key=lambda p: p[1])[n_old - keep + 1 :]
        } == newest_by_name:
            rng.shuffle(mtimes)
    for stamp, mtime in zip(ordered, mtimes, strict=True):
        old.append({"name": f"{site}-{stamp}.tar.gz", "mtime": mtime})
    survivors = [a["name"] for a in old[-(keep - 1) :]] if keep > 1 else []
    junk = [
        "README.txt",
        f"{site}-latest.tar.gz",
        f"{site}-{ordered[0]}.tar.gz.part",
        f"other-{ordered[0]}.tar.gz",
        f"{site}-{ordered[0][:8]}.tar.gz",
    ]
    log_before = (
        f"2025-01-0{rng.randint(1, 9)}T02:00:01Z {site}-20250101-020001.tar.gz files=3 pruned=0\n"
        if medium_up
        else None
    )
    fixture = {
        "files": hidden,
        "old": old,
        "survivors": survivors,
        "pruned": len(old) - len(survivors),
        "junk": junk,
        "log_before": log_before,
    }
    return fixture


def _script_rules(rng: random.Random, d: Drawn) -> list[str]:
    """The backup script's contract (shuffled)."""
    medium_up, hard, site, script, keep, file_pats, dir_pats, size_cap = (
        d.medium_up,
        d.hard,
        d.site,
        d.script,
        d.keep,
        d.file_pats,
        d.dir_pats,
        d.size_cap,
    )
    excluded = [f"files whose name matches `{p}`" for p in file_pats] + [
        f"any directory named `{d}` (at any depth) with everything below it" for d in dir_pats
    ]
    if size_cap:
        excluded.append(
            f"files larger than {size_cap} KiB ({size_cap * 1024} bytes; a file of exactly that size is kept)"
        )
    script_rules = [
        f"It is called as `{script} SOURCE_DIR DEST_DIR` and must work for any two paths, "
        "not just the ones below, run by any user who can read SOURCE_DIR and write DEST_DIR.",
        f"It writes one gzip-compressed tar archive `DEST_DIR/{site}-YYYYmmdd-HHMMSS.tar.gz` "
        "(the current UTC time), creating DEST_DIR if needed. The archive holds every "
        "regular file under SOURCE_DIR, stored with its path relative to SOURCE_DIR (a "
        "leading `./` is fine), except: " + "; ".join(excluded) + ".",
        f"Retention: after writing the new archive, keep only the {keep} newest archives in "
        f"DEST_DIR and delete older ones. Only files named exactly "
        f"`{site}-YYYYmmdd-HHMMSS.tar.gz` are archives; never touch any other file. "
        + (
            "Newest means the latest timestamp in the file name, not the latest file "
            "modification time."
            if hard
            else "Newest means the latest timestamp in the file name."
        ),
        "It must not modify anything under SOURCE_DIR.",
    ]
    if medium_up:
        script_rules.append(
            "If SOURCE_DIR is not an existing directory, print an error to stderr and exit "
            "with status 2 without creating anything (not even DEST_DIR)."
        )
        script_rules.append(
            "On success it appends exactly one line to `DEST_DIR/backup.log`: "
            f"`<UTC time as YYYY-mm-ddTHH:MM:SSZ> <archive file name> files=<number of files "
            f"in the archive> pruned=<number of archives deleted>`, e.g. "
            f"`2030-01-31T23:59:59Z {site}-20300131-235959.tar.gz files=0 pruned=0`."
        )
    if hard:
        script_rules.append(
            "It must never run twice at once: it takes an exclusive `flock` on "
            "`DEST_DIR/.backup.lock` (creating it if needed, never deleting it), and if "
            "another run holds that lock it exits at once with status 75 without creating, "
            "deleting or logging anything."
        )
        script_rules.append("File names may contain spaces.")
    rng.shuffle(script_rules)
    return script_rules


def _cron_rules(rng: random.Random, d: Drawn) -> list[str]:
    """The jobs to schedule and the crontab requirements (shuffled, the last rule fixed)."""
    medium_up, hard, jobs, user1, user2, obsolete, mailto = (
        d.medium_up,
        d.hard,
        d.jobs,
        d.user1,
        d.user2,
        d.obsolete,
        d.mailto,
    )
    cron_rules = []
    for job in jobs:
        if job["where"] == "user":
            cron_rules.append(
                f"In `{job['user']}`'s crontab, run {job['english']}, the command: "
                f"`{job['command']}`"
            )
        else:
            cron_rules.append(
                f"In the system crontab file `{job['file']}` (run as `root`), run "
                f"{job['english']}, the command: `{job['command']}` — cron must execute "
                "exactly this text, so mind what cron does with `%`. The file must be "
                "loadable by cron: owned by root, not writable by group or others, every "
                "line ending in a newline."
            )
    if medium_up:
        cron_rules.append(
            f"`{user1}` already has a crontab. Remove its entry that runs `{obsolete}` (the "
            "new backup replaces it) and keep every other line of it unchanged."
        )
        cron_rules.append(
            f"Mail about `{user2}`'s cron jobs must go to `{mailto}` (set it in that crontab "
            "so that it applies to the job)."
        )
    if hard:
        cron_rules.append(
            "`/etc/cron.allow` exists on this host: every user who gets a crontab must be "
            "allowed to use cron; keep the users already listed."
        )
    rng.shuffle(cron_rules)
    cron_rules.append(
        "Each job must appear exactly once. Install user crontabs with `crontab` (the grader "
        "reads the installed crontabs, not files you leave lying around)."
    )
    return cron_rules


def _instruction(rng: random.Random, d: Drawn) -> str:
    """The task text: write the script to its contract, then schedule the jobs."""
    site, script, src, dest = d.site, d.script, d.src, d.dest
    script_rules = _script_rules(rng, d)
    cron_rules = _cron_rules(rng, d)
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(site=site),
            "",
            f"1. Write the backup script `{script}` (any language; owned by root, mode "
            "`0755`). Its contract:",
            *[f"   - {r}" for r in script_rules],
            f"   Test data lives in `{src}` and `{dest}`; the grader runs your script as an "
            "unprivileged user on a different tree of its own.",
            "",
            "2. Schedule the jobs:",
            *[f"   - {r}" for r in cron_rules],
        ]
    )
    return instruction


def _expected(d: Drawn) -> dict:
    """Ground truth: the script's contract parameters and the crontab state to find."""
    medium_up, hard, site, script, keep, file_pats, dir_pats, size_cap = (
        d.medium_up,
        d.hard,
        d.site,
        d.script,
        d.keep,
        d.file_pats,
        d.dir_pats,
        d.size_cap,
    )
    jobs, user2, mailto, preserved_lines, obsolete, allow_before = (
        d.jobs,
        d.user2,
        d.mailto,
        d.preserved_lines,
        d.obsolete,
        d.allow_before,
    )
    expected = {
        "script": script,
        "site": site,
        "keep": keep,
        "file_patterns": file_pats,
        "dir_patterns": dir_pats,
        "size_cap": size_cap,
        "medium": medium_up,
        "hard": hard,
        "jobs": jobs,
        "mailto": {"user": user2, "address": mailto} if mailto else None,
        "user1_preserved": preserved_lines,
        "obsolete": obsolete,
        "cron_allow_before": allow_before,
    }
    return expected


@register
class CronBackup(TemplateFamily):
    name = "cron-backup-schedule"
    result_paths = ()  # crontabs and the cron daemon: live system state
    domain = Domain.SYSTEM_ADMIN
    description = (
        "Write a tar.gz backup script with exclusions and retention, and install its cron jobs "
        "(merging crontabs, MAILTO, cron.allow, cron.d with % escaping)."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _jobs(rng, drawn)
        _host_setup(rng, drawn)
        fixture = _fixture(rng, drawn)
        instruction = _instruction(rng, drawn)
        expected = _expected(drawn)
        solution = self._solution(drawn)
        hard, setup, extra_files = drawn.hard, drawn.setup, drawn.extra_files
        dockerfile = ""
        if extra_files:
            dockerfile += "COPY stubs/ /tmp/stubs/\n"
        dockerfile += "COPY setup_state.sh /tmp/setup_state.sh\n"
        dockerfile += "RUN bash /tmp/setup_state.sh && rm /tmp/setup_state.sh\n"
        return Instance(
            instruction=instruction,
            files={
                "setup_state.sh": "\n".join(setup) + "\n",
                **{f"stubs/{k}": v for k, v in extra_files.items()},
            },
            dockerfile=dockerfile,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            test_files={"fixture.json": json.dumps(fixture, indent=1, sort_keys=True)},
            tags=["cron", "backup", "tar", "bash"] + (["flock"] if hard else []),
        )

    def _solution(self, d: Drawn) -> str:
        """solve.sh: the shipped script with this task's blocks, parameters and cron steps."""
        medium_up, hard, site, script, keep, src, dest, size_cap = (
            d.medium_up,
            d.hard,
            d.site,
            d.script,
            d.keep,
            d.src,
            d.dest,
            d.size_cap,
        )
        file_pats, dir_pats, jobs, user1, user2, obsolete, mailto = (
            d.file_pats,
            d.dir_pats,
            d.jobs,
            d.user1,
            d.user2,
            d.obsolete,
            d.mailto,
        )
        solution = (
            _keep_blocks(self.asset("solve.sh"), {"MEDIUM": medium_up, "HARD": hard})
            .replace("@SCRIPT@", script)
            .replace("@SITE@", site)
            .replace("@KEEP@", str(keep))
            .replace("@SRC@", src)
            .replace("@DEST@", dest)
            .replace("@SIZE_CAP@", str(size_cap or 0))
            .replace("@FILE_PATS@", " ".join(shlex.quote(p) for p in file_pats))
            .replace("@DIR_PATS@", " ".join(dir_pats))
            .replace("@MEDIUM@", "1" if medium_up else "0")
            .replace("@HARD@", "1" if hard else "0")
            .replace("@CRON_STEPS@", self._cron_steps(jobs, user1, user2, obsolete, mailto, hard))
        )
        return solution

    @staticmethod
    def _cron_steps(jobs, user1, user2, obsolete, mailto, hard) -> str:
        """Shell steps installing the crontabs; the schedules are the human translation."""
        lines = []
        if hard:
            lines.append(
                f'for u in {user1} {user2}; do grep -qx "$u" /etc/cron.allow || echo "$u" >> /etc/cron.allow; done'
            )
        for job in jobs:
            lines.append(f"# {job['english']}")
            if job["where"] == "crond":
                escaped = job["command"].replace("%", "\\%")
                lines.append(f"cat > {job['file']} <<'CRON'")
                lines.append("SHELL=/bin/sh")
                lines.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                lines.append(f"{job['expr']} root {escaped}")
                lines.append("CRON")
                lines.append(f"chown root:root {job['file']}")
                lines.append(f"chmod 0644 {job['file']}")
                continue
            tmp = f"/tmp/crontab.{job['user']}"
            lines.append(f"crontab -l -u {job['user']} > {tmp} 2>/dev/null || : > {tmp}")
            if job["user"] == user1 and obsolete:
                lines.append(f"grep -vF '{obsolete}' {tmp} > {tmp}.new || true")
                lines.append(f"mv {tmp}.new {tmp}")
            if job["user"] == user2 and mailto:
                lines.append(f"echo 'MAILTO={mailto}' >> {tmp}")
            lines.append(f"cat >> {tmp} <<'CRON'")
            lines.append(f"{job['expr']} {job['command']}")
            lines.append("CRON")
            lines.append(f"crontab -u {job['user']} {tmp}")
            lines.append(f"crontab -l -u {job['user']}")
            lines.append(f"rm -f {tmp}")
        return "\n".join(lines)
