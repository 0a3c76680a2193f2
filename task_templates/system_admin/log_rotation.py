"""Summarise errors from a live-plus-rotated log tree, then write the app's logrotate policy.

The generator draws log entries on a timeline (so it knows every error's UTC hour and code) and
spreads them over `<app>.log`, `<app>.log.1` and older gzip'd rotations. Higher levels add a
time window, multi-line stack traces and INFO lines that merely mention errors, a second log in
JSON with local-time offsets, and entries repeated across a copytruncate boundary. The logrotate
half is graded by behaviour: the checker runs logrotate for real on a sandbox copy (forced runs,
an empty log, a missing log, an oversized log) and reads `logrotate -d`'s resolved settings;
on hard the log directory is group-writable (logrotate refuses it without `su`), a stale config
claims the same logs, and a postrotate hook must run once per rotation run.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

APPS = [
    "payments",
    "gateway",
    "ingest",
    "authsvc",
    "search",
    "notify",
    "scheduler",
    "catalog",
    "ledger",
    "mailer",
    "inventory",
    "checkout",
]
ERROR_TEXT = [
    "upstream timeout after {n}ms",
    "database connection refused",
    "payload validation failed: field {f}",
    "cache miss storm, shedding load",
    "TLS handshake failed with {h}",
    "queue {q} is full, dropping message",
    "permission denied writing {p}",
    "deadline exceeded calling {h}",
]
INFO_TEXT = [
    "request served in {n}ms",
    "health check ok",
    "config reloaded",
    "cache warmed ({n} keys)",
    "connected to {h}",
    "job {q} finished",
]
TRAPS = [
    "recovered after ERROR code={code} on previous attempt",
    "retry policy: ERROR code={code} is retryable",
    "alert cleared: code={code}",
]
FIELDS = ["amount", "currency", "user_id", "sku", "email"]
HOSTS = ["db-1", "cache-2", "api.internal", "auth-3", "broker-1"]
QUEUES = ["mail", "billing", "export", "audit"]
OFFSETS = ["+02:00", "-05:00", "+05:30", "+00:00", "-03:00", "+09:00"]
REPORT_DIRS = ["/root/reports", "/srv/reports", "/app/reports", "/var/reports"]
REPORT_NAMES = ["errors-by-hour.csv", "error_summary.csv", "hourly-errors.csv"]
OPENINGS = [
    "The `{app}` service logs to `/var/log/{app}/`, and nobody has looked at those logs in a while.",
    "On-call needs an error breakdown for `{app}`, whose logs live in `/var/log/{app}/`.",
    "The disk alert on this host came from `/var/log/{app}/`, which is rotated badly.",
    "Incident review for `{app}`: its logs (live and rotated) are under `/var/log/{app}/`.",
]
SIZES = {Difficulty.EASY: (3, 220), Difficulty.MEDIUM: (5, 320), Difficulty.HARD: (5, 320)}


def _fill(text: str, rng: random.Random, code: str = "") -> str:
    return text.format(
        n=rng.randint(5, 9000),
        f=rng.choice(FIELDS),
        h=rng.choice(HOSTS),
        q=rng.choice(QUEUES),
        p=f"/var/lib/{rng.choice(QUEUES)}",
        code=code,
    )


def _req(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(10))


@dataclass
class Drawn:
    """One task's app, paths, error codes and time span."""

    medium_up: bool
    hard: bool
    per_file: int
    app: str
    logdir: str
    report: str
    codes: list[str]
    warn_codes: list[str]
    weights: list[int]
    error_levels: list[str]
    start: datetime
    n_files: int
    total_entries: int
    step: timedelta


@dataclass
class Policy:
    """The logrotate policy the agent must write, as drawn."""

    freq: str
    keep: int
    create_mode: str
    create_group: str
    maxsize_k: int | None
    ctl: str
    lines: list[str]
    lr_path: str
    pattern: str


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the app, report path, error codes and their weights, and the period the logs span."""
    medium_up = difficulty is not Difficulty.EASY
    hard = difficulty is Difficulty.HARD
    n_rotated, per_file = SIZES[difficulty]
    app = rng.choice(APPS)
    logdir = f"/var/log/{app}"
    report = f"{rng.choice(REPORT_DIRS)}/{app}-{rng.choice(REPORT_NAMES)}"
    codes = sorted({f"E{rng.randint(1000, 9999)}" for _ in range(rng.randint(4, 7))})
    warn_codes = sorted({f"W{rng.randint(100, 999)}" for _ in range(3)})
    weights = [rng.randint(1, 6) for _ in codes]
    error_levels = ["ERROR", "CRITICAL"] if medium_up else ["ERROR"]

    start = datetime(
        rng.choice([2025, 2026]),
        rng.randint(1, 12),
        rng.randint(1, 26),
        rng.randint(0, 8),
        tzinfo=UTC,
    )
    n_files = n_rotated + 2  # live + .1 + .2.gz ...
    total_entries = per_file * n_files
    span = timedelta(hours=rng.randint(30, 44))
    step = span / total_entries
    return Drawn(
        medium_up=medium_up,
        hard=hard,
        per_file=per_file,
        app=app,
        logdir=logdir,
        report=report,
        codes=codes,
        warn_codes=warn_codes,
        weights=weights,
        error_levels=error_levels,
        start=start,
        n_files=n_files,
        total_entries=total_entries,
        step=step,
    )


def _timeline(rng: random.Random, d: Drawn, n, kind):
    """Entries in time order: dicts with utc time, level, code, req and text."""
    start, step, medium_up, codes, weights, warn_codes = (
        d.start,
        d.step,
        d.medium_up,
        d.codes,
        d.weights,
        d.warn_codes,
    )
    entries, t = [], start
    for _ in range(n):
        t += step * rng.uniform(0.3, 1.7)
        roll = rng.random()
        if roll < 0.16:
            level = "CRITICAL" if medium_up and rng.random() < 0.2 else "ERROR"
            code = rng.choices(codes, weights)[0]
        elif roll < 0.26:
            level, code = "WARN", rng.choice(warn_codes)
        elif roll < 0.34 and medium_up:
            level, code = "INFO", rng.choice(codes)  # mentions an error code only
        else:
            level, code = rng.choice(["INFO", "INFO", "DEBUG"]), None
        entries.append(
            {
                "t": t.replace(microsecond=rng.randrange(1000) * 1000),
                "level": level,
                "code": code,
                "req": ("w-" if kind == "worker" else "") + _req(rng),
                "kind": kind,
            }
        )
    return entries


def _render_app(rng: random.Random, d: Drawn, e) -> list[str]:
    """An app log entry as text lines (medium up: the code's position varies, stack traces)."""
    medium_up, codes, app = d.medium_up, d.codes, d.app
    stamp = e["t"].strftime("%Y-%m-%d %H:%M:%S.") + f"{e['t'].microsecond // 1000:03d}"
    level = e["level"]
    if level in ("ERROR", "CRITICAL"):
        text = _fill(rng.choice(ERROR_TEXT), rng)
        msg = (
            f"code={e['code']} {text}"
            if rng.random() < 0.6 or not medium_up
            else f"{text} (code={e['code']})"
        )
    elif level == "WARN":
        msg = f"code={e['code']} slow response from {rng.choice(HOSTS)}"
    elif e["code"]:
        msg = _fill(rng.choice(TRAPS), rng, e["code"])
    else:
        msg = _fill(rng.choice(INFO_TEXT), rng)
    lines = [f"{stamp} {level} [req={e['req']}] {msg}"]
    if medium_up and level in ("ERROR", "CRITICAL") and rng.random() < 0.35:
        fake = rng.choice(codes)
        lines += [
            f"Traceback for req={e['req']}:",
            f"    at {app}.handlers.{rng.choice(['charge', 'lookup', 'render'])}(line {rng.randint(10, 400)})",
            f"    at {app}.server.dispatch(line {rng.randint(10, 400)})",
            f"Caused by: ERROR code={fake} {_fill(rng.choice(ERROR_TEXT), rng)}",
        ]
    return lines


def _render_worker(rng: random.Random, d: Drawn, e) -> list[str]:
    """(hard) A worker log entry as one JSON line with a local timestamp and UTC offset."""
    offset = rng.choice(OFFSETS)
    sign = 1 if offset[0] == "+" else -1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
    local = e["t"].astimezone(timezone(delta))
    ts = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{e['t'].microsecond // 1000:03d}"
    ts += "Z" if offset == "+00:00" and rng.random() < 0.5 else offset
    record = {"ts": ts, "level": e["level"].lower(), "req": e["req"]}
    if e["level"] in ("ERROR", "CRITICAL", "WARN"):
        record["code"] = e["code"]
        record["msg"] = _fill(rng.choice(ERROR_TEXT), rng)
    elif e["code"]:
        record["msg"] = _fill(rng.choice(TRAPS), rng, e["code"])
    else:
        record["msg"] = _fill(rng.choice(INFO_TEXT), rng)
    return [json.dumps(record)]


def _log_files(rng: random.Random, d: Drawn):
    """The live and rotated log files of each log family, every entry counted, the families."""
    hard, app, per_file, n_files, total_entries = (
        d.hard,
        d.app,
        d.per_file,
        d.n_files,
        d.total_entries,
    )
    render_app = partial(_render_app, rng, d)
    render_worker = partial(_render_worker, rng, d)
    timeline = partial(_timeline, rng, d)
    families = [("app", f"{app}.log", render_app)]
    if hard:
        families.append(("worker", "worker.log", render_worker))

    # --- lay the entries out as live + rotated files ---------------------------------------------
    files: dict[str, bytes] = {}  # name -> stored bytes (gzip for .gz)
    counted: list[dict] = []
    duplicates = 0
    for kind, base, render in families:
        entries = timeline(total_entries, kind)
        counted += entries
        for e in entries:
            e["lines"] = render(e)
        chunks = [entries[i * per_file : (i + 1) * per_file] for i in range(n_files)]
        # chunks[0] is the oldest -> base.N.gz ; chunks[-1] is live
        names = [f"{base}.{k}.gz" for k in range(n_files - 1, 1, -1)] + [f"{base}.1", base]
        rendered = [[line for e in chunk for line in e["lines"]] for chunk in chunks]
        if hard:
            # copytruncate overlap: the live file starts with the last entries of .1 again
            overlap = rng.randint(2, 5)
            repeat = [line for e in chunks[-2][-overlap:] for line in e["lines"]]
            rendered[-1] = repeat + rendered[-1]
            duplicates += overlap
        for name, lines in zip(names, rendered, strict=True):
            data = ("\n".join(lines) + "\n").encode()
            files[name] = gzip.compress(data, mtime=0) if name.endswith(".gz") else data
    return files, counted, families


def _window_and_rows(rng: random.Random, d: Drawn, counted: list[dict]):
    """(medium up) The counting window, and the expected report rows."""
    medium_up, error_levels = d.medium_up, d.error_levels
    window = None
    if medium_up:
        times = sorted(e["t"] for e in counted)
        lo = times[len(times) // 6].replace(minute=0, second=0, microsecond=0)
        hi = times[len(times) * 5 // 6].replace(minute=0, second=0, microsecond=0)
        lo += timedelta(minutes=rng.choice([0, 30]))
        window = (lo, hi)
    counts: dict[tuple[str, str], int] = {}
    for e in counted:
        if e["level"] not in error_levels:
            continue
        if window and not (window[0] <= e["t"] < window[1]):
            continue
        key = (e["t"].strftime("%Y-%m-%d %H:00"), e["code"])
        counts[key] = counts.get(key, 0) + 1
    rows = [[hour, code, n] for (hour, code), n in sorted(counts.items())]
    return window, rows


def _policy(rng: random.Random, d: Drawn) -> Policy:
    """Draw the logrotate policy and phrase its requirements (shuffled)."""
    medium_up, hard, app, logdir = d.medium_up, d.hard, d.app, d.logdir
    freq = rng.choice(["daily", "weekly", "monthly"])
    keep = rng.randint(4, 10)
    create_mode = rng.choice(["0640", "0644", "0600"])
    # on hard logrotate must switch to the app user (`su`), which cannot chown to adm
    create_group = app if hard else rng.choice(["adm", app])
    maxsize_k = rng.choice([256, 512, 1024]) if medium_up else None
    ctl = f"/usr/local/bin/{app}ctl"
    policy = [
        f"rotate the logs {freq}",
        f"keep {keep} rotated logs and delete older ones",
        "compress rotated logs with gzip"
        + (", but leave the most recent rotation (`.1`) uncompressed" if medium_up else ""),
        "do not complain when a log file is missing",
        "do not rotate a log that is empty",
        f"recreate the log right after rotating it: mode `{create_mode}`, owner `{app}`, "
        f"group `{create_group}`",
    ]
    if medium_up:
        policy.append(
            f"also rotate a log early, at any logrotate run, once it is larger than "
            f"{maxsize_k} KiB, even if its {freq} period is not over yet"
        )
    if hard:
        policy.append(
            f"after rotating, run `{ctl} reopen-logs` exactly once per logrotate run, no "
            "matter how many of the logs were rotated"
        )
    rng.shuffle(policy)
    lr_path = f"/etc/logrotate.d/{app}"
    pattern = f"{logdir}/*.log"
    return Policy(
        freq=freq,
        keep=keep,
        create_mode=create_mode,
        create_group=create_group,
        maxsize_k=maxsize_k,
        ctl=ctl,
        lines=policy,
        lr_path=lr_path,
        pattern=pattern,
    )


def _instruction(rng: random.Random, d: Drawn, window, pol: Policy) -> str:
    """The task text: the report and its counting rules (shuffled), then the policy to write."""
    medium_up, hard, app, logdir, report = d.medium_up, d.hard, d.app, d.logdir, d.report
    policy, lr_path, pattern = pol.lines, pol.lr_path, pol.pattern
    level_rule = (
        "An error is an entry whose level is `ERROR`"
        + (" or `CRITICAL`" if medium_up else "")
        + (
            "; in the JSON `worker.log*` files the level is lowercase (`error`, `critical`)"
            if hard
            else ""
        )
        + ". `WARN` entries and entries that merely mention an error code in their message "
        "do not count."
    )
    report_rules = [
        f"Read every log of the app: the live `{app}.log`, `{app}.log.1` and the gzip'd "
        f"`{app}.log.N.gz` rotations"
        + (", and the same set for `worker.log`" if hard else "")
        + ".",
        level_rule,
        "Each error entry carries its error code as `code=<CODE>` "
        + ("(JSON: the `code` field) " if hard else "")
        + "and belongs to the UTC hour of its timestamp.",
    ]
    if medium_up:
        report_rules.append(
            "Lines that do not start with a timestamp (stack traces, `Caused by:` lines) "
            "continue the entry above them and are never entries of their own."
        )
        report_rules.append(
            f"Only count entries from {window[0]:%Y-%m-%d %H:%M} (inclusive) to "
            f"{window[1]:%Y-%m-%d %H:%M} (exclusive), UTC."
        )
    if hard:
        report_rules.append(
            "`worker.log*` timestamps carry UTC offsets (e.g. `+05:30`, `Z`): convert them "
            "to UTC before bucketing."
        )
        report_rules.append(
            "The logs were rotated with copytruncate, so some entries appear twice. Every "
            'entry has a unique request id (`req=` / `"req"`): an entry counts once no '
            "matter how often it appears."
        )
    rng.shuffle(report_rules)
    example_code = "E0000"
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(app=app),
            "",
            f"1. Write an error report to `{report}` (create the directory if needed): a "
            "CSV file with the header line `hour,code,count` and one row per UTC hour and "
            "error code that has at least one error, `hour` written as `YYYY-MM-DD HH:00`, "
            "rows sorted by hour and then by code. For example (made up): "
            f"`2001-02-03 04:00,{example_code},7`.",
            *[f"   - {r}" for r in report_rules],
            "",
            f"2. Write the logrotate policy for `{pattern}` to `{lr_path}`:",
            *[f"   - {p}" for p in policy],
            f"   - the config must be accepted as it is: `logrotate -d {lr_path}` and "
            "`logrotate -d /etc/logrotate.conf` must both finish without any error, and a "
            "real run must actually rotate the logs in that directory as they are set up now "
            "(owner and permissions included).",
            "",
            f"Do not rotate, delete or change the existing files in `{logdir}`: they are the "
            "input of the report. Test the policy with `logrotate -d`, or on a copy.",
        ]
    )
    return instruction


def _image_setup(rng: random.Random, d: Drawn, pol: Policy):
    """The set-up script, its extra files (ctl, a broken and a stale config) and the stale path."""
    medium_up, hard, app, logdir = d.medium_up, d.hard, d.app, d.logdir
    ctl, freq, lr_path = pol.ctl, pol.freq, pol.lr_path
    setup = [
        "set -e",
        f"useradd -r -M -s /usr/sbin/nologin {app}",
        f"mkdir -p {logdir} /var/lib/{app}",
        f"cp /tmp/logs/* {logdir}/",
        f"chown {app}:{app} {logdir}/* /var/lib/{app}",
        f"chmod 0640 {logdir}/*",
        f"install -m 0755 /tmp/logs-extra/ctl {ctl}",
    ]
    if hard:
        setup.append(f"chown {app}:{app} {logdir} && chmod 0775 {logdir}")
    else:
        setup.append(f"chown root:root {logdir} && chmod 0755 {logdir}")
    extra = {
        "logs-extra/ctl": (
            "#!/bin/sh\n# ask the service to reopen its log files\nexec 2>/dev/null\n"
            f'[ "$1" = reopen-logs ] || {{ echo "usage: $0 reopen-logs" >&2; exit 64; }}\n'
            f'echo "$(date -u +%FT%TZ) reopen-logs" >> /var/lib/{app}/ctl.log 2>/dev/null\n'
            "exit 0\n"
        )
    }
    stale = None
    if medium_up:
        broken = (
            f"{logdir}/{app}.log {{\n    {freq}\n    rotate {rng.choice(['five', 'ten'])}\n"
            "    compress\n    create 644 root root\n}\n"
        )
        extra["logs-extra/broken"] = broken
        setup.append(f"install -m 0644 /tmp/logs-extra/broken {lr_path}")
    if hard:
        stale = f"/etc/logrotate.d/{app}-legacy"
        extra["logs-extra/stale"] = (
            f"# pre-migration rotation of {app}, kept for reference\n{logdir}/*.log {{\n"
            "    weekly\n    rotate 52\n    copytruncate\n}\n"
        )
        setup.append(f"install -m 0644 /tmp/logs-extra/stale {stale}")
    setup.append("rm -rf /tmp/logs /tmp/logs-extra")
    return setup, extra, stale


def _expected(d: Drawn, files, families, rows, pol: Policy, stale) -> dict:
    """Ground truth: report rows, untouched log hashes and the policy's settings."""
    medium_up, hard, app, logdir, report = d.medium_up, d.hard, d.app, d.logdir, d.report
    freq, keep, create_mode, create_group, maxsize_k, ctl, lr_path = (
        pol.freq,
        pol.keep,
        pol.create_mode,
        pol.create_group,
        pol.maxsize_k,
        pol.ctl,
        pol.lr_path,
    )
    expected = {
        "app": app,
        "logdir": logdir,
        "report": report,
        "rows": rows,
        "log_hashes": {
            name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())
        },
        "live_logs": [base for _, base, _ in families],
        "lr_path": lr_path,
        "freq": freq,
        "keep": keep,
        "delaycompress": medium_up,
        "create": {"mode": int(create_mode, 8), "owner": app, "group": create_group},
        "maxsize": maxsize_k * 1024 if maxsize_k else None,
        "ctl": ctl if hard else None,
        "dir_owner": app if hard else "root",
        "dir_mode": 0o775 if hard else 0o755,
        "stale": stale,
    }
    return expected


@register
class LogRotation(TemplateFamily):
    name = "log-rotation-report"
    result_paths = ("/app", "/etc/logrotate.d", "/root/reports", "/srv/reports", "/var/reports")
    domain = Domain.SYSTEM_ADMIN
    description = (
        "Count errors per hour and code across live and rotated (gzip) logs into an exact CSV, "
        "and write a logrotate policy that really rotates them."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        files, counted, families = _log_files(rng, drawn)
        window, rows = _window_and_rows(rng, drawn, counted)
        pol = _policy(rng, drawn)
        instruction = _instruction(rng, drawn, window, pol)
        setup, extra, stale = _image_setup(rng, drawn, pol)
        expected = _expected(drawn, files, families, rows, pol, stale)
        return Instance(
            instruction=instruction,
            files={
                **{f"logs/{name}": data for name, data in files.items()},
                **extra,
                "setup_state.sh": "\n".join(setup) + "\n",
            },
            dockerfile=(
                "COPY logs/ /tmp/logs/\n"
                "COPY logs-extra/ /tmp/logs-extra/\n"
                "COPY setup_state.sh /tmp/setup_state.sh\n"
                "RUN bash /tmp/setup_state.sh && rm /tmp/setup_state.sh\n"
            ),
            solution=self._solution(drawn, window, pol),
            checker=self.asset("check.py"),
            expected=expected,
            tags=["logrotate", "logs", "gzip", "csv"]
            + (["json", "timezones"] if drawn.hard else []),
        )

    def _solution(self, d: Drawn, window, pol: Policy) -> str:
        """solve.sh: the shipped script set to this task's paths, window and policy."""
        medium_up, hard, app, logdir, report, error_levels = (
            d.medium_up,
            d.hard,
            d.app,
            d.logdir,
            d.report,
            d.error_levels,
        )
        freq, keep, create_mode, create_group, maxsize_k, ctl, lr_path = (
            pol.freq,
            pol.keep,
            pol.create_mode,
            pol.create_group,
            pol.maxsize_k,
            pol.ctl,
            pol.lr_path,
        )
        solution = (
            self.asset("solve.sh")
            .replace("@APP@", app)
            .replace("@LOGDIR@", logdir)
            .replace("@REPORT@", report)
            .replace("@LEVELS@", ",".join(error_levels))
            .replace("@WINDOW_LO@", f"{window[0]:%Y-%m-%d %H:%M}" if window else "")
            .replace("@WINDOW_HI@", f"{window[1]:%Y-%m-%d %H:%M}" if window else "")
            .replace("@LR@", lr_path)
            .replace("@FREQ@", freq)
            .replace("@KEEP@", str(keep))
            .replace("@DELAY@", "    delaycompress\n" if medium_up else "")
            .replace("@MAXSIZE@", f"    maxsize {maxsize_k}k\n" if maxsize_k else "")
            .replace("@CREATE@", f"{create_mode} {app} {create_group}")
            .replace(
                "@POST@",
                f"    sharedscripts\n    postrotate\n        {ctl} reopen-logs\n    endscript\n"
                if hard
                else "",
            )
        )
        return solution
