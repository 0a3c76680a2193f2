#!/usr/bin/env python3
"""A CSV query tool written from the task's specification."""

import csv
import json
import re
import sys
from decimal import Decimal

PROG = "@PROG@"
OPT = json.loads(r"""@OPTIONS@""")
CODES = json.loads(r"""@CODES@""")
LEVEL = "@LEVEL@"
MEDIUM = LEVEL in ("medium", "hard")
HARD = LEVEL == "hard"
TAKES_VALUE = {"cols", "where", "limit", "sort", "format", "group", "sum"}
FORMATS = ["csv"] + (["tsv", "json"] if MEDIUM else []) + (["table"] if HARD else [])
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def fail(kind, message):
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.exit(CODES[kind])


def number(text):
    return Decimal(text) if NUMBER.fullmatch(text) else None


def parse(argv):
    known = {spelled: key for key, spelled in OPT.items()}
    opts, files, wheres, sums = {}, [], [], []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "-" or not arg.startswith("-"):
            files.append(arg)
            continue
        inline = None
        if HARD and "=" in arg:
            arg, inline = arg.split("=", 1)
        key = known.get(arg)
        if key is None:
            fail("usage", f"unknown option {arg}")
        if key in TAKES_VALUE:
            if inline is None:
                if not args:
                    fail("usage", f"{arg} needs a value")
                inline = args.pop(0)
            if key == "where":
                wheres.append(inline)
            elif key == "sum":
                sums.append(inline)
            else:
                opts[key] = inline
        elif inline is not None:
            fail("usage", f"{arg} takes no value")
        else:
            opts[key] = True
    if len(files) > 1:
        fail("usage", "more than one FILE")
    if not files and not MEDIUM:
        fail("usage", "FILE is required")
    if len(wheres) > 1 and not MEDIUM:
        fail("usage", "only one filter is allowed")
    operators = ["!=", "<=", ">=", "=", "<", ">", "~"] if MEDIUM else ["!=", "=", "<", ">"]
    filters = []
    for expr in wheres:
        m = re.match(r"[A-Za-z0-9_]+", expr)
        if not m:
            fail("usage", f"bad filter {expr!r}")
        rest = expr[m.end() :]
        op = next((o for o in operators if rest.startswith(o)), None)
        if op is None:
            fail("usage", f"bad filter {expr!r}")
        value = rest[len(op) :]
        if op in ("<", ">", "<=", ">=") and number(value) is None:
            fail("usage", f"{value!r} is not a number")
        filters.append((m.group(), op, value))
    if "limit" in opts and not re.fullmatch(r"[0-9]+", opts["limit"]):
        fail("usage", "bad limit")
    if opts.get("format", "csv") not in FORMATS:
        fail("usage", "unknown format")
    if "group" in opts and any(k in opts for k in ("cols", "sort", "distinct")):
        fail("usage", "grouping cannot be combined with column selection, sorting or distinct")
    if sums and "group" not in opts:
        fail("usage", "sums need grouping")
    return opts, (files[0] if files else "-"), filters, sums


def keep(row, column, op, value):
    cell = row[column]
    if op == "=":
        return cell == value
    if op == "!=":
        return cell != value
    if op == "~":
        return value in cell
    a = number(cell)
    if a is None:
        return False
    b = Decimal(value)
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def quote(field):
    return '"' + field.replace('"', '""') + '"' if ("," in field or '"' in field) else field


def emit(fmt, show_header, columns, rows):
    out = sys.stdout
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(dict(zip(columns, row, strict=False))) + "\n")
        return
    lines = ([columns] if show_header else []) + rows
    if fmt in ("csv", "tsv"):
        for line in lines:
            out.write(
                ("," if fmt == "csv" else "\t").join(map(quote if fmt == "csv" else str, line))
                + "\n"
            )
        return
    width = [max((len(line[i]) for line in lines), default=0) for i in range(len(columns))]
    right = [
        bool(rows) and all(number(r[i]) is not None for r in rows) for i in range(len(columns))
    ]
    for n, line in enumerate(lines):
        cells = [v.rjust(width[i]) if right[i] else v.ljust(width[i]) for i, v in enumerate(line)]
        out.write(" | ".join(cells).rstrip() + "\n")
        if show_header and n == 0:
            out.write("-+-".join("-" * w for w in width) + "\n")


def main():
    opts, path, filters, sums = parse(sys.argv[1:])
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, newline="", encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        fail("file", f"cannot open {path}: {exc.strerror}")
    records = list(csv.reader(text.splitlines()))
    header, body = (records[0], records[1:]) if records else ([], [])
    named = [dict(zip(header, r, strict=False)) for r in body]
    used = [f[0] for f in filters] + sums
    used += opts["cols"].split(",") if "cols" in opts else []
    used += [opts[k] for k in ("sort", "group") if k in opts]
    for column in used:
        if column not in header:
            fail("column", f"no such column: {column}")
    rows = [r for r in named if all(keep(r, *f) for f in filters)]
    if "group" in opts:
        key = opts["group"]
        order, members = [], {}
        for r in rows:
            if r[key] not in members:
                order.append(r[key])
                members[r[key]] = []
            members[r[key]].append(r)
        columns = [key, "count"] + ["sum_" + s for s in sums]
        table = []
        for value in order:
            line = [value, str(len(members[value]))]
            for s in sums:
                total = sum((number(r[s]) or Decimal(0) for r in members[value]), Decimal(0))
                line.append(f"{total:.2f}")
            table.append(line)
    else:
        if "sort" in opts:
            col = opts["sort"]
            numeric = all(number(r[col]) is not None for r in rows)
            rows = sorted(
                rows,
                key=(lambda r: number(r[col])) if numeric else (lambda r: r[col]),
                reverse=bool(opts.get("desc")),
            )
        columns = opts["cols"].split(",") if "cols" in opts else header
        table = [[r[c] for c in columns] for r in rows]
        if opts.get("distinct"):
            seen, unique = set(), []
            for line in table:
                if tuple(line) not in seen:
                    seen.add(tuple(line))
                    unique.append(line)
            table = unique
    if opts.get("count"):
        print(len(table))
        return
    if "limit" in opts:
        table = table[: int(opts["limit"])]
    emit(opts.get("format", "csv"), not opts.get("no_header"), columns, table)


if __name__ == "__main__":
    main()
