#!/usr/bin/env python3
"""Sort version strings by SemVer 2.0.0 precedence (written from the task's spec)."""

import json
import re
import sys
from functools import cmp_to_key

LEVEL = "@LEVEL@"
CODES = json.loads(r"""@CODES@""")
MEDIUM = LEVEL != "easy"
HARD = LEVEL == "hard"

NUM = r"(?:0|[1-9]\d*)"
PRE_ID = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
VERSION = re.compile(
    rf"({NUM})\.({NUM})\.({NUM})(?:-({PRE_ID}(?:\.{PRE_ID})*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?",
    re.ASCII,
)


class Version:
    def __init__(self, text):
        m = VERSION.fullmatch(text)
        if m is None or (not MEDIUM and m.group(5) is not None):
            raise ValueError(text)
        self.text = text
        self.core = tuple(int(m.group(i)) for i in (1, 2, 3))
        self.pre = m.group(4).split(".") if m.group(4) else []
        self.build = m.group(5)


def compare_ids(x, y):
    if x.isdigit() and y.isdigit():
        return (int(x) > int(y)) - (int(x) < int(y))
    if x.isdigit() != y.isdigit():
        return -1 if x.isdigit() else 1
    return (x > y) - (x < y)


def compare(a, b):
    if a.core != b.core:
        return -1 if a.core < b.core else 1
    if not a.pre or not b.pre:
        return (not a.pre) - (not b.pre)
    for x, y in zip(a.pre, b.pre, strict=False):
        c = compare_ids(x, y)
        if c:
            return c
    return (len(a.pre) > len(b.pre)) - (len(a.pre) < len(b.pre))


def usage(message):
    sys.stderr.write(f"@PROG@: {message}\n")
    sys.exit(CODES["usage"])


def expand(token):
    m = re.fullmatch(r"(>=|<=|>|<|=|\^|~)?(\S*)", token)
    op, text = m.group(1) or "=", m.group(2)
    try:
        v = Version(text)
    except ValueError:
        usage(f"bad version in range: {token}")
    if v.build is not None:
        usage(f"build metadata in range: {token}")
    major, minor, patch = v.core
    if op == "^":
        if major:
            top = f"{major + 1}.0.0"
        elif minor:
            top = f"0.{minor + 1}.0"
        else:
            top = f"0.0.{patch + 1}"
        return [(">=", v), ("<", Version(top))]
    if op == "~":
        return [(">=", v), ("<", Version(f"{major}.{minor + 1}.0"))]
    return [(op, v)]


def parse_range(text):
    sets = []
    for chunk in text.split("||"):
        words = chunk.split()
        if not words:
            usage("empty comparator set")
        sets.append([c for w in words for c in expand(w)])
    return sets


def in_range(v, sets):
    tests = {
        "=": lambda c: c == 0,
        ">": lambda c: c > 0,
        ">=": lambda c: c >= 0,
        "<": lambda c: c < 0,
        "<=": lambda c: c <= 0,
    }
    for comparators in sets:
        if not all(tests[op](compare(v, bound)) for op, bound in comparators):
            continue
        if v.pre and not any(b.core == v.core and b.pre for _, b in comparators):
            continue
        return True
    return False


def main():
    args = sys.argv[1:]
    desc = unique = False
    ranges = None
    while args:
        arg = args.pop(0)
        if MEDIUM and arg == "--desc":
            desc = True
        elif MEDIUM and arg == "--unique":
            unique = True
        elif HARD and arg == "--range":
            if not args:
                usage("--range needs a value")
            ranges = parse_range(args.pop(0))
        else:
            usage(f"unexpected argument {arg}")
    versions, bad = [], 0
    for line in sys.stdin.read().split("\n"):
        line = line.strip(" \t\r")
        if not line:
            continue
        try:
            versions.append(Version(line))
        except ValueError:
            bad += 1
            sys.stderr.write(f"invalid: {line}\n")
    if unique:
        kept = []
        for v in versions:
            if all(compare(v, k) != 0 for k in kept):
                kept.append(v)
        versions = kept
    if ranges is not None:
        versions = [v for v in versions if in_range(v, ranges)]
    versions.sort(key=cmp_to_key(compare), reverse=desc)
    sys.stdout.write("".join(v.text + "\n" for v in versions))
    sys.exit(CODES.get("invalid", 1) if bad else 0)


main()
