"""Bring accounts, groups and a shared project tree in line with an access-request spec.

The generator writes a colon-separated access spec (groups with GIDs, users with UIDs, shells,
homes and supplementary groups, shared directories with setgid modes and ACLs, files with exact
modes) and, above easy, a host that already half-matches it: a group with the wrong GID whose
files must follow it, an existing account to repair, a departing account to retire, and (hard)
an account whose UID and home both move, a stale account squatting on a requested UID and a
sudoers drop-in. The truth is the spec itself, so the checker reads /etc/passwd, /etc/group,
/etc/shadow, stat and getfacl, and also proves the access works by acting as the users.
"""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass, field
from datetime import date

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

TEAMS = [
    "orion",
    "vega",
    "atlas",
    "nimbus",
    "kestrel",
    "falcon",
    "borealis",
    "quasar",
    "cobalt",
    "juniper",
    "sierra",
    "tundra",
    "helix",
    "ember",
    "lumen",
    "zephyr",
]
FIRST = [
    "Maya",
    "Kiran",
    "Tomas",
    "Aisha",
    "Lena",
    "Omar",
    "Priya",
    "Jonas",
    "Sofia",
    "Dmitri",
    "Grace",
    "Hugo",
    "Ines",
    "Felix",
    "Nadia",
    "Rafael",
    "Yuki",
    "Elena",
    "Marcus",
    "Zara",
    "Lucas",
    "Amara",
    "Viktor",
    "Chloe",
]
LAST = [
    "Hale",
    "Patel",
    "Novak",
    "Reyes",
    "Berg",
    "Haddad",
    "Iyer",
    "Weber",
    "Costa",
    "Volkov",
    "Okafor",
    "Lambert",
    "Moreau",
    "Tanaka",
    "Larsen",
    "Quinn",
    "Duarte",
    "Fischer",
    "Nakamura",
    "Brennan",
    "Santos",
    "Kowalski",
    "Ahmed",
    "Lindqvist",
]
ROLES = ["dev", "ops", "qa", "data", "sec", "web"]
SHELLS = ["/bin/bash", "/bin/bash", "/bin/sh", "/bin/bash", "/usr/bin/bash"]
SPEC_DIRS = ["/app/requests", "/root/tickets", "/srv/admin/requests", "/app"]
TICKET_PREFIXES = ["ACC", "OPS", "IT", "SEC", "INFRA", "REQ"]
SHARED_ROOTS = ["/srv/projects", "/srv/share", "/srv/teams", "/srv/work"]
HOME_ROOTS = ["/srv/home", "/home", "/srv/users"]
SUDO_COMMANDS = [
    "/usr/sbin/service {team}-api restart",
    "/usr/sbin/service {team}-worker reload",
    "/usr/sbin/logrotate -f /etc/logrotate.d/{team}",
    "/usr/bin/tail -n 200 /var/log/{team}/api.log",
    "/usr/sbin/service {team}-api status",
    "/usr/bin/crontab -l -u {team}svc",
]
SUBDIRS = ["docs", "build", "releases", "data", "scripts", "notes", "config", "tmp", "assets"]
FILENAMES = [
    "plan.md",
    "budget.csv",
    "notes.txt",
    "deploy.yml",
    "schema.sql",
    "run.sh",
    "index.html",
    "report.pdf",
    "todo.txt",
    "keys.json",
]
OPENINGS = [
    "Ticket `{spec}` asks you to set up access for team {team} on this host.",
    "The access request for team {team} is in `{spec}`; this machine has to be brought in line with it.",
    "Team {team} is being onboarded. Their access specification is `{spec}`.",
    "Security approved the access spec `{spec}` for team {team}; apply it to this server.",
]
GOALS = [
    "Make the accounts, groups, directories and permissions match it exactly.",
    "Create or repair every account, group, directory and permission it describes.",
    "Apply it: afterwards the system must match the spec line by line.",
]
SIZES = {
    # groups, new users, shared dirs, named ACL entries per shared dir, files
    Difficulty.EASY: (2, 3, 1, 1, 2),
    Difficulty.MEDIUM: (3, 4, 1, 2, 3),
    Difficulty.HARD: (4, 5, 2, 2, 3),
}
EPOCH = date(1970, 1, 1)


def _perm(bits: int) -> str:
    return ("r" if bits & 4 else "-") + ("w" if bits & 2 else "-") + ("x" if bits & 1 else "-")


def _no_x(perm: str) -> str:
    return perm[:2] + "-"


def _base_acl(mode: int) -> list[str]:
    return [
        f"user::{_perm(mode >> 6 & 7)}",
        f"group::{_perm(mode >> 3 & 7)}",
        f"other::{_perm(mode & 7)}",
    ]


@dataclass
class Drawn:
    """One task's drawn spec and pre-existing host state, filled in step by step."""

    difficulty: Difficulty
    medium_up: bool
    hard: bool
    team: str
    ticket: str
    spec_path: str
    home_root: str
    home_mode: str
    shared_root: str
    roles: list[str]
    gid_base: int
    groups: dict[str, int]
    users: dict[str, dict]
    logins: list[str]
    retiring: str | None
    retire_info: dict | None
    repaired: str | None
    moved: str | None
    shared: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    file_contents: dict[str, str] = field(default_factory=dict)
    setup: list[str] = field(default_factory=list)  # the build-time script's lines
    archive_files: list[dict] = field(default_factory=list)
    preserved: list[dict] = field(default_factory=list)
    renumbered_group: str | None = None
    removed: dict | None = None
    sudo: dict | None = None
    expire_date: date | None = None

    @property
    def group_names(self) -> list[str]:
        return list(self.groups)


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn | None:
    """Draw the whole spec and host state in the fixed order of rng calls; None to draw again."""
    n_groups, n_new, n_shared, n_acl, n_files = SIZES[difficulty]
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    team = rng.choice(TEAMS)
    ticket = f"{rng.choice(TICKET_PREFIXES)}-{rng.randint(1000, 9899)}"
    spec_path = f"{rng.choice(SPEC_DIRS)}/{ticket.lower()}.spec"
    home_root = rng.choice(HOME_ROOTS)
    home_mode = rng.choice(["0700", "0750"])
    shared_root = rng.choice(SHARED_ROOTS)

    # --- groups -------------------------------------------------------------------------
    roles = rng.sample(ROLES, n_groups)
    gid_base = rng.randrange(2000, 6000, 100)
    gids = sorted(rng.sample(range(gid_base + 10, gid_base + 90), n_groups))
    groups = {f"{team}-{role}": gid for role, gid in zip(roles, gids, strict=True)}
    group_names = list(groups)

    # --- people ---------------------------------------------------------------------------
    n_people = n_new + (1 if medium_up else 0) + (1 if hard else 0) + (1 if medium_up else 0)
    firsts = rng.sample(FIRST, n_people)
    lasts = rng.sample(LAST, n_people)
    people = []
    for first, last in zip(firsts, lasts, strict=True):
        people.append((f"{first[0].lower()}{last.lower()}", f"{first} {last}"))
    uid_base = rng.randrange(2000, 6000, 100)
    uids = sorted(rng.sample(range(uid_base + 1, uid_base + 99), n_people))
    rng.shuffle(uids)

    users: dict[str, dict] = {}
    for index, ((login, full), uid) in enumerate(zip(people, uids, strict=True)):
        primary = group_names[index % n_groups]
        others = [g for g in group_names if g != primary]
        supp = sorted(rng.sample(others, rng.randint(0, min(2, len(others)))))
        users[login] = {
            "uid": uid,
            "group": primary,
            "gid": groups[primary],
            "groups": supp,
            "shell": rng.choice(SHELLS),
            "home": f"{home_root}/{login}",
            "gecos": full,
        }
    logins = list(users)
    retiring = logins.pop() if medium_up else None
    retire_info = users.pop(retiring) if retiring else None
    # index 0..n_new-1 are new; then the repaired account(s)
    repaired = logins[n_new] if medium_up else None
    moved = logins[n_new + 1] if hard else None
    drawn = Drawn(
        difficulty=difficulty,
        medium_up=medium_up,
        hard=hard,
        team=team,
        ticket=ticket,
        spec_path=spec_path,
        home_root=home_root,
        home_mode=home_mode,
        shared_root=shared_root,
        roles=roles,
        gid_base=gid_base,
        groups=groups,
        users=users,
        logins=logins,
        retiring=retiring,
        retire_info=retire_info,
        repaired=repaired,
        moved=moved,
    )
    _draw_shared(rng, drawn)
    _draw_files(rng, drawn)
    _plant_accounts(rng, drawn)
    _plant_existing_files(rng, drawn)
    if not _draw_sudo(rng, drawn) or not _add_probes(drawn):
        return None
    return drawn


def _draw_shared(rng: random.Random, drawn: Drawn) -> None:
    """The shared project directories: owner, group, setgid mode, ACL entries, existing content."""
    n_shared, n_acl = SIZES[drawn.difficulty][2:4]
    medium_up, hard, team, shared_root = drawn.medium_up, drawn.hard, drawn.team, drawn.shared_root
    group_names, users, logins = drawn.group_names, drawn.users, drawn.logins
    repaired, moved = drawn.repaired, drawn.moved
    # --- shared directories -----------------------------------------------------------------
    shared = []
    subdir_pool = rng.sample(SUBDIRS, len(SUBDIRS))
    for index in range(n_shared):
        owner_group = group_names[index]
        name = team if index == 0 else f"{team}-{rng.choice(['releases', 'archive', 'data'])}"
        path = f"{shared_root}/{name}"
        dir_mode = rng.choice([0o2770, 0o2770, 0o2775])
        file_mode = {0o2770: 0o660, 0o2775: 0o664}[dir_mode]
        group_bits = dir_mode >> 3 & 7
        candidates = [g for g in group_names if g != owner_group]
        entries = []
        for gname in rng.sample(candidates, min(n_acl, len(candidates))):
            perm = rng.choice(["rwx", "r-x"]) if group_bits == 7 else "r-x"
            entries.append(("group", gname, perm))
        if hard and index == 0:
            related = {owner_group} | {g for _, g, _ in entries}
            pool = [
                login
                for login in logins
                if login not in (repaired, moved)
                and not related & {users[login]["group"], *users[login]["groups"]}
            ]
            if pool:
                entries.append(("user", rng.choice(pool), "r-x"))
        leads = [login for login in logins if users[login]["group"] == owner_group]
        owner = rng.choice(["root", "root", *leads[:1]])
        sub = [subdir_pool.pop() for _ in range(2)] if medium_up else []
        existing = []
        if medium_up:
            for d in sub:
                for fname in rng.sample(FILENAMES, 2):
                    existing.append(f"{path}/{d}/{fname}")
            existing.append(f"{path}/{rng.choice(FILENAMES)}")
        shared.append(
            {
                "path": path,
                "owner": owner,
                "group": owner_group,
                "dir_mode": dir_mode,
                "file_mode": file_mode,
                "entries": entries,
                "subdirs": [f"{path}/{d}" for d in sub],
                "files": sorted(set(existing)),
            }
        )
    drawn.shared = shared


def _draw_files(rng: random.Random, drawn: Drawn) -> None:
    """The stand-alone files with exact owner, group and mode, and their contents."""
    n_files = SIZES[drawn.difficulty][4]
    team, ticket, group_names = drawn.team, drawn.ticket, drawn.group_names
    # --- stand-alone files --------------------------------------------------------------------
    ops_group = group_names[1]
    file_specs = [
        (f"/etc/{team}/deploy.env", "root", ops_group, 0o640),
        (f"/etc/{team}/db.secret", "root", ops_group, 0o440),
        (f"/usr/local/bin/{team}-deploy", "root", ops_group, 0o750),
        (f"/etc/{team}/motd", "root", group_names[0], 0o644),
        (f"/usr/local/sbin/{team}-backup", "root", "root", 0o700),
    ]
    files = [
        {"path": p, "owner": o, "group": g, "mode": m}
        for p, o, g, m in rng.sample(file_specs, n_files)
    ]
    file_contents = {
        f["path"]: f"# {team} {f['path'].rsplit('/', 1)[-1]} ({ticket})\n" for f in files
    }
    drawn.files, drawn.file_contents = files, file_contents


def _plant_accounts(rng: random.Random, drawn: Drawn) -> None:
    """Setup script, part one: a group with the wrong GID; accounts to repair, retire and move."""
    medium_up, hard, team, gid_base = drawn.medium_up, drawn.hard, drawn.team, drawn.gid_base
    groups, group_names, users, shared = drawn.groups, drawn.group_names, drawn.users, drawn.shared
    repaired, moved, retiring, retire_info = (
        drawn.repaired,
        drawn.moved,
        drawn.retiring,
        drawn.retire_info,
    )
    # --- pre-existing state (setup script run at image build) ------------------------------------
    setup = ["set -e"]
    archive_files = []
    preserved = []
    renumbered_group = None
    if medium_up:
        renumbered_group = rng.choice(group_names)
        old_gid = groups[renumbered_group] - rng.randint(300, 700)
        setup.append(f"groupadd -g {old_gid} {renumbered_group}")
        legacy = f"{team}-legacy"
        setup.append(f"groupadd -g {gid_base + 95} {legacy}")
    for s in shared:
        for d in s["subdirs"]:
            setup.append(f"mkdir -p {d}")
    if medium_up:
        # an existing account to repair
        info = users[repaired]
        old_shell = "/bin/sh" if info["shell"] != "/bin/sh" else "/bin/bash"
        setup.append(
            f"useradd -u {info['uid']} -g users -G {team}-legacy -s {old_shell} "
            f"-m -d {info['home']} -c {shlex.quote(info['gecos'].split()[0])} {repaired}"
        )
        note = f"{info['home']}/notes-{rng.randint(100, 999)}.txt"
        setup.append(f"echo 'personal notes of {repaired}' > {note}")
        setup.append(f"chown {repaired}:users {note}")
        preserved.append(
            {"path": note, "owner": repaired, "text": f"personal notes of {repaired}\n"}
        )
        # the account to retire
        ri = retire_info
        setup.append(
            f"useradd -u {ri['uid']} -g users -G {renumbered_group},{team}-legacy "
            f"-s /bin/bash -m -d {ri['home']} -c {shlex.quote(ri['gecos'])} {retiring}"
        )
        setup.append(f"echo '{retiring}:Temp-{rng.randint(10000, 99999)}-pass' | chpasswd")
    if hard:
        info = users[moved]
        old_uid = info["uid"] - rng.randint(400, 900)
        old_home = f"/home/{moved}.old"
        setup.append(
            f"useradd -u {old_uid} -g users -s /bin/bash -m -d {old_home} "
            f"-c {shlex.quote(info['gecos'])} {moved}"
        )
        kept = f"{old_home}/project-{rng.randint(100, 999)}.log"
        setup.append(f"echo 'work log of {moved}' > {kept}")
        setup.append(f"chown {moved}:users {kept}")
        preserved.append(
            {
                "path": kept.replace(old_home, info["home"]),
                "owner": moved,
                "text": f"work log of {moved}\n",
            }
        )
    drawn.setup, drawn.archive_files, drawn.preserved = setup, archive_files, preserved
    drawn.renumbered_group = renumbered_group


def _plant_existing_files(rng: random.Random, drawn: Drawn) -> None:
    """Setup script, part two: files to fix in /srv and /etc, and (hard) a UID-squatting account."""
    n_new = SIZES[drawn.difficulty][1]
    medium_up, hard, team, setup = drawn.medium_up, drawn.hard, drawn.team, drawn.setup
    moved, repaired, renumbered_group = drawn.moved, drawn.repaired, drawn.renumbered_group
    archive_files, shared, files, file_contents = (
        drawn.archive_files,
        drawn.shared,
        drawn.files,
        drawn.file_contents,
    )
    logins, users = drawn.logins, drawn.users
    # archive tree holding files of the renumbered group / moved user
    if medium_up:
        archive = f"/srv/archive/{team}"
        setup.append(f"mkdir -p {archive}")
        for k in range(3):
            path = f"{archive}/{rng.choice(['2023', '2024', '2025'])}-{k}-{rng.choice(FILENAMES)}"
            owner = moved if hard and k == 0 else "root"
            setup.append(f"echo 'archived {k}' > {path}")
            setup.append(f"chown {owner}:{renumbered_group} {path}")
            setup.append(f"chmod 0640 {path}")
            archive_files.append({"path": path, "owner": owner, "group": renumbered_group})
    # existing content in the shared directories (wrong group and modes)
    for s in shared:
        if not s["files"]:
            continue
        setup.append(f"chown root:root {s['path']} && chmod 0755 {s['path']}")
        for d in s["subdirs"]:
            setup.append(f"chmod 0755 {d}")
        for k, path in enumerate(s["files"]):
            owner = "root"
            if k % 3 == 1 and repaired:
                owner = repaired
            if k % 3 == 2 and hard:
                owner = moved
            setup.append(f"echo 'content of {path.rsplit('/', 1)[-1]}' > {path}")
            setup.append(f"chown {owner}:{renumbered_group if k % 2 else 'root'} {path}")
            setup.append(f"chmod {rng.choice(['0644', '0600', '0664'])} {path}")
            s.setdefault("owners", {})[path] = owner
    # stand-alone files exist with sloppy ownership
    for f in files:
        parent = f["path"].rsplit("/", 1)[0]
        setup.append(f"mkdir -p {parent}")
        setup.append(f"cat > {f['path']} <<'EOF'\n{file_contents[f['path']]}EOF")
        setup.append(f"chmod 0666 {f['path']}")
    removed = None
    if hard:
        # a stale build account sits on the UID one new user is meant to get
        victim = logins[rng.randrange(n_new)]
        stale = (
            f"{rng.choice(['tmpbuild', 'ci-runner', 'olddeploy', 'migrate'])}{rng.randint(1, 9)}"
        )
        setup.append(
            f"useradd -u {users[victim]['uid']} -U -s /bin/bash -m -d /home/{stale} {stale}"
        )
        removed = {"login": stale, "home": f"/home/{stale}", "uid": users[victim]["uid"]}
    drawn.removed = removed


def _draw_sudo(rng: random.Random, drawn: Drawn) -> bool:
    """(hard) The sudo rules for one group; False when no member or no outsider exists."""
    hard, team, roles, group_names = drawn.hard, drawn.team, drawn.roles, drawn.group_names
    logins, users = drawn.logins, drawn.users
    sudo = None
    if hard:
        cmds = [c.format(team=team) for c in rng.sample(SUDO_COMMANDS, 2)]
        sudo_group = group_names[1]
        members = [lg for lg in logins if sudo_group in [users[lg]["group"], *users[lg]["groups"]]]
        outsiders = [lg for lg in logins if lg not in members]
        if not members or not outsiders:
            return False
        sudo = {
            "file": f"/etc/sudoers.d/{team}-{roles[1]}",
            "group": sudo_group,
            "commands": cmds,
            "member": members[0],
            "outsider": outsiders[0],
            "denied": f"/usr/sbin/service {team}-api stop"
            if "stop" not in " ".join(cmds)
            else "/bin/bash",
        }
    drawn.sudo = sudo
    return True


def _add_probes(drawn: Drawn) -> bool:
    """Which user the checker acts as for each shared dir; False when a dir has no member."""
    shared, users, logins = drawn.shared, drawn.users, drawn.logins
    # --- behavioural probes for each shared dir ---------------------------------------------------
    for s in shared:

        def reach(login, s=s):
            # POSIX ACL order: owner, then a named-user entry alone, then the union of
            # every matching group entry (owning group included), then other.
            u = users[login]
            if login == s["owner"]:
                return "owner"
            for kind, who, perm in s["entries"]:
                if kind == "user" and who == login:
                    return "rw" if perm == "rwx" else "ro"
            mine = {u["group"], *u["groups"]}
            if s["group"] in mine:
                return "member"
            perms = [p for k, w, p in s["entries"] if k == "group" and w in mine]
            if perms:
                return "rw" if "rwx" in perms else "ro"
            return "none"

        by = {}
        for login in logins:
            by.setdefault(reach(login), []).append(login)
        if len(by.get("member", [])) < 1:
            return False
        s["probe"] = {
            "creator": by["member"][0],
            "member2": (by["member"][1:] or [None])[0],
            "rw": (by.get("rw") or [None])[0],
            "ro": (by.get("ro") or [None])[0],
            "outsider": (by.get("none") or ["nobody"])[0],
        }
    return True


def _spec_text(rng: random.Random, drawn: Drawn) -> str:
    """The access spec the agent applies (sections in shuffled line order; draws the expiry)."""
    ticket, team, groups, users, shared = (
        drawn.ticket,
        drawn.team,
        drawn.groups,
        drawn.users,
        drawn.shared,
    )
    files, retiring, removed, sudo = drawn.files, drawn.retiring, drawn.removed, drawn.sudo
    # --- the spec file ------------------------------------------------------------------------
    spec = [
        f"# Access request {ticket}: team {team}",
        "# Fields are separated by ':'. Lines starting with '#' are comments.",
        "",
        "[groups]",
        "# name:gid",
    ]
    group_lines = [f"{g}:{gid}" for g, gid in groups.items()]
    rng.shuffle(group_lines)
    spec += group_lines
    spec += [
        "",
        "[users]",
        "# login:uid:primary_group:supplementary_groups:shell:home:full_name",
    ]
    order = list(users)
    rng.shuffle(order)
    for login in order:
        u = users[login]
        spec.append(
            f"{login}:{u['uid']}:{u['group']}:{','.join(u['groups']) or '-'}:"
            f"{u['shell']}:{u['home']}:{u['gecos']}"
        )
    spec += ["", "[shared]", "# path:owner:group:dir_mode:file_mode:acl_entries"]
    for s in shared:
        acl = ",".join(f"{'g' if k == 'group' else 'u'}:{w}:{p}" for k, w, p in s["entries"])
        spec.append(
            f"{s['path']}:{s['owner']}:{s['group']}:{s['dir_mode']:04o}:{s['file_mode']:04o}:{acl}"
        )
    spec += ["", "[files]", "# path:owner:group:mode"]
    spec += [f"{f['path']}:{f['owner']}:{f['group']}:{f['mode']:04o}" for f in files]
    expire_date = None
    if retiring:
        expire_date = date(2026, rng.randint(1, 12), rng.randint(1, 28))
        spec += ["", "[retire]", "# login:account_expiry_date"]
        spec.append(f"{retiring}:{expire_date.isoformat()}")
    if removed:
        spec += ["", "[remove]", "# login"]
        spec.append(removed["login"])
    if sudo:
        spec += ["", "[sudo]", "# group:command (run as root, no password)"]
        spec += [f"{sudo['group']}:{c}" for c in sudo["commands"]]
    spec_text = "\n".join(spec) + "\n"
    drawn.expire_date = expire_date
    return spec_text


def _instruction(rng: random.Random, drawn: Drawn) -> str:
    """The task text: how to read each spec section (shuffled) and how the grader checks."""
    medium_up, hard, team, spec_path = drawn.medium_up, drawn.hard, drawn.team, drawn.spec_path
    home_mode, sudo = drawn.home_mode, drawn.sudo
    # --- instruction ------------------------------------------------------------------------------
    rules = [
        "`[groups]`: each group must exist with exactly that GID. If a group of that name "
        "already exists with another GID, renumber it, and every file under `/srv` that "
        "belonged to the old GID must belong to the group again afterwards.",
        "`[users]`: each account must exist with exactly that UID, primary group, login "
        "shell, home directory and full name (the whole GECOS field). Its supplementary "
        "groups must be exactly the listed ones (`-` means none): remove it from any other "
        "group. Existing accounts are modified in place, not deleted and recreated.",
        f"Every home directory listed must exist, owned by the user and their primary group, "
        f"mode `{home_mode}`; anything already in it must be kept.",
        "`[shared]`: the directory must exist with the given owner, group and mode (the "
        "leading `2` is the setgid bit). `acl_entries` are setfacl-style entries "
        "(`g:<group>:<perms>` or `u:<user>:<perms>`) that must be present both in the "
        "directory's access ACL and in its default ACL, so that files created later inherit "
        "them. The default ACL's `user::`, `group::` and `other::` entries equal the "
        "directory's own mode bits.",
        "Anything already inside a `[shared]` directory keeps its owner but gets the "
        "directory's group; sub-directories get `dir_mode` and the same access and default "
        "ACL entries; regular files get `file_mode` and the ACL entries with the execute bit "
        "dropped (e.g. `r-x` becomes `r--`). No other named ACL entries may be present.",
        "`[files]`: the file must have exactly that owner, group and mode; keep its content.",
    ]
    if medium_up:
        rules.append(
            "`[retire]`: lock the account's password (keep the hash, prefixed with `!`), set "
            "its shell to `/usr/sbin/nologin`, set the account expiry date to the given date "
            "and remove it from all supplementary groups. Keep its home directory and UID."
        )
    if hard:
        rules.append(
            "When an account's UID changes, every file under `/srv` it owned must still be "
            "owned by it afterwards. When its home directory changes, move the old home's "
            "content to the new path."
        )
        rules.append("`[remove]`: delete the account, its personal group and its home directory.")
        rules.append(
            f"`[sudo]`: write the rules to `{sudo['file']}` (owner root, mode `0440`, must pass "
            "`visudo -c`): members of the group may run exactly the listed commands, with "
            "exactly those arguments, as root without a password, and nothing else."
        )
    rng.shuffle(rules)
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(spec=spec_path, team=team),
            rng.choice(GOALS),
            "",
            "How to read each section of the spec:",
            *[f"- {rule}" for rule in rules],
            "",
            "The grader reads `/etc/passwd`, `/etc/group`, `/etc/shadow`, `stat` and `getfacl`, "
            "and also acts as the users: members of a shared directory's group must be able to "
            "create files there that every other member can modify, groups with `r-x` ACL "
            "entries must be able to read them but not change them, and everyone else must "
            "be kept out unless the mode says otherwise.",
            f"Do not modify `{spec_path}` and do not touch accounts the spec does not mention.",
        ]
    )
    return instruction


def _expected(drawn: Drawn, spec_text: str) -> dict:
    """Ground truth: the spec itself, plus what must survive and the probes per shared dir."""
    spec_path, groups, users, home_mode = (
        drawn.spec_path,
        drawn.groups,
        drawn.users,
        drawn.home_mode,
    )
    preserved, archive_files, shared, files = (
        drawn.preserved,
        drawn.archive_files,
        drawn.shared,
        drawn.files,
    )
    file_contents, retiring, retire_info, expire_date = (
        drawn.file_contents,
        drawn.retiring,
        drawn.retire_info,
        drawn.expire_date,
    )
    removed, sudo = drawn.removed, drawn.sudo

    # --- expected ---------------------------------------------------------------------------------
    def shared_truth(s):
        named = [f"{k}:{w}:{p}" for k, w, p in s["entries"]]
        named_files = [f"{k}:{w}:{_no_x(p)}" for k, w, p in s["entries"]]
        dir_acl = sorted(_base_acl(s["dir_mode"]) + named)
        default_acl = sorted(f"default:{e}" for e in _base_acl(s["dir_mode"]) + named)
        return {
            "path": s["path"],
            "owner": s["owner"],
            "group": s["group"],
            "mode": s["dir_mode"],
            "file_mode": s["file_mode"],
            "acl": dir_acl,
            "default_acl": default_acl,
            "subdirs": s["subdirs"],
            "files": s["files"],
            "file_owners": s.get("owners", {}),
            "file_acl": sorted(_base_acl(s["file_mode"]) + named_files),
            "probe": s["probe"],
        }

    expected = {
        "spec_path": spec_path,
        "spec_text": spec_text,
        "groups": groups,
        "users": users,
        "home_mode": int(home_mode, 8),
        "preserved": preserved,
        "archive_files": archive_files,
        "shared": [shared_truth(s) for s in shared],
        "files": [dict(f, text=file_contents[f["path"]]) for f in files],
        "retired": (
            {
                "login": retiring,
                "uid": retire_info["uid"],
                "home": retire_info["home"],
                "expire_days": (expire_date - EPOCH).days,
            }
            if retiring
            else None
        ),
        "removed": removed,
        "sudo": sudo,
        "system_accounts": ["root", "daemon", "bin", "sys", "nobody", "www-data"],
    }
    return expected


@register
class AccessProvisioning(TemplateFamily):
    name = "team-access-provisioning"
    result_paths = ()  # users, groups, homes and sudo rights
    domain = Domain.SYSTEM_ADMIN
    description = (
        "Apply an access-request spec: users, groups, setgid shared dirs with default ACLs, "
        "exact file modes, account retirement and sudo rules."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        if drawn is None:
            return self.generate(rng, difficulty)
        spec_text = _spec_text(rng, drawn)
        instruction = _instruction(rng, drawn)
        expected = _expected(drawn, spec_text)
        setup, spec_path, home_mode, sudo = (
            drawn.setup,
            drawn.spec_path,
            drawn.home_mode,
            drawn.sudo,
        )
        medium_up, hard = drawn.medium_up, drawn.hard
        setup_script = "\n".join(setup) + "\n"
        return Instance(
            instruction=instruction,
            files={"access.spec": spec_text, "setup_state.sh": setup_script},
            dockerfile=(
                f"COPY access.spec {spec_path}\n"
                "COPY setup_state.sh /tmp/setup_state.sh\n"
                "RUN bash /tmp/setup_state.sh && rm /tmp/setup_state.sh\n"
            ),
            solution=self.asset("solve.sh")
            .replace("@SPEC@", spec_path)
            .replace("@HOME_MODE@", home_mode)
            .replace("@SUDOERS_FILE@", sudo["file"] if sudo else "/dev/null"),
            checker=self.asset("check.py"),
            expected=expected,
            tags=["users", "groups", "acl", "permissions"]
            + (["account-lifecycle"] if medium_up else [])
            + (["sudoers"] if hard else []),
        )
