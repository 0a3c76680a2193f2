"""Implement a well-specified algorithm as a command-line program with a fixed interface.

Each instance picks one of three problems and states it fully: SemVer 2.0.0 precedence sorting
(then build metadata, invalid lines, `--desc`/`--unique`, then npm-style ranges with the
pre-release inclusion rule), a cron next-run calculator (then steps, names, validation and
impossible schedules, then macros, `7` as Sunday and `a/n` steps), or a topological ordering
with tie-breaking (then priorities, comments and cycle reports, then dependency levels and
targets). The generator's own model of the spec produces the expected stdout and exit code of
many hidden cases, grouped by feature so a partial solution shows what it misses.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import re
import shlex

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

Case = dict  # {"args": [...], "stdin": str, "code": int, "stdout": str}

# ================================================================ SemVer

IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    rf"(?:-({IDENT}(?:\.{IDENT})*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


def sv_parse(text: str):
    m = SEMVER.fullmatch(text)
    if not m:
        return None
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)


def _pre_cmp(a: tuple, b: tuple) -> int:
    if a == b:
        return 0
    if not a:
        return 1
    if not b:
        return -1
    for x, y in zip(a, b, strict=False):
        if x == y:
            continue
        xn, yn = x.isdigit(), y.isdigit()
        if xn and yn:
            return -1 if int(x) < int(y) else 1
        if xn != yn:
            return -1 if xn else 1
        return -1 if x < y else 1
    return -1 if len(a) < len(b) else 1


def sv_cmp(a, b) -> int:
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    return _pre_cmp(a[3], b[3])


def _range_sets(text: str):
    """Parsed range: a list of comparator sets, each a list of (op, version); None if invalid."""
    sets = []
    for part in text.split("||"):
        comps = []
        tokens = part.split()
        if not tokens:
            return None
        for tok in tokens:
            m = re.fullmatch(r"(>=|<=|>|<|=|\^|~)?(.*)", tok)
            op, ver = m.group(1) or "=", m.group(2)
            v = sv_parse(ver)
            if v is None or "+" in ver:
                return None
            major, minor, patch, _ = v
            if op == "^":
                upper = (
                    (major + 1, 0, 0, ())
                    if major
                    else (0, minor + 1, 0, ())
                    if minor
                    else (0, 0, patch + 1, ())
                )
                comps += [(">=", v), ("<", upper)]
            elif op == "~":
                comps += [(">=", v), ("<", (major, minor + 1, 0, ()))]
            else:
                comps.append((op, v))
        sets.append(comps)
    return sets


def _satisfies(v, sets) -> bool:
    for comps in sets:
        ok = all(
            {
                "=": sv_cmp(v, c) == 0,
                ">": sv_cmp(v, c) > 0,
                ">=": sv_cmp(v, c) >= 0,
                "<": sv_cmp(v, c) < 0,
                "<=": sv_cmp(v, c) <= 0,
            }[op]
            for op, c in comps
        )
        if ok and v[3] and not any(c[:3] == v[:3] and c[3] for _, c in comps):
            ok = False
        if ok:
            return True
    return False


def semver_model(level: Difficulty, codes: dict, args: list[str], stdin: str) -> tuple[int, str]:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    flags = {"--desc", "--unique"} if medium else set()
    opts, sets, i = set(), None, 0
    while i < len(args):
        a = args[i]
        if a in flags:
            opts.add(a)
        elif hard and a == "--range" and i + 1 < len(args):
            sets = _range_sets(args[i + 1])
            if sets is None:
                return codes["usage"], ""
            i += 1
        else:
            return codes["usage"], ""
        i += 1
    items, invalid = [], 0
    for raw in stdin.split("\n"):
        line = raw.strip(" \t\r")
        if not line:
            continue
        v = sv_parse(line)
        if v is None:
            invalid += 1
            continue
        items.append((v, line))
    if "--unique" in opts:
        kept = []
        for v, line in items:
            if not any(sv_cmp(v, k) == 0 for k, _ in kept):
                kept.append((v, line))
        items = kept
    if sets is not None:
        items = [(v, line) for v, line in items if _satisfies(v, sets)]
    key = functools.cmp_to_key(lambda x, y: sv_cmp(x[0], y[0]))
    items = sorted(items, key=key, reverse="--desc" in opts)
    out = "".join(line + "\n" for _, line in items)
    return (codes["invalid"] if invalid else 0), out


PRE = ["alpha", "alpha.1", "alpha.beta", "beta", "beta.2", "beta.11", "rc.1", "rc.10", "1", "2"]
PRE += ["10", "x-y", "0.3.7", "alpha.9", "alpha.10", "rc", "beta.x"]
BUILD = ["build.5", "001", "sha.5114f85", "exp.sha.5114f85", "20260101", "b-7"]
BAD_VERSIONS = [
    "1.2",
    "01.2.3",
    "1.02.3",
    "1.2.3-01",
    "1.2.3-",
    "1.2.3+",
    "v1.2.3",
    "1.2.3-alpha..1",
    "1.2.3 beta",
    "1.2.3-al_pha",
    "1.2.3.4",
    "-1.2.3",
    "1.2.x",
]


def _version(rng: random.Random, pre_p: float, build_p: float) -> str:
    core = f"{rng.choice([0, 1, 1, 2, 10])}.{rng.choice([0, 1, 9, 10])}.{rng.choice([0, 2, 3, 11])}"
    if rng.random() < pre_p:
        core += "-" + rng.choice(PRE)
    if rng.random() < build_p:
        core += "+" + rng.choice(BUILD)
    return core


def _lines(rng: random.Random, versions: list[str], messy: bool) -> str:
    out = []
    for v in versions:
        if messy and rng.random() < 0.2:
            v = rng.choice([" ", "\t", "  "]) + v + rng.choice(["", " ", "\r"])
        out.append(v)
        if messy and rng.random() < 0.1:
            out.append(rng.choice(["", "   "]))
    return "\n".join(out) + "\n"


def semver_cases(rng: random.Random, level: Difficulty, add) -> None:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    for _ in range(3):
        vs = [f"{rng.randint(0, 12)}.{rng.randint(0, 12)}.{rng.randint(0, 12)}" for _ in range(8)]
        add("numeric core ordering", [], _lines(rng, vs, False))
    for _ in range(3):
        vs = [_version(rng, 0.7, 0) for _ in range(rng.randint(8, 14))]
        add("pre-release precedence", [], _lines(rng, vs, False))
    base = f"{rng.randint(1, 3)}.0.0"
    chain = [base + "-" + p for p in rng.sample(PRE, 8)] + [base]
    rng.shuffle(chain)
    add("pre-release precedence", [], _lines(rng, chain, False))
    for _ in range(2):
        vs = [_version(rng, 0.5, 0) for _ in range(10)]
        vs += rng.sample(vs, 3)  # exact duplicates
        rng.shuffle(vs)
        add("duplicates and whitespace", [], _lines(rng, vs, True))
    if not medium:
        return
    for _ in range(3):
        vs = [_version(rng, 0.4, 0.6) for _ in range(12)]
        vs += [v.split("+")[0] + "+" + rng.choice(BUILD) for v in rng.sample(vs, 3)]
        rng.shuffle(vs)
        add("build metadata and stable ties", [], _lines(rng, vs, False))
    for _ in range(3):
        vs = [_version(rng, 0.4, 0.3) for _ in range(9)] + rng.sample(BAD_VERSIONS, 4)
        rng.shuffle(vs)
        add("invalid lines", [], _lines(rng, vs, True))
    for flags in (["--desc"], ["--unique"], ["--unique", "--desc"], ["--desc"]):
        vs = [_version(rng, 0.4, 0.5) for _ in range(10)]
        vs += [v.split("+")[0] + "+" + rng.choice(BUILD) for v in rng.sample(vs, 3)]
        rng.shuffle(vs)
        add("--desc and --unique", flags, _lines(rng, vs, False))
    add("usage errors", ["--fast"], "1.0.0\n")
    if not hard:
        return
    pool = [_version(rng, 0.35, 0.2) for _ in range(30)]
    pool += ["1.2.3-beta.2", "1.2.3-beta.9", "1.2.4-alpha", "2.0.0-rc.1", "0.2.5", "0.0.3"]
    pool += ["0.0.4", "0.3.0", "1.2.3", "1.9.9", "2.0.0", "0.2.3-rc.1"]
    stdin = _lines(rng, rng.sample(pool, len(pool)), False)
    simple = [
        f">={rng.choice(['1.0.0', '0.1.0', '1.9.0'])} <{rng.choice(['2.0.0', '10.0.0', '1.10.0'])}",
        f">{rng.choice(['1.0.0', '0.9.0'])}",
        f"<={rng.choice(['1.0.0', '1.9.9', '0.2.5'])}",
        f"={rng.choice(['1.2.3', '2.0.0'])}",
        "1.9.9",
    ]
    for r in simple:
        add("range comparators", ["--range", r], stdin)
    for r in [
        "^1.2.3",
        "^0.2.3",
        "^0.0.3",
        "~1.2.3",
        "~0.2.3",
        f"^{rng.choice(['1.0.0', '2.0.0'])}",
    ]:
        add("caret and tilde ranges", ["--range", r], stdin)
    for r in [
        ">=1.2.3-beta.2 <1.3.0",
        "^1.2.3-beta.2",
        ">=2.0.0-rc.1",
        "~0.2.3-rc.1",
        ">1.0.0 <3.0.0",
    ]:
        add("pre-release range rule", ["--range", r], stdin)
    for r in ["^0.2.3 || ^2.0.0", "<0.1.0 || >=10.0.0", "~1.2.3 || =0.0.4 || >2.0.0-rc.1 <2.0.0"]:
        add("range unions", ["--range", r], stdin)
    add("range unions", ["--range", "^1.0.0", "--desc", "--unique"], stdin)
    for r in ["^1.2", ">=1.0.0 <", "1.0.0 ||", "~v1.2.3", ">=1.0.0+build"]:
        add("usage errors", ["--range", r], stdin)
    add("usage errors", ["--range"], stdin)


SEMVER_SPEC = {
    "names": ["semsort", "vsort", "relorder", "verrank"],
    "openings": [
        "Release tooling needs a program that orders version strings the way SemVer 2.0.0 "
        "says, not the way `sort -V` guesses.",
        "Write a version-sorting program that follows Semantic Versioning 2.0.0 precedence "
        "exactly.",
        "Our package index sorts versions incorrectly. Implement a correct SemVer 2.0.0 sorter.",
    ],
}


def semver_spec(level: Difficulty, codes: dict, tool: str) -> list[str]:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    usage = f"`{tool}`" + (" `[--desc] [--unique]`" if medium else "")
    usage += " `[--range RANGE]`" if hard else ""
    lines = [
        f"Usage: {usage} — reads version strings from standard input, one per line, and "
        "prints them to standard output, one per line, sorted by SemVer 2.0.0 precedence, "
        "lowest first.",
        "",
        "## Input",
        "- Surrounding spaces, tabs and `\\r` are stripped from every line; lines that are then "
        "empty are ignored. Every other line is printed exactly as it is after stripping.",
        "- A *valid* version matches SemVer 2.0.0: `MAJOR.MINOR.PATCH` (non-negative integers "
        "without leading zeros), optionally followed by `-PRERELEASE` (dot-separated "
        "identifiers of `[0-9A-Za-z-]`, none empty; numeric identifiers without leading "
        "zeros)"
        + (
            ", optionally followed by `+BUILD` (dot-separated non-empty identifiers of "
            "`[0-9A-Za-z-]`, leading zeros allowed)."
            if medium
            else ". Every line of the input is a valid version."
        ),
        "",
        "## Precedence",
        "- Compare MAJOR, MINOR and PATCH numerically, in that order.",
        "- When those are equal, a version with a pre-release has lower precedence than the "
        "one without (`1.0.0-rc.1 < 1.0.0`).",
        "- Two pre-releases are compared identifier by identifier from left to right: "
        "identifiers made only of digits compare numerically; others compare by ASCII "
        "order; a numeric identifier is lower than a non-numeric one; if all shared "
        "identifiers are equal, the one with fewer identifiers is lower.",
        "- Versions of equal precedence"
        + (" (build metadata is ignored: `1.0.0+a` equals `1.0.0+b`)" if medium else "")
        + " keep their input order (a stable sort).",
    ]
    if medium:
        lines += [
            "",
            "## Options and errors",
            "- `--desc`: print highest precedence first instead; versions of equal precedence "
            "still keep their input order.",
            "- `--unique`: of every group of versions with equal precedence keep only the "
            "first one in input order.",
        ]
        if hard:
            lines += [
                "- `--range RANGE`: print only the valid versions that satisfy RANGE "
                "(combined with the other options, the filter applies after `--unique`).",
            ]
        lines += [
            f"- Invalid lines are not printed; the valid ones are still sorted and printed, "
            f"and the exit status is then `{codes['invalid']}` instead of 0. Optionally "
            "report them on standard error.",
            f"- Any other argument, or an option missing its value, is a usage error: print "
            f"nothing on standard output and exit with `{codes['usage']}`.",
        ]
    if hard:
        lines += [
            "",
            "## Ranges",
            "- RANGE is one or more comparator sets separated by `||`; a set is one or more "
            "comparators separated by spaces; a version satisfies RANGE if it satisfies any "
            "set, and a set if it satisfies all of its comparators.",
            "- A comparator is an operator `>=`, `<=`, `>`, `<` or `=` (or none, meaning `=`) "
            "immediately followed by a full valid version without build metadata, compared "
            "by precedence.",
            "- `^V` (V = `M.m.p`, optionally with a pre-release) means `>=V <(M+1).0.0` if "
            "M > 0, `>=V <0.(m+1).0` if M = 0 and m > 0, else `>=V <0.0.(p+1)`. `~V` means "
            "`>=V <M.(m+1).0`. These expanded comparators belong to the set ^V/~V appears in.",
            "- Pre-release rule: a version that has a pre-release satisfies a set only if, "
            "besides satisfying all comparators, some comparator of that set (after expanding "
            "`^`/`~`) has the same `MAJOR.MINOR.PATCH` and a pre-release itself. So "
            "`>=1.2.3-beta.2 <1.3.0` admits `1.2.3-beta.9` but not `1.2.4-alpha`.",
            f"- A RANGE that does not follow this grammar is a usage error (exit "
            f"`{codes['usage']}`, nothing on standard output).",
        ]
    return lines


# ================================================================ cron

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
END = dt.datetime(2100, 1, 1)


class Invalid(Exception):
    pass


def _cron_field(text: str, lo: int, hi: int, names: list[str] | None, level: Difficulty):
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    top = 7 if (hard and names is DAYS) else hi

    def value(tok: str) -> int:
        if medium and names and tok.upper() in names:
            return names.index(tok.upper()) + (1 if names is MONTHS else 0)
        if not tok.isdigit() or not lo <= int(tok) <= top:
            raise Invalid(tok)
        return int(tok)

    out: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        if slash and not medium:
            raise Invalid(part)
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise Invalid(part)
            step = int(step_text)
        if base == "*":
            a, b = lo, hi
        elif "-" in base:
            x, _, y = base.partition("-")
            a, b = value(x), value(y)
            if a > b:
                raise Invalid(part)
        else:
            a = value(base)
            if slash and not hard:
                raise Invalid(part)
            b = hi if slash else a
        out.update(range(a, b + 1, step))
    if names is DAYS:
        out = {d % 7 for d in out}
    return out


def cron_parse(expr: str, level: Difficulty):
    hard = level is Difficulty.HARD
    if hard and expr.strip() in MACROS:
        expr = MACROS[expr.strip()]
    fields = expr.split()
    if len(fields) != 5:
        raise Invalid(expr)
    minute = _cron_field(fields[0], 0, 59, None, level)
    hour = _cron_field(fields[1], 0, 23, None, level)
    dom = _cron_field(fields[2], 1, 31, None, level)
    month = _cron_field(fields[3], 1, 12, MONTHS, level)
    dow = _cron_field(fields[4], 0, 6, DAYS, level)
    return minute, hour, dom, month, dow, fields[2] != "*", fields[4] != "*"


def cron_runs(parsed, start: dt.datetime, count: int) -> list[dt.datetime]:
    minute, hour, dom, month, dow, dom_r, dow_r = parsed
    t = start + dt.timedelta(minutes=1)
    day = dt.datetime(t.year, t.month, t.day)
    runs = []
    while day < END and len(runs) < count:
        wd = (day.weekday() + 1) % 7
        if dom_r and dow_r:
            day_ok = day.day in dom or wd in dow
        else:
            day_ok = (day.day in dom or not dom_r) and (wd in dow or not dow_r)
        if day.month in month and day_ok:
            for h in sorted(hour):
                for m in sorted(minute):
                    moment = day.replace(hour=h, minute=m)
                    if moment >= t and len(runs) < count:
                        runs.append(moment)
        day += dt.timedelta(days=1)
    return runs


def cron_model(level: Difficulty, codes: dict, args: list[str], stdin: str) -> tuple[int, str]:
    start, count, exprs, i = None, 5, [], 0
    while i < len(args):
        a = args[i]
        if a in ("--from", "--count"):
            if i + 1 >= len(args):
                return codes["usage"], ""
            if a == "--from":
                try:
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", args[i + 1]):
                        raise ValueError
                    start = dt.datetime.strptime(args[i + 1], "%Y-%m-%d %H:%M")
                except ValueError:
                    return codes["usage"], ""
            elif not re.fullmatch(r"[1-9][0-9]*", args[i + 1]):
                return codes["usage"], ""
            else:
                count = int(args[i + 1])
            i += 2
        elif a.startswith("--"):
            return codes["usage"], ""
        else:
            exprs.append(a)
            i += 1
    if start is None or len(exprs) != 1:
        return codes["usage"], ""
    try:
        parsed = cron_parse(exprs[0], level)
    except Invalid:
        return codes["invalid"], ""
    runs = cron_runs(parsed, start, count)
    out = "".join(r.strftime("%Y-%m-%d %H:%M") + "\n" for r in runs)
    return (0 if len(runs) == count else codes["exhausted"]), out


def _stamp(rng: random.Random, year_from: int = 2025, year_to: int = 2027) -> str:
    moment = dt.datetime(rng.randint(year_from, year_to), 1, 1) + dt.timedelta(
        minutes=rng.randint(0, 365 * 24 * 60 - 1)
    )
    return moment.strftime("%Y-%m-%d %H:%M")


def cron_cases(rng: random.Random, level: Difficulty, add) -> None:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD

    def run(group: str, expr: str, count: int | None = None, start: str | None = None) -> None:
        args = ["--from", start or _stamp(rng)]
        if count is not None:
            args += ["--count", str(count)]
        args.append(expr)
        if rng.random() < 0.3:
            args = args[-1:] + args[:-1]
        add(group, args, "")

    m, h = rng.randint(0, 59), rng.randint(0, 23)
    run("fixed times and wildcards", f"{m} {h} * * *", 4)
    run("fixed times and wildcards", f"{m} * * * *", 3)
    run("fixed times and wildcards", "* * * * *", 3)
    run("fixed times and wildcards", f"{m} {h} {rng.randint(1, 28)} {rng.randint(1, 12)} *", 3)
    run("fixed times and wildcards", f"{rng.randint(0, 59)} {rng.randint(0, 23)} * * *")
    run("lists and ranges", f"{m},{(m + 17) % 60},{(m + 33) % 60} 9-11 * * *", 8)
    run("lists and ranges", f"0 {h} 1,15 * *", 5)
    run("lists and ranges", f"30 8 * * {rng.randint(1, 2)}-{rng.randint(4, 5)}", 6)
    run(
        "lists and ranges",
        f"0,30 {h}-{min(23, h + 2)} * {rng.randint(1, 6)}-{rng.randint(7, 12)} *",
        7,
    )
    run("day-of-month or weekday", f"0 12 13 * {rng.randint(0, 6)}", 6)
    run("day-of-month or weekday", "15 6 1,2 * 0", 6)
    run("day-of-month or weekday", f"0 0 {rng.randint(1, 28)} * *", 3)
    run("day-of-month or weekday", "0 0 * * 3", 3)
    run("rollover and calendar", "59 23 31 12 *", 2, "2026-12-31 23:59")
    run("rollover and calendar", "0 0 29 2 *", 2, "2027-03-01 00:00")
    run("rollover and calendar", "0 0 31 * *", 5)
    run("rollover and calendar", f"{m} {h} * * *", 2, f"2028-02-28 {h:02d}:{m:02d}")
    if not medium:
        return
    run("steps", "*/15 * * * *", 6)
    run("steps", f"0 */{rng.choice([5, 6, 7])} * * *", 6)
    run("steps", f"{rng.randint(0, 9)}-{rng.randint(40, 59)}/{rng.choice([10, 20])} {h} * * *", 6)
    run("steps", "0 0 */10 */4 *", 6)
    run("names", f"0 9 * * {rng.choice(['MON', 'mon', 'Mon'])}-{rng.choice(['FRI', 'fri'])}", 6)
    run("names", f"30 7 1 {rng.choice(['JAN', 'jul', 'Oct'])},{rng.choice(['MAR', 'dec'])} *", 4)
    run("names", "0 18 * * SAT,SUN", 5)
    for bad in [
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        f"* * * * {rng.choice(['8', 'FUN'])}",
        "*/0 * * * *",
        "5-1 * * * *",
        "* * * *",
        "* * * * * *",
        "1,,2 * * * *",
        "* * * MON *",
        "a * * * *",
    ]:
        run("invalid expressions", bad, 2)
    run("schedules that never run", "0 0 30 2 *", 3)
    run("schedules that never run", "0 0 31 4,6 *", 2)
    run("schedules that never run", "0 0 29 2 *", 30, "2026-05-01 00:00")
    add("usage errors", ["* * * * *"], "")
    add("usage errors", ["--from", "2026-13-01 00:00", "* * * * *"], "")
    add("usage errors", ["--from", _stamp(rng), "--count", "0", "* * * * *"], "")
    add("usage errors", ["--from", _stamp(rng), "--count", "x", "* * * * *"], "")
    add("usage errors", ["--from", _stamp(rng), "* * * * *", "0 0 * * *"], "")
    if not hard:
        return
    for macro in rng.sample(sorted(MACROS), 4):
        run("macros", macro, 3)
    run("macros", "@fortnightly", 2)
    run("sunday as 7 and open steps", "0 10 * * 7", 3)
    run("sunday as 7 and open steps", "0 10 * * 5-7", 5)
    run("sunday as 7 and open steps", f"{rng.randint(1, 9)}/20 * * * *", 6)
    run("sunday as 7 and open steps", f"0 0 {rng.randint(2, 6)}/7 * *", 5)
    run("sunday as 7 and open steps", "0 0 * * 1/2", 5)
    run("long searches", "0 0 29 2 1", 6)
    run("long searches", "0 0 29 2 *", 3, "2096-03-01 00:00")
    run("long searches", f"{m} {h} 13 * 5", 5)
    run("long searches", "0 0 31 2 *", 1)


CRON_SPEC = {
    "names": ["cronnext", "nextrun", "cronwhen", "schedcalc"],
    "openings": [
        "The scheduler UI needs to preview when a cron entry will fire next.",
        "Write a calculator for the next run times of a cron schedule.",
        "Implement a cron next-run calculator for our job scheduler.",
    ],
}


def cron_spec(level: Difficulty, codes: dict, tool: str) -> list[str]:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    field_rules = [
        "`*` (every value of the field)",
        "a number",
        "a range `a-b` (inclusive, a <= b)",
        "a comma-separated list of the above",
    ]
    if medium:
        field_rules += [
            "`*/n` and `a-b/n` (every n-th value of the full range or of a-b, starting at its "
            "first value; n >= 1)",
            "in the month field the names `JAN`..`DEC`, in the day-of-week field `SUN`..`SAT`, "
            "case-insensitive, anywhere a number may appear there",
        ]
    if hard:
        field_rules += [
            "`a/n` (the same as `a-MAX/n`, MAX being the field's largest value: 59, 23, 31, "
            "12 or 6)"
        ]
    lines = [
        f"Usage: `{tool} --from 'YYYY-MM-DD HH:MM' [--count N] 'EXPR'` (options and EXPR in any "
        "order) — prints the next N (default 5) times strictly after `--from` at which the "
        "cron expression EXPR fires, one per line, formatted `YYYY-MM-DD HH:MM`, earliest "
        "first. Times are plain calendar times: no time zones, no daylight saving.",
        "",
        "## Expressions",
        "- EXPR has exactly five fields separated by spaces: minute (0-59), hour (0-23), "
        "day of month (1-31), month (1-12), day of week (0-6, 0 = Sunday"
        + (", and 7 is Sunday too" if hard else "")
        + ").",
        "- Each field is one of: " + "; ".join(field_rules) + ".",
        "- A time matches when its minute, hour and month are in their fields and its day "
        "matches: if both the day-of-month and the day-of-week fields are restricted (not "
        "exactly `*`), a day matches when EITHER of them matches; if only one of them is "
        "restricted, only that one counts; if neither is, every day matches.",
    ]
    if hard:
        lines.append(
            "- Instead of five fields EXPR may be one of the macros `@yearly` and `@annually` "
            "(`0 0 1 1 *`), `@monthly` (`0 0 1 * *`), `@weekly` (`0 0 * * 0`), `@daily` and "
            "`@midnight` (`0 0 * * *`), `@hourly` (`0 * * * *`)."
        )
    lines += [
        f"- Only times before `2100-01-01 00:00` count. If fewer than N exist, print those "
        f"there are and exit with `{codes['exhausted']}` (otherwise exit 0).",
        "",
        "## Errors",
    ]
    if medium:
        lines.append(
            f"- An EXPR that does not follow these rules (wrong number of fields, a value out "
            f"of range, `a > b`, a step of 0, a name in the wrong field, an empty list item, "
            f"...) is invalid: print nothing on standard output and exit with "
            f"`{codes['invalid']}`."
        )
    else:
        lines.append("- Every EXPR you will be given is valid.")
    lines.append(
        f"- A missing or malformed `--from` (it must be a real date and time in exactly that "
        f"format), a `--count` that is not a positive integer, an unknown option or not "
        f"exactly one EXPR is a usage error: print nothing on standard output and exit with "
        f"`{codes['usage']}`."
    )
    return lines


# ================================================================ topological order

NAME = r"[A-Za-z0-9_.-]+"
LINE = re.compile(rf"({NAME})\s*(?:\((-?[0-9]+)\))?\s*:(.*)")


def topo_model(level: Difficulty, codes: dict, args: list[str], stdin: str) -> tuple[int, str]:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    levels, target, i = False, None, 0
    while i < len(args):
        if hard and args[i] == "--levels":
            levels = True
        elif hard and args[i] == "--target" and i + 1 < len(args):
            target = args[i + 1]
            i += 1
        else:
            return codes["usage"], ""
        i += 1
    deps: dict[str, set[str]] = {}
    prio: dict[str, int] = {}
    for raw in stdin.split("\n"):
        line = raw.strip()
        if not line or (medium and line.startswith("#")):
            continue
        m = LINE.fullmatch(line)
        if not m or (m.group(2) is not None and not medium):
            return codes["malformed"], ""
        task, p, rest = m.groups()
        names = rest.split()
        if not all(re.fullmatch(NAME, n) for n in names):
            return codes["malformed"], ""
        deps.setdefault(task, set()).update(names)
        for n in names:
            deps.setdefault(n, set())
        if p is not None:
            prio[task] = max(prio.get(task, int(p)), int(p))
    if target is not None:
        if target not in deps:
            return codes["usage"], ""
        keep, todo = set(), [target]
        while todo:
            n = todo.pop()
            if n not in keep:
                keep.add(n)
                todo += sorted(deps[n])
        deps = {n: d for n, d in deps.items() if n in keep}
    key = lambda n: (-prio.get(n, 0), n)  # noqa: E731
    indeg = {n: len(d) for n, d in deps.items()}
    users: dict[str, list[str]] = {n: [] for n in deps}
    for n, d in deps.items():
        for x in sorted(d):
            users[x].append(n)
    out = []
    if levels:
        frontier = sorted((n for n in deps if indeg[n] == 0), key=key)
        while frontier:
            out.append(" ".join(frontier))
            nxt = []
            for n in frontier:
                for u in users[n]:
                    indeg[u] -= 1
                    if indeg[u] == 0:
                        nxt.append(u)
            frontier = sorted(nxt, key=key)
        done = {n for line in out for n in line.split()}
    else:
        ready = sorted((n for n in deps if indeg[n] == 0), key=key)
        while ready:
            n = ready.pop(0)
            out.append(n)
            for u in users[n]:
                indeg[u] -= 1
                if indeg[u] == 0:
                    ready.append(u)
            ready.sort(key=key)
        done = set(out)
    stuck = sorted(n for n in deps if n not in done)
    if stuck:
        out.append("CYCLE: " + " ".join(stuck))
    return (codes["cycle"] if stuck else 0), "".join(x + "\n" for x in out)


TASK_WORDS = ["fetch", "build", "lint", "test", "pack", "sign", "docs", "deploy", "gen", "seed"]
TASK_WORDS += ["migrate", "bundle", "cache", "index", "report", "verify", "clean", "setup"]


def _dag(rng: random.Random, n: int, density: float) -> tuple[list[str], dict[str, list[str]]]:
    names = rng.sample(TASK_WORDS, min(n, len(TASK_WORDS)))
    names = [
        f"{w}{rng.choice(['', '-', '_', '.'])}{rng.randint(1, 9)}" if rng.random() < 0.4 else w
        for w in names
    ]
    order = names[:]
    rng.shuffle(order)
    deps = {t: sorted(x for x in order[:i] if rng.random() < density) for i, t in enumerate(order)}
    return names, deps


def _close_cycle(rng: random.Random, deps: dict, size: int) -> list[str]:
    """Make `size` tasks depend on each other in a ring; return the ring."""
    ring = rng.sample(sorted(deps), size)
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        deps[a] = sorted(set(deps[a]) | {b})
    return ring


def _render(rng: random.Random, deps: dict, prio: dict | None = None, extras: bool = False) -> str:
    lines = []
    for task in rng.sample(sorted(deps), len(deps)):
        d = list(deps[task])
        rng.shuffle(d)
        if not d and rng.random() < 0.5 and not (prio and task in prio):
            continue  # mentioned only as a dependency (or not at all when isolated)
        p = f" ({prio[task]})" if prio and task in prio else ""
        sep = rng.choice([" ", "  ", "\t"])
        if extras and len(d) > 1 and rng.random() < 0.4:
            lines.append(f"{task}{p}: {sep.join(d[:1])}")
            lines.append(f"{task}: {sep.join(d[1:])}")
        else:
            lines.append(f"{task}{p}:{rng.choice([' ', ''])}{sep.join(d)}")
    used = {x for d in deps.values() for x in d} | {ln.split(":")[0].split(" (")[0] for ln in lines}
    for task in sorted(deps):
        if task not in used:
            lines.append(f"{task}:")
    if extras:
        for _ in range(2):
            lines.insert(
                rng.randint(0, len(lines)), rng.choice(["# build graph", "", "   ", "  # note"])
            )
    return "\n".join(lines) + "\n"


def topo_cases(rng: random.Random, level: Difficulty, add) -> None:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    for n, dens in ((6, 0.5), (9, 0.3), (12, 0.25)):
        _, deps = _dag(rng, n, dens)
        add("dependency order", [], _render(rng, deps))
    for _ in range(3):
        _, deps = _dag(rng, rng.randint(7, 11), 0.15)
        add("tie-breaking by name", [], _render(rng, deps))
    names = rng.sample(TASK_WORDS, 6)
    chain = {
        names[0]: [],
        names[1]: [names[0]],
        names[2]: [names[0]],
        names[3]: [names[1], names[2]],
    }
    chain |= {names[4]: [], names[5]: [names[3]]}
    add("diamonds and isolated tasks", [], _render(rng, chain))
    add("diamonds and isolated tasks", [], "z9:\nA1:\nb:\n_x:\n")
    if not medium:
        return
    for _ in range(3):
        names, deps = _dag(rng, rng.randint(8, 12), 0.25)
        prio = {t: rng.randint(-3, 9) for t in rng.sample(names, len(names) // 2)}
        add("priorities", [], _render(rng, deps, prio))
    for _ in range(2):
        names, deps = _dag(rng, rng.randint(8, 12), 0.3)
        add("comments and repeated tasks", [], _render(rng, deps, None, True))
    text = "a (2): b\na (5): c\nb:\nc:\nd (3):\n"
    add("comments and repeated tasks", [], text)
    for size in (2, 3, 3):
        names, deps = _dag(rng, rng.randint(7, 10), 0.3)
        _close_cycle(rng, deps, size)
        add("cycles", [], _render(rng, deps))
    add("cycles", [], "self: self\nok:\n")
    for bad in ["a b: c\n", "a: b c!\n", ": a\n", "a (x): b\n", "just words\n"]:
        add("malformed input", [], "ok: fine\n" + bad)
    if not hard:
        return
    for _ in range(3):
        names, deps = _dag(rng, rng.randint(8, 12), 0.3)
        prio = {t: rng.randint(0, 5) for t in rng.sample(names, 3)}
        add("levels", ["--levels"], _render(rng, deps, prio))
    for _ in range(3):
        names, deps = _dag(rng, rng.randint(9, 13), 0.25)
        target = max(deps, key=lambda t: (len(deps[t]), t))
        args = ["--target", target] + (["--levels"] if rng.random() < 0.5 else [])
        add("targets", args, _render(rng, deps))
    names, deps = _dag(rng, 9, 0.3)
    ring = _close_cycle(rng, deps, 3)
    users = sorted(t for t in deps if set(deps[t]) & set(ring) and t not in ring)
    add("cycles with levels and targets", ["--levels"], _render(rng, deps))
    add("cycles with levels and targets", ["--target", (users or ring)[0]], _render(rng, deps))
    add("cycles with levels and targets", ["--levels", "--target", ring[0]], _render(rng, deps))
    add("usage errors", ["--target", "nosuchtask"], _render(rng, deps))
    add("usage errors", ["--target"], _render(rng, deps))
    add("usage errors", ["--verbose"], _render(rng, deps))


TOPO_SPEC = {
    "names": ["taskorder", "toposched", "buildorder", "runorder"],
    "openings": [
        "Our build system needs a deterministic task order: implement it as a program.",
        "Write a program that orders tasks so that every task comes after its dependencies.",
        "Implement the dependency resolver of a tiny task runner.",
    ],
}


def topo_spec(level: Difficulty, codes: dict, tool: str) -> list[str]:
    medium, hard = level is not Difficulty.EASY, level is Difficulty.HARD
    usage = f"`{tool}`" + (" `[--levels] [--target TASK]`" if hard else "")
    lines = [
        f"Usage: {usage} — reads task declarations from standard input and prints the tasks "
        "in an order where every task comes after all of its dependencies, one per line.",
        "",
        "## Input",
        "- Each line declares a task: `TASK:` followed by the names of the tasks it depends "
        "on, separated by spaces or tabs (possibly none). Names are made of "
        "`A-Z a-z 0-9 _ . -`. Surrounding whitespace is ignored, and so are empty lines.",
        "- A task that only appears as a dependency is a task too (with no dependencies).",
    ]
    if medium:
        lines += [
            "- A declaration may carry a priority, an integer in parentheses before the colon: "
            "`deploy (5): build test` (spaces around it are allowed). Tasks without one have "
            "priority 0; if a task is given several priorities, the highest counts.",
            "- A task may be declared on several lines: its dependencies are all of them.",
            "- Lines whose first non-blank character is `#` are comments and are ignored.",
        ]
    lines += [
        f"- Any other line is malformed: print nothing on standard output and exit with "
        f"`{codes['malformed']}`.",
        "",
        "## Order",
        "- Repeatedly output, among the tasks not yet printed whose dependencies have all "
        "been printed, the one that comes first by "
        + ("highest priority, then " if medium else "")
        + "name in ascending ASCII order.",
    ]
    if medium:
        lines.append(
            f"- If some tasks can never be printed (they are on a dependency cycle or depend "
            f"on one), print everything that can be printed as above, then one last line "
            f"`CYCLE: ` followed by all the remaining task names in ascending ASCII order, "
            f"separated by single spaces, and exit with `{codes['cycle']}` (0 otherwise)."
        )
    if hard:
        lines += [
            "",
            "## Options",
            "- `--levels`: instead of one task per line, print one line per level: level 0 "
            "holds the tasks without dependencies, level k+1 the tasks whose dependencies are "
            "all in levels 0..k and at least one in level k. Names on a line are separated by "
            "single spaces, ordered by highest priority, then name. The `CYCLE:` line works "
            "as above.",
            "- `--target TASK`: consider only TASK and the tasks it depends on, directly or "
            "indirectly; everything else is left out (also from a `CYCLE:` line).",
            f"- Any other argument, an option without its value, or a target that is not a "
            f"task, is a usage error: print nothing on standard output and exit with "
            f"`{codes['usage']}`.",
        ]
    return lines


PROBLEMS = {
    "semver": (SEMVER_SPEC, semver_spec, semver_model, semver_cases),
    "cron": (CRON_SPEC, cron_spec, cron_model, cron_cases),
    "topo": (TOPO_SPEC, topo_spec, topo_model, topo_cases),
}
CODE_SETS = {
    "semver": [("usage", "invalid")],
    "cron": [("usage", "invalid", "exhausted")],
    "topo": [("usage", "malformed", "cycle")],
}


# ================================================================ the family

TOOL_DIRS = ["/app/bin", "/usr/local/bin", "/app"]
EXTRA_DIAGNOSTICS = {
    # what a naive tool would say, to see where the spec differs from it
    "semver": "sort -V ex1.in | diff -q - ex1.want || echo 'sort -V disagrees with the spec'",
    "cron": "date -d \"$(head -n 1 ex1.want)\" '+first run falls on a %A' || true",
    "topo": "awk -F: 'NF > 1 { n = split($2, d, \" \"); for (i = 1; i <= n; i++) print d[i], $1 }' "
    "ex1.in | tsort || true",
}
CLOSINGS = [
    "It must be an executable file (any language available in the image; `python3` is "
    "installed) that works when run directly by an unprivileged user from any directory.",
    "Make it an executable that runs directly (a `#!` line is fine; `python3` is available) "
    "for any user and from any working directory.",
]


def _example_block(tool: str, case: Case) -> list[str]:
    cmd = " ".join([tool, *(shlex.quote(a) for a in case["args"])])
    lines = ["```"]
    if case["stdin"]:
        lines += [f"$ {cmd} <<'EOF'", *case["stdin"].rstrip("\n").split("\n"), "EOF"]
    else:
        lines.append(f"$ {cmd}")
    lines += [case["stdout"].rstrip("\n")] if case["stdout"] else []
    lines += ["$ echo $?", str(case["code"]), "```"]
    return lines


def write_file_lines(path: str, text: str, tag: str) -> list[str]:
    """Shell lines that create `path` holding exactly `text` (heredoc when it ends a line)."""
    if not text:
        return [f": > {path}"]
    if text.endswith("\n") and tag not in text:
        return [f"cat > {path} <<'{tag}'", *text[:-1].split("\n"), tag]
    return [f"printf '%s' {shlex.quote(text)} > {path}"]


@register
class SpecAlgorithm(TemplateFamily):
    name = "spec-algorithm"
    domain = Domain.CODING
    description = "Implement a precisely specified algorithm (SemVer ranges, cron next runs, or topological order) as a CLI."
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        problem = rng.choice(sorted(PROBLEMS))
        meta, spec_fn, model, cases_fn = PROBLEMS[problem]
        prog = rng.choice(meta["names"])
        tool = f"{rng.choice(TOOL_DIRS)}/{prog}"
        kinds = CODE_SETS[problem][0]
        values = [rng.choice([2, 64])] + rng.sample([1, 3, 4, 5, 65, 66, 70], len(kinds) - 1)
        codes = dict(zip(kinds, values, strict=True))

        groups: dict[str, list[Case]] = {}

        def add(group: str, args: list[str], stdin: str) -> None:
            code, out = model(difficulty, codes, args, stdin)
            groups.setdefault(group, []).append(
                {"args": args, "stdin": stdin, "code": code, "stdout": out}
            )

        cases_fn(rng, difficulty, add)

        shown: dict[str, list[Case]] = {}

        def add_example(group: str, args: list[str], stdin: str) -> None:
            code, out = model(difficulty, codes, args, stdin)
            shown.setdefault(group, []).append(
                {"args": args, "stdin": stdin, "code": code, "stdout": out}
            )

        cases_fn(random.Random(rng.getrandbits(64)), difficulty, add_example)
        plain = {
            g: [c for c in cs if not any(ch in c["stdin"] for ch in "\r\t")]
            for g, cs in shown.items()
        }
        plain = {g: cs for g, cs in plain.items() if cs}
        example_groups = rng.sample(sorted(plain), min(3, len(plain)))
        examples = [
            min(plain[g], key=lambda c: len(c["stdin"]) + len(c["stdout"])) for g in example_groups
        ]

        lines = [
            rng.choice(meta["openings"]) + f" Install it as `{tool}`. " + rng.choice(CLOSINGS),
            "",
            *spec_fn(difficulty, codes, prog),
            "",
            "## Grading",
            f"`{tool}` is run on many hidden inputs; its standard output and exit status must "
            "match exactly (standard error is ignored). Every line printed ends with `\\n`. "
            "Each run must finish within 10 seconds.",
            "",
            "## Examples",
        ]
        for case in examples:
            lines += _example_block(prog, case)
        source = (
            self.asset(f"{problem}_tool.py")
            .replace("@LEVEL@", difficulty.value)
            .replace("@CODES@", json.dumps(codes))
            .replace("@PROG@", prog)
        )
        checks = []
        for n, case in enumerate(examples, 1):
            checks += [
                *write_file_lines(f"ex{n}.in", case["stdin"], "INPUT"),
                *write_file_lines(f"ex{n}.want", case["stdout"], "WANT"),
                f"code=0; timeout 10 ./{prog} {' '.join(shlex.quote(a) for a in case['args'])} < ex{n}.in "
                f"> ex{n}.got || code=$?",
                f'echo "example {n}: exit $code"; test "$code" -eq {case["code"]}',
                f"diff ex{n}.want ex{n}.got",
            ]
        solution = (
            self.asset("solve.sh")
            .replace("@PROG@", prog)
            .replace("@TOOL@", tool)
            .replace("@EXAMPLE_CHECKS@", "\n".join(checks))
            .replace("@EXTRA@", EXTRA_DIAGNOSTICS[problem])
            .replace("@SOURCE@", source)
        )
        return Instance(
            instruction="\n".join(lines),
            solution=solution,
            checker=self.asset("check.py"),
            expected={"tool": tool, "problem": problem, "groups": groups},
            result_paths=["/app", tool],  # the tool alone, never a whole PATH folder
            tags=["algorithms", "cli", problem, "spec-implementation"],
        )
