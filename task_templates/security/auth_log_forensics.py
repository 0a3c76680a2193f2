"""Investigate sshd brute-force activity in syslog auth logs and write block rules.

The generator simulates a few days of a server's auth log as structured events — ordinary users
logging in (now and then mistyping a password), cron and sudo noise, brute-force bursts, slow
scanners that stay under the rate threshold, short bursts just below it, a trusted internal host
with a broken password, and attackers that finally get in — then renders them as syslog lines
and rotates them into files. The truth (which sources trip the sliding-window rule, their counts
and first/last failures, the logins that followed, the invalid user names) is computed from the
events, never from the text. Harder levels add rsyslog's `message repeated N times` compaction,
PAM lines that must not be counted, rotated and gzipped files, a year boundary (syslog lines
carry no year), bursts that straddle a rotation, IPv6 sources and failed public-key attempts.
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
INVALID = [
    "admin",
    "test",
    "oracle",
    "ubuntu",
    "pi",
    "git",
    "postgres",
    "guest",
    "user",
    "ftpuser",
    "support",
    "deployer",
    "hadoop",
    "minecraft",
    "tomcat",
    "nagios",
]
HOSTS = ["bastion", "gw", "edge", "jump", "web", "vpn"]
LOG_DIRS = ["/var/log", "/app/logs", "/srv/evidence/logs"]
OUT_DIRS = ["/app/forensics", "/app/incident", "/root/ir-report"]
COMMANDS = ["/usr/bin/apt update", "/usr/bin/systemctl restart nginx", "/usr/bin/journalctl -xe"]
TRUSTED = [("10.40.0.0/16", "10.40"), ("192.168.7.0/24", "192.168.7"), ("172.20.0.0/16", "172.20")]

SIZES = {
    # (days, users, brute-forcers, slow scanners, near misses, compromised, log files)
    Difficulty.EASY: (1, 4, 2, 1, 1, 0, 1),
    Difficulty.MEDIUM: (3, 6, 4, 2, 2, 1, 2),
    Difficulty.HARD: (5, 8, 5, 2, 2, 2, 4),
}
RULES = [(5, 2), (6, 3), (8, 5), (10, 5), (10, 10), (12, 10)]  # (attempts, minutes)

OPENINGS = [
    "The SSH bastion `{host}` was hammered by password-guessing bots over the last days.",
    "Our monitoring flagged unusual SSH authentication failures on `{host}`.",
    "Incident response needs a forensic summary of the sshd activity on `{host}`.",
    "Someone may have brute-forced their way into `{host}` over SSH.",
]
GOALS = [
    "Analyse its authentication logs and produce the reports described below.",
    "Work through the auth logs, identify the brute-force sources and write block rules.",
    "Reconstruct what happened from the logs and prepare the outputs listed below.",
]


def _public_ip(rng: random.Random) -> str:
    while True:
        first = rng.randint(11, 223)
        if first not in (100, 127, 169, 172, 192, 198, 203):
            return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _ipv6(rng: random.Random) -> str:
    return str(
        ipaddress.IPv6Address(
            f"2001:db8:{rng.randint(1, 0xFFFF):x}:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 0xFFF):x}"
        )
    )


class Log:
    """Structured events; `failures` and `accepted` carry the truth, `lines` the rendering."""

    def __init__(self, rng: random.Random, repeats: bool, extras: bool) -> None:
        self.rng = rng
        self.repeats, self.extras = repeats, extras
        self.lines: list[tuple[datetime, int, str, str]] = []  # (time, seq, program[pid], msg)
        self.failures: dict[str, list[datetime]] = {}
        self.accepted: list[tuple[datetime, str, str]] = []
        self.invalid: dict[str, int] = {}
        self.seq = 0

    def emit(self, t: datetime, prog: str, msg: str) -> None:
        self.seq += 1
        self.lines.append((t, self.seq, prog, msg))

    def fail(self, t: datetime, ip: str, times: int = 1) -> None:
        self.failures.setdefault(ip, []).extend([t] * times)

    def connection(self, t: datetime, ip: str, user: str, tries: int, valid: bool) -> datetime:
        """One sshd connection with `tries` failed passwords; returns when it ended."""
        rng = self.rng
        pid, port = rng.randint(1000, 65000), rng.randint(30000, 65000)
        prog = f"sshd[{pid}]"
        if not valid:
            self.emit(t, prog, f"Invalid user {user} from {ip} port {port}")
            self.invalid[user] = self.invalid.get(user, 0) + 1
        who = user if valid else f"invalid user {user}"
        if valid and rng.random() < 0.5:
            self.emit(
                t,
                prog,
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}",
            )
        msg = f"Failed password for {who} from {ip} port {port} ssh2"
        left = tries
        while left > 0:
            t += timedelta(seconds=rng.randint(1, 4))
            if self.repeats and left >= 3 and rng.random() < 0.5:
                self.emit(t, prog, msg)
                self.fail(t, ip)
                n = rng.randint(2, left - 1)
                t += timedelta(seconds=rng.randint(2, 6))
                self.emit(t, prog, f"message repeated {n} times: [ {msg}]")
                self.fail(t, ip, n)
                left -= n + 1
            else:
                self.emit(t, prog, msg)
                self.fail(t, ip)
                left -= 1
        t += timedelta(seconds=1)
        if tries >= 3 and self.repeats:
            self.emit(
                t,
                prog,
                f"PAM {tries - 1} more authentication failures; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}",
            )
        if self.extras and rng.random() < 0.3:
            self.emit(
                t,
                prog,
                f"error: maximum authentication attempts exceeded for {who} from {ip} "
                f"port {port} ssh2 [preauth]",
            )
        closing = (
            f"Connection closed by invalid user {user} {ip} port {port} [preauth]"
            if not valid
            else f"Connection closed by authenticating user {user} {ip} port {port} [preauth]"
        )
        self.emit(t, prog, closing)
        return t

    def login(self, t: datetime, ip: str, user: str, method: str) -> datetime:
        rng = self.rng
        pid, port = rng.randint(1000, 65000), rng.randint(30000, 65000)
        prog = f"sshd[{pid}]"
        if method == "publickey":
            fp = "".join(
                rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop0123456789")
                for _ in range(43)
            )
            self.emit(
                t,
                prog,
                f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{fp}",
            )
        else:
            self.emit(t, prog, f"Accepted password for {user} from {ip} port {port} ssh2")
        self.accepted.append((t, ip, user))
        uid = 1000 + USERS.index(user) if user in USERS else 0
        self.emit(
            t, prog, f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)"
        )
        end = t + timedelta(minutes=rng.randint(2, 90))
        self.emit(end, prog, f"Received disconnect from {ip} port {port}:11: disconnected by user")
        self.emit(end, prog, f"Disconnected from user {user} {ip} port {port}")
        self.emit(end, prog, f"pam_unix(sshd:session): session closed for user {user}")
        return end


def max_in_window(times: list[datetime], seconds: float) -> int:
    stamps = sorted(t.timestamp() for t in times)
    best, lo = 0, 0
    for hi, stamp in enumerate(stamps):
        while stamp - stamps[lo] > seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


class _Traffic:
    """Draws timestamps and failed-login bursts inside the period the logs cover."""

    def __init__(
        self, rng: random.Random, log: Log, start: datetime, span: float, medium_up: bool
    ) -> None:
        self.rng, self.log, self.start, self.span, self.medium_up = rng, log, start, span, medium_up

    def when(self, lo: float = 0.02, hi: float = 0.9) -> datetime:
        """A random moment between fractions lo and hi of the period."""
        return self.start + timedelta(seconds=int(self.rng.uniform(lo, hi) * self.span))

    def targets(self) -> tuple[str, bool]:
        """The user an attacker tries, and whether that user exists."""
        if self.rng.random() < 0.45:
            return "root", True
        return self.rng.choice(INVALID), False

    def burst(self, t: datetime, ip: str, total: int) -> datetime:
        """`total` failed attempts from ip over a few connections; the time after them."""
        rng, log, medium_up, targets = self.rng, self.log, self.medium_up, self.targets
        while total > 0:
            user, valid = targets()
            tries = min(total, rng.randint(1, 6 if medium_up else 3))
            t = log.connection(t, ip, user, tries, valid) + timedelta(seconds=rng.randint(1, 5))
            total -= tries
        return t


@dataclass
class Drawn:
    """One task's rule, period, paths and the log being written, filled in step by step."""

    difficulty: Difficulty
    medium_up: bool
    hard: bool
    attempts: int
    minutes: int
    window: int
    year: int
    start: datetime
    end: datetime
    host: str
    log_dir: str
    out_dir: str
    trusted: list[tuple[str, str]]
    deny_format: str
    log: Log
    span: float
    traffic: _Traffic
    users: list[str] = field(default_factory=list)
    brute_ips: list[str] = field(default_factory=list)
    trusted_ip: str | None = None


@dataclass
class Truth:
    """What the logs hold: brute-force rows, addresses to block, logins after attacks, users."""

    rows: list[list]
    blocked: list[str]
    logins: list[tuple[str, str, str]]
    invalid: list[tuple[str, int]]


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the rule, the period, the host, paths, trusted networks and the deny format."""
    days, n_users, n_brute, n_slow, n_near, n_comp, n_files = SIZES[difficulty]
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    attempts, minutes = rng.choice(RULES)
    window = minutes * 60
    year = rng.randint(2019, 2025)
    if hard:
        start = datetime(year, 12, rng.randint(28, 29), rng.randint(0, 6), 0, 0)
    else:
        start = datetime(year, rng.randint(1, 11), rng.randint(1, 25), rng.randint(0, 6), 0, 0)
    end = start + timedelta(days=days)
    host = f"{rng.choice(HOSTS)}{rng.randint(1, 9):02d}"
    log_dir, out_dir = rng.choice(LOG_DIRS), rng.choice(OUT_DIRS)
    trusted = rng.sample(TRUSTED, 2 if hard else 1) if medium_up else []
    deny_format = rng.choice(["hosts.deny", "iptables"])

    log = Log(rng, repeats=medium_up, extras=hard)
    span = (end - start).total_seconds()
    return Drawn(
        difficulty=difficulty,
        medium_up=medium_up,
        hard=hard,
        attempts=attempts,
        minutes=minutes,
        window=window,
        year=year,
        start=start,
        end=end,
        host=host,
        log_dir=log_dir,
        out_dir=out_dir,
        trusted=trusted,
        deny_format=deny_format,
        log=log,
        span=span,
        traffic=_Traffic(rng, log, start, span, medium_up),
    )


def _ordinary_traffic(rng: random.Random, d: Drawn) -> None:
    """Ordinary users' logins (mostly by key, some by password after a typo) and cron sessions."""
    days, n_users = SIZES[d.difficulty][:2]
    log, start, end, when = d.log, d.start, d.end, d.traffic.when
    # ordinary users: mostly key logins, some password logins after a typo
    users = rng.sample(USERS, n_users)
    user_ips = {
        u: f"{rng.choice(['10.1', '10.8', '203.0'])}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        for u in users
    }
    for user in users:
        for _ in range(rng.randint(2, 3 + days * 2)):
            t = when()
            if rng.random() < 0.25:
                t = log.connection(t, user_ips[user], user, 1, True) + timedelta(seconds=5)
                log.login(t, user_ips[user], user, "password")
            else:
                end_t = log.login(t, user_ips[user], user, "publickey")
                if rng.random() < 0.5:
                    cmd = rng.choice(COMMANDS)
                    log.emit(
                        end_t - timedelta(minutes=1),
                        "sudo",
                        f"  {user} : TTY=pts/{rng.randint(0, 4)} ; PWD=/home/{user} ; USER=root ; COMMAND={cmd}",
                    )
    t = start + timedelta(minutes=rng.randint(1, 9))
    while t < end:
        pid = rng.randint(1000, 65000)
        log.emit(
            t,
            f"CRON[{pid}]",
            "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        )
        log.emit(
            t + timedelta(seconds=1),
            f"CRON[{pid}]",
            "pam_unix(cron:session): session closed for user root",
        )
        t += timedelta(minutes=rng.choice([15, 30, 60]))
    d.users = users


def _attacks(rng: random.Random, d: Drawn) -> None:
    """Brute-force sources (some succeed), (hard) a public-key prober, slow scans, near misses."""
    n_brute, n_slow, n_near, n_comp = SIZES[d.difficulty][2:6]
    medium_up, hard, attempts, window, log, users = (
        d.medium_up,
        d.hard,
        d.attempts,
        d.window,
        d.log,
        d.users,
    )
    when, targets, burst = d.traffic.when, d.traffic.targets, d.traffic.burst
    brute_ips = [_ipv6(rng) if hard and i == 0 else _public_ip(rng) for i in range(n_brute)]
    compromised = brute_ips[1 : 1 + n_comp]
    for ip in brute_ips:
        for _ in range(rng.randint(1, 2 if medium_up else 1)):
            t = burst(when(0.05, 0.8), ip, rng.randint(attempts + 2, attempts * 3))
        if ip in compromised:
            log.login(
                t + timedelta(seconds=rng.randint(5, 40)),
                ip,
                "root" if rng.random() < 0.5 else rng.choice(users),
                "password",
            )
    if hard:
        # failed public-key attempts count; `Failed none` probes do not
        ip = _public_ip(rng)
        brute_ips.append(ip)
        t = when(0.1, 0.8)
        for _ in range(rng.randint(attempts + 1, attempts * 2)):
            pid, port = rng.randint(1000, 65000), rng.randint(30000, 65000)
            user = rng.choice(["git", "deploy", "admin"])
            log.emit(
                t,
                f"sshd[{pid}]",
                f"Failed none for invalid user {user} from {ip} port {port} ssh2",
            )
            t += timedelta(seconds=rng.randint(1, 3))
            log.emit(
                t,
                f"sshd[{pid}]",
                f"Failed publickey for root from {ip} port {port} ssh2: RSA SHA256:{rng.getrandbits(160):040x}",
            )
            log.fail(t, ip)
            t += timedelta(seconds=rng.randint(2, 8))
    for _ in range(n_slow):  # many failures, never `attempts` inside the window
        ip = _public_ip(rng)
        t = when(0.0, 0.3)
        gap = window / (attempts - 1)
        for _ in range(attempts * 2 + rng.randint(0, 6)):
            user, valid = targets()
            log.connection(t, ip, user, 1, valid)
            t += timedelta(seconds=int(gap * rng.uniform(1.15, 2.5)))
    for _ in range(n_near):  # one short burst just under the threshold
        ip = _public_ip(rng)
        burst(when(), ip, attempts - rng.randint(1, 2))
    d.brute_ips = brute_ips


def _trusted_source(rng: random.Random, d: Drawn) -> None:
    """(medium up) A noisy backup job from a trusted network: reported, never blocked."""
    medium_up, trusted, attempts, log, when = (
        d.medium_up,
        d.trusted,
        d.attempts,
        d.log,
        d.traffic.when,
    )
    trusted_ip = None
    if medium_up:
        net = trusted[0][1]
        trusted_ip = (
            f"{net}.{rng.randint(1, 254)}"
            if net.count(".") == 2
            else f"{net}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        )
        t = when(0.1, 0.7)
        for _ in range(attempts + rng.randint(2, 8)):
            t = log.connection(t, trusted_ip, "backup", 1, True)
            t += timedelta(seconds=rng.randint(3, 10))
    d.trusted_ip = trusted_ip


def _rotation_cuts(rng: random.Random, d: Drawn) -> list[datetime] | None:
    """Where the log is rotated; (hard) the last cut splits a burst. None to draw again."""
    n_files = SIZES[d.difficulty][6]
    hard, attempts, start, span, log, brute_ips = (
        d.hard,
        d.attempts,
        d.start,
        d.span,
        d.log,
        d.brute_ips,
    )
    when, burst = d.traffic.when, d.traffic.burst
    # one burst straddles the last rotation boundary: placed once the boundaries are known
    straddle_ip = _public_ip(rng) if hard else None

    cuts = sorted(
        start + timedelta(seconds=int(span * (i + 1) / n_files) + rng.randint(-3000, 3000))
        for i in range(n_files - 1)
    )
    if straddle_ip is not None:
        # The newest rotation is cut inside this burst, so that neither file alone holds
        # enough failures to trip the rule: only the stitched log does.
        burst(when(0.62, 0.85), straddle_ip, attempts + rng.randint(1, 3))
        times = sorted(log.failures[straddle_ip])
        splits = [
            t
            for t in sorted(set(times))
            if 0 < sum(x < t for x in times) < attempts and sum(x >= t for x in times) < attempts
        ]
        if not splits:
            return None
        cuts[-1] = rng.choice(splits)
        brute_ips.append(straddle_ip)
    return cuts


def _truth(d: Drawn) -> Truth | None:
    """The brute-force sources by the sliding-window rule, and what follows; None to redraw."""
    attempts, window, log, trusted, brute_ips, trusted_ip = (
        d.attempts,
        d.window,
        d.log,
        d.trusted,
        d.brute_ips,
        d.trusted_ip,
    )
    flagged = {}
    for ip, times in log.failures.items():
        lo = max_in_window(times, window - 3)
        hi = max_in_window(times, window + 3)
        if (lo >= attempts) != (hi >= attempts):
            return None  # too close to the boundary: redraw
        if lo >= attempts:
            flagged[ip] = sorted(times)
    if sorted(flagged) != sorted(set(brute_ips + ([trusted_ip] if trusted_ip else []))):
        return None
    firsts = [times[0] for times in flagged.values()]
    if len(set(firsts)) != len(firsts):
        return None

    def stamp(t: datetime) -> str:
        return t.strftime("%Y-%m-%d %H:%M:%S")

    rows = sorted(
        ([ip, len(times), stamp(times[0]), stamp(times[-1])] for ip, times in flagged.items()),
        key=lambda r: (r[2], r[0]),
    )
    nets = [ipaddress.ip_network(cidr) for cidr, _ in trusted]
    blocked = sorted(
        ip for ip in flagged if not any(ipaddress.ip_address(ip) in net for net in nets)
    )
    logins = sorted(
        (stamp(t), ip, user) for t, ip, user in log.accepted if ip in flagged and t > flagged[ip][0]
    )
    invalid = sorted(log.invalid.items(), key=lambda kv: (-kv[1], kv[0]))
    return Truth(rows=rows, blocked=blocked, logins=logins, invalid=invalid)


def _render_logs(d: Drawn, cuts: list[datetime]):
    """The rotated log files (oldest first), their hashes and names; None if one is empty."""
    n_files = SIZES[d.difficulty][6]
    host, log, log_dir = d.host, d.log, d.log_dir

    def ordered():
        return sorted(log.lines, key=lambda line: (line[0], line[1]))

    chunks: list[list[str]] = [[] for _ in range(n_files)]
    for t, _, prog, msg in ordered():
        index = sum(t >= c for c in cuts)
        chunks[index].append(
            f"{t.strftime('%b')} {t.day:2d} {t.strftime('%H:%M:%S')} {host} {prog}: {msg}\n"
        )
    names = ["auth.log"] + [f"auth.log.{i}" + (".gz" if i >= 2 else "") for i in range(1, n_files)]
    names = list(reversed(names))  # oldest first, matching chunks
    files: dict[str, bytes] = {}
    log_hashes = {}
    for name, chunk in zip(names, chunks, strict=True):
        data = "".join(chunk).encode()
        blob = gzip.compress(data, mtime=0) if name.endswith(".gz") else data
        files[f"logs/{name}"] = blob
        log_hashes[f"{log_dir}/{name}"] = hashlib.sha256(blob).hexdigest()
    if min(map(len, chunks)) == 0:
        return None
    return files, log_hashes, names


def _outputs(d: Drawn) -> tuple[list[str], str, str, str | None]:
    """The files to write as the instruction lists them, and the report and deny-rule paths."""
    medium_up, hard, out_dir, deny_format = d.medium_up, d.hard, d.out_dir, d.deny_format
    bf_path = f"{out_dir}/bruteforce.csv"
    outputs = [
        f"`{bf_path}`: CSV with header `ip,failures,first_failure,last_failure`, one row per "
        "brute-force source; `failures` counts all its failed attempts in the logs, the two "
        "times are its first and last failed attempt as `YYYY-MM-DD HH:MM:SS`. Rows ordered "
        "by `first_failure`.",
    ]
    if deny_format == "hosts.deny":
        deny_path = f"{out_dir}/hosts.deny"
        outputs.append(
            f"`{deny_path}`: TCP-wrappers rules, one line `sshd: <address>` per brute-force "
            "source to block"
            + (" (IPv6 addresses in square brackets, `sshd: [2001:db8::1]`)" if hard else "")
            + "; `#` comment lines are allowed."
        )
        deny_v6 = None
    else:
        deny_path = f"{out_dir}/blocklist.rules"
        deny_v6 = f"{out_dir}/blocklist6.rules" if hard else None
        outputs.append(
            f"`{deny_path}`: an `iptables-restore` file: `*filter`, then one line "
            "`-A INPUT -s <address>/32 -p tcp --dport 22 -j DROP` per IPv4 brute-force source "
            "to block, then `COMMIT`."
            + (f" IPv6 sources go into `{deny_v6}` in the same shape with `/128`." if hard else "")
        )
    if medium_up:
        outputs += [
            f"`{out_dir}/compromised.txt`: every successful sshd login (`Accepted ...`) from a "
            "brute-force source after that source's first failed attempt, one per line as "
            "`YYYY-MM-DD HH:MM:SS <address> <user>`, oldest first.",
            f"`{out_dir}/invalid_users.txt`: every user name that appears in an `Invalid user "
            "<name> from ...` line, one per line as `<count> <name>` where count is the number "
            "of such lines, ordered by count (highest first) then name.",
        ]
    return outputs, bf_path, deny_path, deny_v6


def _instruction(rng: random.Random, d: Drawn, names: list[str], outputs: list[str]) -> str:
    """The task text: where the logs are, the rules (shuffled) and the files to write."""
    n_files = SIZES[d.difficulty][6]
    medium_up, hard, attempts, minutes, year, start = (
        d.medium_up,
        d.hard,
        d.attempts,
        d.minutes,
        d.year,
        d.start,
    )
    host, log_dir, out_dir, trusted = d.host, d.log_dir, d.out_dir, d.trusted
    files_desc = ", ".join(f"`{n}`" for n in reversed(names))
    if n_files == 1:
        where = f"The log is `{log_dir}/auth.log`."
    else:
        where = (
            f"The logs are in `{log_dir}`: {files_desc} (logrotate naming: a higher number is "
            "older"
            + ("; `.gz` files are gzip-compressed" if hard else "")
            + "). Treat them as one continuous log."
        )
    period = (
        f"The logs start on {start.strftime('%B')} {start.day}, {year}"
        + (" and run into the next year" if hard else "")
        + "; syslog lines carry no year, so work it out from that."
    )
    counting = (
        "A failed attempt is a sshd line `Failed password ...`"
        + (" or `Failed publickey ...`" if hard else "")
        + "; nothing else counts"
        + (
            " (not `Invalid user`, `PAM ... more authentication failures`, "
            "`pam_unix(sshd:auth): authentication failure`"
            + (", `Failed none` or `maximum authentication attempts exceeded`" if hard else "")
            + ")"
            if medium_up
            else " (an `Invalid user` line is not a separate attempt)"
        )
        + "."
    )
    rules = [
        counting,
        f"A source address is a brute-force source when at least {attempts} of its failed "
        f"attempts fall within {minutes} minutes of each other (the last minus the first is at "
        f"most {minutes * 60} seconds).",
        period,
    ]
    if medium_up:
        rules.append(
            "rsyslog compacts identical consecutive lines: `message repeated N times: [ <msg>]` "
            "stands for N more copies of `<msg>` at that line's timestamp."
        )
    if medium_up:
        cidrs = " and ".join(f"`{c}`" for c, _ in trusted)
        rules.append(f"Addresses inside {cidrs} are trusted: report them, but never block them.")
    rng.shuffle(rules)
    example_ip = f"198.51.100.{rng.randint(1, 254)}"
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(host=host),
            rng.choice(GOALS),
            "",
            where,
            "",
            "Rules:",
            *[f"- {rule}" for rule in rules],
            "",
            f"Write these files (create `{out_dir}` if needed):",
            *[f"- {item}" for item in outputs],
            "",
            f"For example, a row could look like `{example_ip},42,{year}-01-01 00:00:00,"
            f"{year}-01-01 00:03:10` (made up). Do not modify the logs.",
        ]
    )
    return instruction


def _expected(
    d: Drawn, truth: Truth, log_hashes: dict, bf_path: str, deny_path: str, deny_v6: str | None
) -> dict:
    """Ground truth: log hashes, report rows, addresses to block, compromised logins, users."""
    medium_up, out_dir, deny_format, trusted = d.medium_up, d.out_dir, d.deny_format, d.trusted
    rows, blocked, logins, invalid = truth.rows, truth.blocked, truth.logins, truth.invalid
    expected = {
        "logs": log_hashes,
        "bruteforce": bf_path,
        "rows": [[r[0], r[1], r[2], r[3]] for r in rows],
        "deny_format": deny_format,
        "deny_path": deny_path,
        "deny_v6": deny_v6,
        "blocked": blocked,
        "trusted": [c for c, _ in trusted],
        "compromised": f"{out_dir}/compromised.txt" if medium_up else None,
        "logins": [f"{t} {ip} {user}" for t, ip, user in logins],
        "invalid_users": f"{out_dir}/invalid_users.txt" if medium_up else None,
        "invalid": [f"{n} {name}" for name, n in invalid],
    }
    return expected


@register
class AuthLogForensics(TemplateFamily):
    name = "auth-log-forensics"
    result_paths = ("/app", "/root/ir-report")  # the report folder is drawn per seed
    domain = Domain.SECURITY
    description = (
        "Find SSH brute-force sources in rotated syslog auth logs with a sliding-window rule, "
        "report counts and logins, and write deny rules."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _ordinary_traffic(rng, drawn)
        _attacks(rng, drawn)
        _trusted_source(rng, drawn)
        cuts = _rotation_cuts(rng, drawn)
        truth = _truth(drawn) if cuts is not None else None
        if truth is None:
            return self.generate(rng, difficulty)
        rendered = _render_logs(drawn, cuts)
        if rendered is None:
            return self.generate(rng, difficulty)
        files, log_hashes, names = rendered
        outputs, bf_path, deny_path, deny_v6 = _outputs(drawn)
        instruction = _instruction(rng, drawn, names, outputs)
        expected = _expected(drawn, truth, log_hashes, bf_path, deny_path, deny_v6)
        medium_up, hard, year, attempts, window = (
            drawn.medium_up,
            drawn.hard,
            drawn.year,
            drawn.attempts,
            drawn.window,
        )
        log_dir, out_dir, trusted, deny_format = (
            drawn.log_dir,
            drawn.out_dir,
            drawn.trusted,
            drawn.deny_format,
        )
        solution = (
            self.asset("solve.sh")
            .replace("@LOGDIR@", log_dir)
            .replace("@OUT@", out_dir)
            .replace("@YEAR@", str(year))
            .replace("@ATTEMPTS@", str(attempts))
            .replace("@WINDOW@", str(window))
            .replace("@PUBKEY@", "1" if hard else "0")
            .replace("@TRUSTED@", " ".join(c for c, _ in trusted))
            .replace("@FORMAT@", deny_format)
            .replace("@MEDIUM@", "1" if medium_up else "0")
            .replace("@V6FILE@", deny_v6 or "")
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=f"COPY logs/ {log_dir}/\n",
            tags=["logs", "ssh", "forensics", "firewall"],
        )
