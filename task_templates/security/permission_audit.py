"""Audit a host for planted permission and sudoers misconfigurations, report them and fix them.

The generator lays out an application's files (configs, scripts, data, keys) with a build-time
setup script that creates users and groups and sets owners and modes, then plants the faults it
will grade: world-writable files, setuid (and, hard, setgid) copies of system binaries outside
the approved list, private keys readable by group or others, `NOPASSWD: ALL` sudo rules (hard:
through a group or a User_Alias/Cmnd_Alias, and in /etc/sudoers itself), sudoers.d files with
the wrong mode, and (hard) sudo-allowed commands that a non-root user can rewrite. Every level
also plants look-alikes that are not findings: symlinks and world-writable directories, keys at
0400, public keys and certificates, a README quoting a key header, allowed setuid programs,
NOPASSWD rules for single commands, commented-out rules and sudoers.d files sudo ignores. The
report is compared with the planted list; the fixes are checked on disk, with `visudo -c` and
`sudo -l -U`.
"""

from __future__ import annotations

import base64
import hashlib
import random
import textwrap
from dataclasses import dataclass, field

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

APPS = ["acme", "ledgerly", "orbit", "pylon", "quanta", "helix", "nimbus", "tessera", "vantage"]
HUMANS = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
    "peggy",
    "trent",
    "victor",
    "walter",
]
GROUPS = ["ops", "devs", "dba", "webadmins", "support", "oncall"]
SERVICE_USERS = ["deploy", "backup", "ci", "monitor", "etl"]
BINARIES = ["/usr/bin/find", "/usr/bin/env", "/usr/bin/cp", "/usr/bin/tar", "/usr/bin/dash"]
BIN_NAMES = [
    "sync-helper",
    "log-rotate",
    "dbus-relay",
    "perf-probe",
    "cache-warm",
    "net-check",
    "quota-tool",
    "pkg-hook",
]
KEY_TYPES = ["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"]
LOOSE_KEY_MODES = [0o644, 0o640, 0o604, 0o444, 0o660, 0o755]
WW_MODES = [0o666, 0o646, 0o777, 0o662, 0o606, 0o757]
SUDOERS_BAD_MODES = [0o644, 0o640, 0o600, 0o444]
REPORT_PATHS = ["/root/audit/findings.txt", "/app/audit/report.txt", "/var/log/audit-findings.txt"]
ALLOWLIST_PATHS = [
    "/etc/security/setuid-allowlist",
    "/app/policy/approved-setuid.txt",
    "/etc/audit-policy/suid.allow",
]

OPENINGS = [
    "Before `{host}` goes back into production, security wants a permission audit.",
    "A penetration test flagged `{host}` for local privilege-escalation risks.",
    "You inherited the server `{host}` and nobody knows who changed which permissions.",
    "Compliance requires a file-permission and sudo audit of `{host}`.",
]
GOALS = [
    "Find every misconfiguration defined below, write them to a report, then fix them.",
    "Audit the host against the rules below, record each finding, and remediate all of them.",
    "Produce an exact findings report and repair every finding without touching anything else.",
]


def _pem(rng: random.Random, kind: str, lines: int) -> str:
    body = base64.b64encode(bytes(rng.randrange(256) for _ in range(48 * lines))).decode()
    wrapped = "\n".join(textwrap.wrap(body, 64))
    return f"-----BEGIN {kind}-----\n{wrapped}\n-----END {kind}-----\n"


def _conf(rng: random.Random, app: str) -> str:
    return (
        f"# {app} configuration\n[server]\nlisten = 0.0.0.0:{rng.randint(8000, 8999)}\n"
        f"workers = {rng.randint(2, 32)}\n[storage]\npath = /srv/{app}/data\n"
        f"retention_days = {rng.randint(7, 90)}\n"
    )


def _script(rng: random.Random, what: str) -> str:
    return f'#!/bin/sh\n# {what}\nset -e\nlogger -t {what} "run $(date +%s)"\nexit 0\n'


def _data(rng: random.Random) -> str:
    rows = [
        f"{rng.randint(1000, 9999)},{rng.choice(HUMANS)},{rng.randint(1, 500)}" for _ in range(6)
    ]
    return "id,owner,size\n" + "\n".join(rows) + "\n"


class Plan:
    """Everything the setup script creates, plus what the checker expects afterwards."""

    def __init__(self) -> None:
        self.groups: list[str] = []
        self.users: list[tuple[str, list[str]]] = []
        self.files: dict[str, tuple[str, str, str, int]] = {}  # path -> content, owner, group, mode
        self.dirs: dict[str, tuple[str, str, int]] = {}
        self.links: dict[str, str] = {}
        self.copies: dict[str, tuple[str, str, str, int]] = {}  # path -> source, owner, group, mode
        self.findings: list[tuple[str, str]] = []
        self.allowed_extra: list[str] = []

    def file(self, path, content, owner="root", group="root", mode=0o644):
        assert path not in self.files and path not in self.copies
        self.files[path] = (content, owner, group, mode)

    def directory(self, path, owner="root", group="root", mode=0o755):
        self.dirs[path] = (owner, group, mode)


@dataclass
class Drawn:
    """One task's drawn parameters and the host plan they lay out, filled in step by step."""

    difficulty: Difficulty
    medium_up: bool
    hard: bool
    app: str
    host: str
    report: str
    allowlist: str
    humans: list[str]
    groups: list[str]
    svc: str
    plan: Plan
    members: dict[str, list[str]]
    audit_dirs: list[str]
    plain: list[str] = field(default_factory=list)
    traps: list[str] = field(default_factory=list)  # paths whose state must not change
    fixes: dict[str, dict] = field(default_factory=dict)
    sudo_files: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)  # users who must no longer have NOPASSWD: ALL
    keep: list[tuple[str, str]] = field(default_factory=list)  # (user, `sudo -l -U user` text)
    legit_lines: dict[str, list[str]] = field(default_factory=dict)


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw host, users and groups, then plant files and faults in the fixed order of rng calls."""
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    app = rng.choice(APPS)
    host = f"{app}-{rng.choice(['web', 'app', 'db', 'batch'])}{rng.randint(1, 9):02d}"
    report = rng.choice(REPORT_PATHS)
    allowlist = rng.choice(ALLOWLIST_PATHS)
    humans = rng.sample(HUMANS, 9)
    groups = rng.sample(GROUPS, 3)
    svc = f"{app}svc"
    plan = Plan()
    plan.groups = groups
    members = {g: [] for g in groups}
    for i, user in enumerate(humans):
        mine = [groups[i % 3]] if i < 6 else []
        for g in mine:
            members[g].append(user)
        plan.users.append((user, mine))
    plan.users.append((svc, []))
    audit_dirs = [f"/etc/{app}", f"/srv/{app}", f"/opt/{app}"] + (["/home"] if hard else [])
    drawn = Drawn(
        difficulty=difficulty,
        medium_up=medium_up,
        hard=hard,
        app=app,
        host=host,
        report=report,
        allowlist=allowlist,
        humans=humans,
        groups=groups,
        svc=svc,
        plan=plan,
        members=members,
        audit_dirs=audit_dirs,
    )
    _plant_app_files(rng, drawn)
    _plant_world_writable(rng, drawn)
    _plant_setuid(rng, drawn)
    _plant_keys(rng, drawn)
    _plant_sudoers(rng, drawn)
    _record_fix_state(drawn)
    return drawn


def _plant_app_files(rng: random.Random, d: Drawn) -> None:
    """The ordinary application files: the haystack the faults are hidden in."""
    difficulty, app, svc, plan, plain = d.difficulty, d.app, d.svc, d.plan, d.plain
    # --- ordinary application files (the haystack) ----------------------------------------
    layout = {
        f"/etc/{app}": ["app.conf", "logging.conf", "limits.conf", "features.ini", "db.conf"],
        f"/etc/{app}/conf.d": ["10-cache.conf", "20-mail.conf", "30-auth.conf"],
        f"/srv/{app}/data": ["users.csv", "orders.csv", "ledger.csv", "index.csv"],
        f"/srv/{app}/shared": ["banner.txt", "motd.txt", "templates.txt"],
        f"/opt/{app}/bin": ["start.sh", "stop.sh", "healthcheck.sh", "migrate.sh"],
        f"/opt/{app}/lib": ["common.sh", "env.sh"],
    }
    per_dir = {Difficulty.EASY: 2, Difficulty.MEDIUM: 3, Difficulty.HARD: 4}[difficulty]
    for directory, names in layout.items():
        plan.directory(directory)
        for name in rng.sample(names, min(per_dir, len(names))):
            path = f"{directory}/{name}"
            if name.endswith(".sh"):
                content, mode = _script(rng, name[:-3]), rng.choice([0o755, 0o750, 0o700])
            elif name.endswith(".csv"):
                content, mode = _data(rng), rng.choice([0o640, 0o644, 0o600, 0o664])
            else:
                content, mode = _conf(rng, app), rng.choice([0o644, 0o640, 0o600, 0o664])
            owner = rng.choice(["root", svc])
            plan.file(path, content, owner, rng.choice(["root", owner]), mode)
            plain.append(path)


def _plant_world_writable(rng: random.Random, d: Drawn) -> None:
    """World-writable files (findings) and symlink/directory look-alikes (traps)."""
    difficulty, medium_up, hard, app, svc = d.difficulty, d.medium_up, d.hard, d.app, d.svc
    plan, plain, fixes, traps, humans = d.plan, d.plain, d.fixes, d.traps, d.humans
    # --- world-writable files ---------------------------------------------------------------
    n_ww = {Difficulty.EASY: 2, Difficulty.MEDIUM: 3, Difficulty.HARD: 4}[difficulty]
    for path in rng.sample(plain, n_ww):
        content, owner, group, _ = plan.files[path]
        mode = rng.choice(WW_MODES)
        plan.files[path] = (content, owner, group, mode)
        plan.findings.append(("world-writable", path))
        fixes[path] = {"mode": mode & ~0o002}
    if hard:  # a world-writable dotfile in a user's home
        user = humans[0]
        path = f"/home/{user}/.bashrc"
        plan.directory(f"/home/{user}", user, user, 0o750)
        plan.file(path, "# ~/.bashrc\nexport PATH=$HOME/bin:$PATH\n", user, user, 0o666)
        plan.findings.append(("world-writable", path))
        fixes[path] = {"mode": 0o664}
    # look-alikes: a symlink, world-writable and sticky directories, a file outside the scope
    link = f"/etc/{app}/current.conf"
    plan.links[link] = f"/etc/{app}/conf.d/{rng.choice(['10-cache.conf', '20-mail.conf'])}"
    plan.directory(f"/srv/{app}/uploads", svc, svc, 0o1777)
    plan.directory(f"/srv/{app}/spool", svc, svc, 0o777)
    traps += [link, f"/srv/{app}/uploads", f"/srv/{app}/spool"]
    if medium_up:
        outside = f"/var/tmp/{app}-cache/state.db"
        plan.directory(f"/var/tmp/{app}-cache", svc, svc, 0o755)
        plan.file(outside, "state=ok\n", svc, svc, 0o666)
        traps.append(outside)


def _plant_setuid(rng: random.Random, d: Drawn) -> None:
    """Setuid (and, hard, setgid) copies of system binaries, an approved one and a plain decoy."""
    difficulty, hard, app, groups = d.difficulty, d.hard, d.app, d.groups
    plan, fixes, traps = d.plan, d.fixes, d.traps
    # --- setuid / setgid -------------------------------------------------------------------
    n_suid = {Difficulty.EASY: 1, Difficulty.MEDIUM: 2, Difficulty.HARD: 3}[difficulty]
    places = [
        "/usr/local/bin",
        f"/opt/{app}/bin",
        f"/usr/lib/{app}",
        "/var/tmp/.cache",
        "/usr/local/sbin",
    ]
    names = rng.sample(BIN_NAMES, n_suid + 3)
    suid_paths = []
    for i in range(n_suid):
        where = places[i] if not hard else rng.choice(places)
        path = f"{where}/{names[i]}"
        while path in plan.copies:
            path = f"{rng.choice(places)}/{names[i]}"
        mode = rng.choice([0o4755, 0o4750, 0o4711])
        plan.copies[path] = (rng.choice(BINARIES), "root", "root", mode)
        plan.findings.append(("setuid", path))
        fixes[path] = {"mode": mode & ~0o4000}
        suid_paths.append(path)
    if hard:
        for name in names[n_suid : n_suid + 2]:
            path = f"{rng.choice(['/usr/local/bin', f'/opt/{app}/bin'])}/{name}"
            mode = rng.choice([0o2755, 0o2750])
            plan.copies[path] = (rng.choice(BINARIES), "root", rng.choice(groups), mode)
            plan.findings.append(("setgid", path))
            fixes[path] = {"mode": mode & ~0o2000}
        approved = f"/usr/local/bin/{app}-{names[-1]}"
        plan.copies[approved] = (rng.choice(BINARIES), "root", "root", 0o4755)
        plan.allowed_extra.append(approved)
        traps.append(approved)
    # a plain non-setuid copy next to them
    decoy_bin = f"/usr/local/bin/{names[n_suid + 2]}"
    plan.copies.setdefault(decoy_bin, (rng.choice(BINARIES), "root", "root", 0o755))
    traps.append(decoy_bin)


def _plant_keys(rng: random.Random, d: Drawn) -> None:
    """Loose private keys (findings) next to a tight key, a certificate and key look-alikes."""
    difficulty, medium_up, hard, app, svc, host = (
        d.difficulty,
        d.medium_up,
        d.hard,
        d.app,
        d.svc,
        d.host,
    )
    plan, fixes, traps, humans = d.plan, d.fixes, d.traps, d.humans
    # --- private keys ------------------------------------------------------------------------
    key_places = [
        (f"/etc/{app}/tls", "server.key"),
        (f"/srv/{app}/backup", "id_rsa"),
        (f"/opt/{app}/keys", "signing.pem"),
        (f"/etc/{app}/tls", "client-old.key.bak"),
        (f"/srv/{app}/backup", "db-dump.key"),
    ]
    n_keys = {Difficulty.EASY: 1, Difficulty.MEDIUM: 2, Difficulty.HARD: 3}[difficulty]
    chosen = rng.sample(key_places, n_keys + 2)
    for directory, _ in chosen:
        plan.directory(directory, "root", "root", 0o755)
    for directory, name in chosen[:n_keys]:
        path = f"{directory}/{name}"
        mode = rng.choice(LOOSE_KEY_MODES)
        owner = rng.choice(["root", svc])
        plan.file(path, _pem(rng, rng.choice(KEY_TYPES), rng.randint(4, 9)), owner, owner, mode)
        plan.findings.append(("private-key", path))
        fixes[path] = {"mode": 0o600}
    good_dir, good_name = chosen[n_keys]
    good_key = f"{good_dir}/{good_name}"
    plan.file(
        good_key, _pem(rng, rng.choice(KEY_TYPES), 5), svc, svc, 0o400 if medium_up else 0o600
    )
    traps.append(good_key)
    cert_dir, _ = chosen[n_keys + 1]
    cert = f"{cert_dir}/ca-bundle.crt"
    plan.file(cert, _pem(rng, "CERTIFICATE", 6), "root", "root", 0o644)
    traps.append(cert)
    if medium_up:
        pub = f"{good_key}.pub"
        plan.file(pub, f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{svc} {svc}@{host}\n", svc, svc, 0o644)
        readme = f"/opt/{app}/keys/README"
        plan.directory(f"/opt/{app}/keys")
        plan.file(
            readme,
            "Key handling\n\nA signing key file starts with the line\n"
            "-----BEGIN RSA PRIVATE KEY-----\nand must be readable by its owner only.\n",
            "root",
            "root",
            0o644,
        )
        traps += [pub, readme]
    if hard:
        user = humans[1]
        plan.directory(f"/home/{user}", user, user, 0o750)
        plan.directory(f"/home/{user}/.ssh", user, user, 0o700)
        path = f"/home/{user}/.ssh/id_ed25519"
        plan.file(path, _pem(rng, "OPENSSH PRIVATE KEY", 4), user, user, rng.choice([0o644, 0o640]))
        plan.findings.append(("private-key", path))
        fixes[path] = {"mode": 0o600}


def _plant_sudoers(rng: random.Random, d: Drawn) -> None:
    """Sudoers files with legitimate rules, NOPASSWD: ALL rules, bad modes and writable commands."""
    medium_up, hard, app, humans, groups, members = (
        d.medium_up,
        d.hard,
        d.app,
        d.humans,
        d.groups,
        d.members,
    )
    plan, fixes, traps = d.plan, d.fixes, d.traps
    sudo_files, removed, revoked, keep = d.sudo_files, d.removed, d.revoked, d.keep
    # --- sudoers ----------------------------------------------------------------------------
    sudo_modes: dict[str, int] = {}
    file_names = rng.sample(["10-" + app, "20-deploy", "30-ops", "40-monitoring", "50-dba"], 3)
    for name in file_names:
        sudo_files[f"/etc/sudoers.d/{name}"] = [f"# managed by config-mgmt: {name}"]
        sudo_modes[f"/etc/sudoers.d/{name}"] = 0o440
    paths = sorted(sudo_files)
    service_cmd = f"/usr/bin/systemctl restart {app}"
    keep_user = humans[6]
    sudo_files[paths[0]].append(f"{keep_user} ALL=(root) NOPASSWD: {service_cmd}")
    keep.append((keep_user, service_cmd))
    admin_user = humans[7]
    sudo_files[paths[1]].append(f"{admin_user} ALL=(ALL:ALL) ALL")
    keep.append((admin_user, "(ALL : ALL) ALL"))
    journal_cmd = f"/usr/bin/journalctl -u {app}"
    sudo_files[paths[2]].append(f"%{groups[2]} ALL=(root) {journal_cmd}")
    keep.append((members[groups[2]][0], journal_cmd))

    def bad(path: str, line: str, users: list[str]) -> None:
        sudo_files[path].append(line)
        removed.setdefault(path, []).append(line)
        revoked.extend(users)
        if ("sudo-nopasswd", path) not in plan.findings:
            plan.findings.append(("sudo-nopasswd", path))

    bad_user = humans[3]
    bad(paths[1], f"{bad_user} ALL=(ALL) NOPASSWD: ALL", [bad_user])
    if medium_up:
        group = groups[0]
        bad(paths[2], f"%{group} ALL=(ALL:ALL) NOPASSWD:ALL", members[group])
        sudo_files[paths[0]].append(f"# {humans[4]} ALL=(ALL) NOPASSWD: ALL")
        mode_file = rng.choice(paths)
        sudo_modes[mode_file] = rng.choice(SUDOERS_BAD_MODES)
        plan.findings.append(("sudoers-mode", mode_file))
    if hard:
        alias_users = [humans[5], humans[8]]
        cmnd = rng.choice(["EVERYTHING", "ANYCMD", "FULL_ACCESS"])
        ualias = rng.choice(["ADMINS", "BREAKGLASS", "SRE_TEAM"])
        sudo_files[paths[0]] += [
            f"Cmnd_Alias {cmnd} = ALL",
            f"User_Alias {ualias} = {', '.join(alias_users)}",
        ]
        bad(paths[0], f"{ualias} ALL=(ALL) NOPASSWD: {cmnd}", alias_users)
        main_user = humans[2]
        plan.findings.append(("sudo-nopasswd", "/etc/sudoers"))
        revoked.append(main_user)
        removed["/etc/sudoers"] = [f"{main_user} ALL=(ALL) NOPASSWD: ALL"]
        ignored = f"/etc/sudoers.d/{rng.choice(['old.bak', 'ops.dpkg-old', 'legacy.disabled'])}"
        plan.file(ignored, f"{humans[4]} ALL=(ALL) NOPASSWD: ALL\n", "root", "root", 0o440)
        traps.append(ignored)
        # sudo-allowed commands that a non-root user can rewrite
        owner_user = humans[6]
        weak = f"/opt/{app}/bin/rotate-logs.sh"
        plan.file(weak, _script(rng, "rotate-logs"), owner_user, owner_user, 0o755)
        sudo_files[paths[2]].append(f"{owner_user} ALL=(root) NOPASSWD: {weak}")
        keep.append((owner_user, weak))
        group_cmd = f"/usr/local/sbin/{app}-deploy"
        plan.file(group_cmd, _script(rng, "deploy"), "root", groups[1], 0o775)
        sudo_files[paths[1]].append(f"%{groups[1]} ALL=(root) {group_cmd}")
        keep.append((members[groups[1]][0], group_cmd))
        safe_cmd = f"/opt/{app}/bin/report.sh"
        plan.file(safe_cmd, _script(rng, "report"), "root", "root", 0o755)
        sudo_files[paths[0]].append(f"{humans[8]} ALL=(root) NOPASSWD: {safe_cmd}")
        keep.append((humans[8], safe_cmd))
        traps.append(safe_cmd)
        for path in (weak, group_cmd):
            plan.findings.append(("sudo-writable-command", path))
            fixes[path] = {"mode": plan.files[path][3] & ~0o022, "owner": 0, "group": 0}
    for path, lines in sudo_files.items():
        plan.file(path, "\n".join(lines) + "\n", "root", "root", sudo_modes[path])
        if path in [p for c, p in plan.findings if c == "sudoers-mode"]:
            fixes.setdefault(path, {})["mode"] = 0o440
    legit_lines = {
        path: [
            line
            for line in lines
            if line not in removed.get(path, [])
            and not line.startswith(("#", "Cmnd_Alias", "User_Alias"))
        ]
        for path, lines in sudo_files.items()
    }
    legit_lines["/etc/sudoers"] = ["root\tALL=(ALL:ALL) ALL", "@includedir /etc/sudoers.d"]
    d.legit_lines = legit_lines


def _record_fix_state(d: Drawn) -> None:
    """Every fixed path keeps its content and owner unless its fix says otherwise."""
    plan, fixes, sudo_files = d.plan, d.fixes, d.sudo_files
    for path, fix in fixes.items():
        if path in sudo_files:
            continue  # its rules are graded line by line, its mode here
        if path in plan.files:
            content, owner, _, _ = plan.files[path]
            fix["sha256"] = hashlib.sha256(content.encode()).hexdigest()
            if "owner" not in fix:
                fix["owner_name"] = owner
        else:
            fix["same_as"] = plan.copies[path][0]


def _image_files(d: Drawn) -> dict[str, str]:
    """The build context: the planted tree under fs/ and the setup.sh that sets owners and modes."""
    hard, allowlist, plan, removed = d.hard, d.allowlist, d.plan, d.removed
    files: dict[str, str] = {}
    setup = ["#!/bin/bash", "set -euo pipefail"]
    for g in plan.groups:
        setup.append(f"groupadd -f {g}")
    for user, mine in plan.users:
        extra = f" -G {','.join(mine)}" if mine else ""
        setup.append(f"useradd -M -s /bin/bash{extra} {user}")
    setup += [
        f"mkdir -p {allowlist.rsplit('/', 1)[0]}",
        "{ echo '# approved setuid/setgid programs, one absolute path per line'; "
        f"find / -xdev -type f -perm /6000 2>/dev/null | sort; }} > {allowlist}",
    ]
    for path in plan.allowed_extra:
        setup.append(f"echo {path} >> {allowlist}")
    setup.append(f"chmod 644 {allowlist}")
    for path, (owner, group, mode) in sorted(plan.dirs.items()):
        setup.append(f"mkdir -p {path} && chown {owner}:{group} {path} && chmod {mode:o} {path}")
    for path, (content, owner, group, mode) in sorted(plan.files.items()):
        files[f"fs{path}"] = content
        setup.append(f"chown {owner}:{group} {path} && chmod {mode:o} {path}")
    for path, (source, owner, group, mode) in sorted(plan.copies.items()):
        setup.append(
            f"mkdir -p {path.rsplit('/', 1)[0]} && cp {source} {path} && "
            f"chown {owner}:{group} {path} && chmod {mode:o} {path}"
        )
    for path, target in sorted(plan.links.items()):
        setup.append(f"ln -s {target} {path}")
    if hard:
        setup.append(f"echo '{removed['/etc/sudoers'][0]}' >> /etc/sudoers")
    setup.append("visudo -c >/dev/null 2>&1 || true")
    files["setup.sh"] = "\n".join(setup) + "\n"
    return files


def _expected(d: Drawn) -> dict:
    """Ground truth: findings, fixes, the state traps must keep and the sudo rules to keep."""
    medium_up, hard, report, plan, traps, fixes = (
        d.medium_up,
        d.hard,
        d.report,
        d.plan,
        d.traps,
        d.fixes,
    )
    revoked, keep, removed, legit_lines = d.revoked, d.keep, d.removed, d.legit_lines
    trap_state = {}
    for path in sorted(set(traps)):
        if path in plan.links:
            trap_state[path] = {"link": plan.links[path]}
        elif path in plan.dirs:
            trap_state[path] = {"mode": plan.dirs[path][2], "dir": True}
        elif path in plan.files:
            content, _, _, mode = plan.files[path]
            trap_state[path] = {
                "mode": mode,
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
            }
        else:
            trap_state[path] = {"mode": plan.copies[path][3], "same_as": plan.copies[path][0]}
    categories = ["world-writable", "setuid", "private-key", "sudo-nopasswd"]
    if medium_up:
        categories.append("sudoers-mode")
    if hard:
        categories += ["setgid", "sudo-writable-command"]
    expected = {
        "report": report,
        "categories": categories,
        "findings": sorted(f"{c} {p}" for c, p in plan.findings),
        "fixes": dict(sorted(fixes.items())),
        "traps": trap_state,
        "revoked_users": sorted(set(revoked)),
        "keep_rules": sorted(keep),
        "removed_lines": removed,
        "legit_lines": legit_lines,
        "system_setuid": ["/usr/bin/passwd", "/usr/bin/su", "/usr/bin/sudo"],
    }
    return expected


def _instruction(rng: random.Random, d: Drawn) -> str:
    """The task text: the finding categories and notes (shuffled) and the report format."""
    medium_up, hard, app, host, report, allowlist = (
        d.medium_up,
        d.hard,
        d.app,
        d.host,
        d.report,
        d.allowlist,
    )
    audit_dirs = d.audit_dirs
    scope = ", ".join(f"`{d}`" for d in audit_dirs)
    rules = [
        f"`world-writable`: a regular file anywhere under {scope} whose mode grants write "
        "permission to others. Fix: remove only the others-write bit, keep every other bit.",
        "`setuid`: a regular file anywhere on the root filesystem with the setuid bit set "
        f"that is not listed in `{allowlist}`. Fix: clear only the setuid bit; keep the file.",
        f"`private-key`: a regular file under {scope} whose content begins with a PEM "
        "private-key header line (`-----BEGIN ... PRIVATE KEY-----`) and whose mode grants "
        "any permission to group or others. Fix: set its mode to exactly 0600.",
        "`sudo-nopasswd`: a sudoers file (`/etc/sudoers` or a file in `/etc/sudoers.d/`) "
        "holding an active rule that lets a user or group run ALL commands with NOPASSWD"
        + (", directly or through aliases" if hard else "")
        + ". Report the sudoers file once. Fix: delete (or comment out) each such rule and "
        "nothing else.",
    ]
    if medium_up:
        rules.append(
            "`sudoers-mode`: a file in `/etc/sudoers.d/` whose mode is not 0440. "
            "Fix: chmod it to 0440."
        )
    if hard:
        rules += [
            "`setgid`: like `setuid`, for the setgid bit (clear only the setgid bit).",
            "`sudo-writable-command`: a program named (by absolute path) in an active sudo "
            "rule that is owned by a user other than root or is writable by its group or by "
            "others. Report the program's path. Fix: make it owned by `root:root` and remove "
            "group and others write permission, keeping its other bits.",
        ]
    rng.shuffle(rules)
    notes = [
        "Symlinks and directories are never findings.",
        "Leave everything that is not a finding exactly as it is: other files, modes, "
        "sudo rules and the allowlist.",
        "Afterwards `visudo -c` must succeed and every remaining sudo rule must still work.",
    ]
    if hard:
        notes.append(
            "sudo skips files in `/etc/sudoers.d/` whose name contains a `.` or ends in `~`; "
            "such files are never findings."
        )
    rng.shuffle(notes)
    example_path = f"/etc/{rng.choice([a for a in APPS if a != app])}/example.conf"
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(host=host),
            rng.choice(GOALS),
            "",
            "Finding categories (the first word is the category name used in the report):",
            *[f"- {rule}" for rule in rules],
            "",
            *[f"- {note}" for note in notes],
            "",
            f"Write the report to `{report}` (create the directory if needed): one finding per "
            "line, formatted `<category> <absolute path>` with a single space, lines sorted "
            "in byte order (as `LC_ALL=C sort` sorts them), no duplicates, nothing else. A "
            "path that matches two categories appears once per category. "
            f"For example `world-writable {example_path}`.",
            "Record the findings as they were before your fixes.",
        ]
    )
    return instruction


@register
class PermissionSudoersAudit(TemplateFamily):
    name = "permission-sudoers-audit"
    result_paths = ()  # modes, owners and setuid bits across the filesystem
    domain = Domain.SECURITY
    description = (
        "Audit file modes, setuid binaries, private keys and sudoers rules; write an exact "
        "findings report and fix every finding."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        files = _image_files(drawn)
        dockerfile = (
            "COPY fs/ /\nCOPY setup.sh /tmp/setup.sh\nRUN bash /tmp/setup.sh && rm /tmp/setup.sh\n"
        )
        expected = _expected(drawn)
        instruction = _instruction(rng, drawn)
        return Instance(
            instruction=instruction,
            solution=self._solution(drawn),
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["permissions", "sudoers", "setuid", "audit"],
        )

    def _solution(self, d: Drawn) -> str:
        """solve.sh: the shipped audit script, set to this task's directories, paths and rules."""
        medium_up, hard, report, allowlist, audit_dirs = (
            d.medium_up,
            d.hard,
            d.report,
            d.allowlist,
            d.audit_dirs,
        )
        dirs = " ".join(audit_dirs)
        solution = (
            self.asset("solve.sh")
            .replace("@DIRS@", dirs)
            .replace("@REPORT@", report)
            .replace("@ALLOWLIST@", allowlist)
            .replace("@SETGID@", "1" if hard else "0")
            .replace("@MODES@", "1" if medium_up else "0")
            .replace("@WRITABLE@", "1" if hard else "0")
        )
        return solution
