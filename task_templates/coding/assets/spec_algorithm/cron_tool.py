#!/usr/bin/env python3
"""Next run times of a cron expression (written from the task's spec)."""

import calendar
import json
import re
import sys
from datetime import date, datetime, timedelta

LEVEL = "@LEVEL@"
CODES = json.loads(r"""@CODES@""")
MEDIUM = LEVEL != "easy"
HARD = LEVEL == "hard"
MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
LIMIT = date(2100, 1, 1)


class BadExpression(Exception):
    pass


def fail(kind, message):
    sys.stderr.write(f"@PROG@: {message}\n")
    sys.exit(CODES[kind])


def expand(field, low, high, names=None, offset=0, allow_seven=False):
    """The set of values a field selects; names map to index + offset."""
    accepted_high = 7 if allow_seven else high

    def number(tok):
        if MEDIUM and names and tok.upper() in names:
            return names.index(tok.upper()) + offset
        if not re.fullmatch(r"[0-9]+", tok):
            raise BadExpression(tok)
        value = int(tok)
        if value < low or value > accepted_high:
            raise BadExpression(tok)
        return value

    chosen = set()
    for item in field.split(","):
        step = 1
        if "/" in item:
            if not MEDIUM:
                raise BadExpression(item)
            item, step_text = item.split("/", 1)
            if not re.fullmatch(r"[0-9]+", step_text) or int(step_text) < 1:
                raise BadExpression(step_text)
            step = int(step_text)
            if item != "*" and "-" not in item and not HARD:
                raise BadExpression(item)
            open_ended = item != "*" and "-" not in item
        else:
            open_ended = False
        if item == "*":
            first, last = low, high
        elif "-" in item:
            first_text, last_text = item.split("-", 1)
            first, last = number(first_text), number(last_text)
            if first > last:
                raise BadExpression(item)
        else:
            first = number(item)
            last = high if open_ended else first
        chosen.update(range(first, last + 1, step))
    return chosen


def parse(expr):
    if HARD and expr.strip() in MACROS:
        expr = MACROS[expr.strip()]
    fields = expr.split()
    if len(fields) != 5:
        raise BadExpression(expr)
    minutes = expand(fields[0], 0, 59)
    hours = expand(fields[1], 0, 23)
    days = expand(fields[2], 1, 31)
    months = expand(fields[3], 1, 12, MONTH_NAMES, 1)
    weekdays = {d % 7 for d in expand(fields[4], 0, 6, DAY_NAMES, 0, allow_seven=HARD)}
    return minutes, hours, days, months, weekdays, fields[2] != "*", fields[4] != "*"


def day_matches(day, days, months, weekdays, dom_set, dow_set):
    if day.month not in months:
        return False
    by_dom = day.day in days
    by_dow = (day.isoweekday() % 7) in weekdays
    if dom_set and dow_set:
        return by_dom or by_dow
    if dom_set:
        return by_dom
    if dow_set:
        return by_dow
    return True


def next_runs(schedule, after, count):
    minutes, hours, days, months, weekdays, dom_set, dow_set = schedule
    hours, minutes = sorted(hours), sorted(minutes)
    start = after + timedelta(minutes=1)
    runs, day = [], start.date()
    while day < LIMIT and len(runs) < count:
        if day_matches(day, days, months, weekdays, dom_set, dow_set):
            for h in hours:
                for m in minutes:
                    moment = datetime(day.year, day.month, day.day, h, m)
                    if moment >= start:
                        runs.append(moment)
                        if len(runs) == count:
                            return runs
        if day.month not in months:  # jump to the first day of the next month
            last = calendar.monthrange(day.year, day.month)[1]
            day = day.replace(day=last)
        day += timedelta(days=1)
    return runs


def main():
    args = sys.argv[1:]
    after, count, exprs = None, 5, []
    while args:
        arg = args.pop(0)
        if arg in ("--from", "--count"):
            if not args:
                fail("usage", f"{arg} needs a value")
            value = args.pop(0)
            if arg == "--from":
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}", value):
                    fail("usage", "bad --from")
                try:
                    after = datetime.strptime(value, "%Y-%m-%d %H:%M")
                except ValueError:
                    fail("usage", "bad --from")
            else:
                if not re.fullmatch(r"[1-9][0-9]*", value):
                    fail("usage", "bad --count")
                count = int(value)
        elif arg.startswith("--"):
            fail("usage", f"unknown option {arg}")
        else:
            exprs.append(arg)
    if after is None or len(exprs) != 1:
        fail("usage", "need --from and exactly one expression")
    try:
        schedule = parse(exprs[0])
    except BadExpression as exc:
        fail("invalid", f"invalid expression: {exc}")
    runs = next_runs(schedule, after, count)
    sys.stdout.write("".join(r.strftime("%Y-%m-%d %H:%M") + "\n" for r in runs))
    sys.exit(0 if len(runs) == count else CODES["exhausted"])


main()
