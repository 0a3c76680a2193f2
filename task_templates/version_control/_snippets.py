"""Small library functions, each in a correct and a subtly broken variant.

The bisect and backport families build repositories out of these: a "bad" variant is the
regression (or the bug a fix removes). Every snippet carries a Python reference of both
variants, so the generator computes the outputs the checker expects without running any of
the generated code, and a case drawer that yields inputs on which the variants disagree.
Some snippets also have a "refactored" rendering (same behaviour, different lines) used to
make a cherry-pick conflict.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Snippet:
    name: str
    category: str
    imports: tuple[str, ...]
    good: str
    bad: str
    docs: tuple[str, str, str]
    fix: str
    """Conventional-commit description of the fix (bad -> good)."""
    symptom: str
    good_ref: Callable[..., Any]
    bad_ref: Callable[..., Any]
    cases: Callable[[random.Random], list[tuple]]
    """Argument tuples; the first one always tells the variants apart."""
    refactored_good: str = ""
    refactored_bad: str = ""
    extra: dict = field(default_factory=dict)

    def render(self, variant: str, doc: int = 0) -> str:
        source = {
            "good": self.good,
            "bad": self.bad,
            "refactored_good": self.refactored_good,
            "refactored_bad": self.refactored_bad,
        }[variant]
        return source.replace("{doc}", self.docs[doc])

    def call(self, args: tuple) -> str:
        return f"{self.name}({', '.join(repr(a) for a in args)})"

    def expect(self, variant: str, args: tuple) -> Any:
        ref = self.good_ref if variant.endswith("good") else self.bad_ref
        return jsonable(ref(*args))


def jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


# ---- reference implementations ---------------------------------------------------------


def _slugify(text, plus=True):
    slug = re.sub(r"[^a-z0-9]+" if plus else r"[^a-z0-9]", "-", text.lower())
    return slug.strip("-")


def _truncate(text, limit, strict=False):
    if (len(text) < limit) if strict else (len(text) <= limit):
        return text
    return text[: limit - 3] + "..."


def _rle(text, full=True):
    out, count = [], 1
    stop = len(text) + 1 if full else len(text)
    for index in range(1, stop):
        if index < len(text) and text[index] == text[index - 1]:
            count += 1
        else:
            out.append(f"{count}{text[index - 1]}")
            count = 1
    return "".join(out)


def _median(values, even=True):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 or not even:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _chunk(items, size, tail=True):
    stop = len(items) if tail else len(items) - size + 1
    return [items[i : i + size] for i in range(0, stop, size)]


def _roman(number, with_cm=True):
    table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ]
    if not with_cm:
        table = [t for t in table if t[1] != "CM"]
    out = []
    for value, letters in table:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _luhn(number, parity=1):
    digits = [int(d) for d in str(number) if d.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == parity:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _format_bytes(size, strict=True):
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    value = float(size)
    for unit in units:
        if (value < 1024 if strict else value <= 1024) or unit == units[-1]:
            return f"{value:.1f} {unit}"
        value /= 1024
    return ""


def _duration(text, multi=True):
    units = {"h": 3600, "m": 60, "s": 1}
    pattern = r"(\d+)([hms])" if multi else r"(\d)([hms])"
    return sum(int(a) * units[u] for a, u in re.findall(pattern, text))


def _camel(name, anchored=True):
    pattern = r"(?<!^)(?=[A-Z])" if anchored else r"(?=[A-Z])"
    return re.sub(pattern, "_", name).lower()


# ---- case drawers ------------------------------------------------------------------------

WORDS = ["alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango", "zulu", "nova"]


def _titles(rng):
    a, b, c = rng.sample(WORDS, 3)
    return [
        (f"{a.title()}, {b.title()}!",),
        (f"  {a} -- {b} {c}  ",),
        (f"{a} {b}",),
    ]


def _spaced(rng):
    a, b, c = rng.sample(WORDS, 3)
    return [(f"{a}  {b} {c}",), (f"{a} {b}",), (f" {c}   {a} ",)]


def _trunc_cases(rng):
    word = "".join(rng.sample(WORDS, 2))
    return [(word, len(word)), (word, len(word) - 2), (word[:5], 9)]


def _bool_cases(rng):
    yes = rng.choice(["Yes", "TRUE", "on", "True"])
    return [(f" {yes} ",), (yes.lower(),), ("off",)]


def _rle_cases(rng):
    def word():
        letters = rng.sample("abcdexyz", 3)
        return "".join(ch * rng.randint(1, 4) for ch in letters)

    return [(word(),), (word(),), ("",)]


def _median_cases(rng):
    even = sorted(rng.sample(range(1, 60), 4))
    rng.shuffle(even)
    odd = rng.sample(range(1, 60), 5)
    return [(even,), (odd,), ([rng.randint(1, 9), rng.randint(10, 19)],)]


def _percent_cases(rng):
    whole = rng.choice([3, 6, 7, 9, 11, 13])
    part = rng.randint(1, whole - 1)
    return [(part, whole), (whole, whole * 4), (rng.randint(1, 5), 0)]


def _chunk_cases(rng):
    size = rng.randint(2, 4)
    n = size * rng.randint(2, 3) + rng.randint(1, size - 1)
    return [(list(range(1, n + 1)), size), (list(range(1, size * 2 + 1)), size)]


def _compound_cases(rng):
    return [
        (rng.choice([100, 250, 1000, 1200]), rng.choice([0.05, 0.04, 0.1]), rng.randint(2, 6)),
        (500, 0.02, 1),
    ]


def _leap_cases(rng):
    return [(rng.choice([1600, 2000, 2400]),), (rng.choice([1900, 2100, 2200]),), (2024,)]


def _duration_cases(rng):
    h, m, s = rng.randint(1, 9), rng.randint(10, 59), rng.randint(10, 59)
    return [(f"{h}h{m}m",), (f"{m}m{s}s",), (f"{rng.randint(1, 9)}s",)]


def _roman_cases(rng):
    return [(rng.choice([1900, 1944, 1987, 1994, 2900, 3949]),), (rng.randint(1, 899),)]


def _luhn_number(rng):
    digits = [rng.randint(0, 9) for _ in range(rng.randint(10, 15))]
    for check in range(10):
        if _luhn("".join(map(str, digits + [check]))):
            return "".join(map(str, digits + [check]))
    raise AssertionError


def _luhn_cases(rng):
    while True:
        number = _luhn_number(rng)
        if not _luhn(number, parity=0):
            return [(number,), (number[:-1] + str((int(number[-1]) + 1) % 10),)]


def _version_cases(rng):
    major = rng.randint(1, 4)
    versions = [
        f"{major}.{rng.randint(10, 19)}.0",
        f"{major}.9.{rng.randint(1, 9)}",
        f"{major}.2.0",
    ]
    rng.shuffle(versions)
    return [(versions,), ([f"{major}.1.0", f"{major}.0.5"],)]


def _dedupe_cases(rng):
    items = rng.sample(range(2, 40), 4)
    items = items[2:] + items + [items[0]]
    return [(items,), ([1, 2, 2, 3],)]


def _bytes_cases(rng):
    return [(rng.choice([1024, 1048576, 1073741824]),), (rng.randint(1100, 900000),), (512,)]


def _vowel_cases(rng):
    a, b = rng.sample(WORDS, 2)
    return [(f"{a.upper()} {b.title()}",), (f"{a} {b}",)]


def _camel_cases(rng):
    a, b = rng.sample(WORDS, 2)
    return [(f"{a.title()}{b.title()}Client",), (f"parse{b.title()}",)]


SNIPPETS = [
    Snippet(
        name="slugify",
        category="text",
        imports=("re",),
        good='''def slugify(text):
    """{doc}"""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower())
    return slug.strip("-")
''',
        bad='''def slugify(text):
    """{doc}"""
    slug = re.sub(r"[^a-z0-9]", "-", text.lower())
    return slug.strip("-")
''',
        refactored_good='''def slugify(text):
    """{doc}"""
    lowered = text.lower()
    joined = re.sub(r"[^a-z0-9]+", "-", lowered)
    return joined.strip("-")
''',
        refactored_bad='''def slugify(text):
    """{doc}"""
    lowered = text.lower()
    joined = re.sub(r"[^a-z0-9]", "-", lowered)
    return joined.strip("-")
''',
        docs=(
            "URL-safe slug of ``text``.",
            "Lower-case ``text`` and join its words with single dashes.",
            "Turn a title into a slug usable in URLs.",
        ),
        fix="collapse runs of separators in slugify",
        symptom="produces doubled dashes",
        good_ref=_slugify,
        bad_ref=lambda t: _slugify(t, plus=False),
        cases=_titles,
    ),
    Snippet(
        name="word_count",
        category="text",
        imports=(),
        good='''def word_count(text):
    """{doc}"""
    return len(text.split())
''',
        bad='''def word_count(text):
    """{doc}"""
    return len(text.split(" "))
''',
        docs=(
            "Number of words in ``text``.",
            "Count whitespace-separated words.",
            "How many words ``text`` holds.",
        ),
        fix="ignore repeated whitespace in word_count",
        symptom="over-counts words",
        good_ref=lambda t: len(t.split()),
        bad_ref=lambda t: len(t.split(" ")),
        cases=_spaced,
    ),
    Snippet(
        name="truncate",
        category="text",
        imports=(),
        good='''def truncate(text, limit):
    """{doc}"""
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."
''',
        bad='''def truncate(text, limit):
    """{doc}"""
    if len(text) < limit:
        return text
    return text[: limit - 3] + "..."
''',
        refactored_good='''def truncate(text, limit):
    """{doc}"""
    fits = len(text) <= limit
    return text if fits else text[: limit - 3] + "..."
''',
        refactored_bad='''def truncate(text, limit):
    """{doc}"""
    fits = len(text) < limit
    return text if fits else text[: limit - 3] + "..."
''',
        docs=(
            "Shorten ``text`` to at most ``limit`` characters.",
            "Cut ``text`` down to ``limit`` characters, ending with an ellipsis.",
            "Truncate long text for display.",
        ),
        fix="keep text that exactly fits in truncate",
        symptom="cuts text that already fits",
        good_ref=_truncate,
        bad_ref=lambda t, n: _truncate(t, n, strict=True),
        cases=_trunc_cases,
    ),
    Snippet(
        name="parse_bool",
        category="text",
        imports=(),
        good='''def parse_bool(text):
    """{doc}"""
    return text.strip().lower() in ("1", "true", "yes", "on")
''',
        bad='''def parse_bool(text):
    """{doc}"""
    return text.lower() in ("1", "true", "yes", "on")
''',
        refactored_good='''def parse_bool(text):
    """{doc}"""
    word = text.strip().lower()
    return word in {"1", "true", "yes", "on"}
''',
        refactored_bad='''def parse_bool(text):
    """{doc}"""
    word = text.lower()
    return word in {"1", "true", "yes", "on"}
''',
        docs=(
            "Interpret a yes/no flag from a config file.",
            "True for 1/true/yes/on, in any case.",
            "Parse a boolean setting.",
        ),
        fix="accept padded values in parse_bool",
        symptom="rejects values with surrounding spaces",
        good_ref=lambda t: t.strip().lower() in ("1", "true", "yes", "on"),
        bad_ref=lambda t: t.lower() in ("1", "true", "yes", "on"),
        cases=_bool_cases,
    ),
    Snippet(
        name="rle_encode",
        category="text",
        imports=(),
        good='''def rle_encode(text):
    """{doc}"""
    out = []
    count = 1
    for index in range(1, len(text) + 1):
        if index < len(text) and text[index] == text[index - 1]:
            count += 1
        else:
            out.append(f"{count}{text[index - 1]}")
            count = 1
    return "".join(out)
''',
        bad='''def rle_encode(text):
    """{doc}"""
    out = []
    count = 1
    for index in range(1, len(text)):
        if index < len(text) and text[index] == text[index - 1]:
            count += 1
        else:
            out.append(f"{count}{text[index - 1]}")
            count = 1
    return "".join(out)
''',
        docs=(
            "Run-length encode ``text``: ``aaab`` becomes ``3a1b``.",
            "Compress runs of repeated characters.",
            "Encode ``text`` as counts followed by characters.",
        ),
        fix="emit the final run in rle_encode",
        symptom="drops the last run",
        good_ref=_rle,
        bad_ref=lambda t: _rle(t, full=False),
        cases=_rle_cases,
    ),
    Snippet(
        name="median",
        category="numbers",
        imports=(),
        good='''def median(values):
    """{doc}"""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
''',
        bad='''def median(values):
    """{doc}"""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle]
''',
        refactored_good='''def median(values):
    """{doc}"""
    ordered = sorted(values)
    half, odd = divmod(len(ordered), 2)
    if odd:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2
''',
        refactored_bad='''def median(values):
    """{doc}"""
    ordered = sorted(values)
    half, odd = divmod(len(ordered), 2)
    return ordered[half]
''',
        docs=(
            "Middle value of ``values``.",
            "Median of a non-empty list of numbers.",
            "The 50th percentile of ``values``.",
        ),
        fix="average the two middle values in median",
        symptom="is wrong for lists of even length",
        good_ref=_median,
        bad_ref=lambda v: _median(v, even=False),
        cases=_median_cases,
    ),
    Snippet(
        name="percent",
        category="numbers",
        imports=(),
        good='''def percent(part, whole):
    """{doc}"""
    if not whole:
        return 0.0
    return round(100 * part / whole, 1)
''',
        bad='''def percent(part, whole):
    """{doc}"""
    if not whole:
        return 0.0
    return round(100 * part // whole, 1)
''',
        docs=(
            "``part`` as a percentage of ``whole``, one decimal.",
            "Share of ``whole`` taken by ``part``, in percent.",
            "Percentage with one decimal place.",
        ),
        fix="keep the decimal in percent",
        symptom="loses the decimal part",
        good_ref=lambda p, w: round(100 * p / w, 1) if w else 0.0,
        bad_ref=lambda p, w: round(100 * p // w, 1) if w else 0.0,
        cases=_percent_cases,
    ),
    Snippet(
        name="chunk",
        category="numbers",
        imports=(),
        good='''def chunk(items, size):
    """{doc}"""
    return [items[i : i + size] for i in range(0, len(items), size)]
''',
        bad='''def chunk(items, size):
    """{doc}"""
    return [items[i : i + size] for i in range(0, len(items) - size + 1, size)]
''',
        docs=(
            "Split ``items`` into lists of ``size`` elements.",
            "Batches of ``size`` items; the last one may be shorter.",
            "Cut a list into fixed-size pieces.",
        ),
        fix="keep the short last batch in chunk",
        symptom="drops the last partial batch",
        good_ref=_chunk,
        bad_ref=lambda i, s: _chunk(i, s, tail=False),
        cases=_chunk_cases,
    ),
    Snippet(
        name="compound",
        category="numbers",
        imports=(),
        good='''def compound(principal, rate, years):
    """{doc}"""
    return round(principal * (1 + rate) ** years, 2)
''',
        bad='''def compound(principal, rate, years):
    """{doc}"""
    return round(principal * (1 + rate * years), 2)
''',
        docs=(
            "Value of ``principal`` after ``years`` of compound interest.",
            "Compound ``principal`` yearly at ``rate``.",
            "Balance after compounding, rounded to cents.",
        ),
        fix="compound interest yearly in compound",
        symptom="computes simple instead of compound interest",
        good_ref=lambda p, r, y: round(p * (1 + r) ** y, 2),
        bad_ref=lambda p, r, y: round(p * (1 + r * y), 2),
        cases=_compound_cases,
    ),
    Snippet(
        name="is_leap_year",
        category="dates",
        imports=(),
        good='''def is_leap_year(year):
    """{doc}"""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
''',
        bad='''def is_leap_year(year):
    """{doc}"""
    return year % 4 == 0 and year % 100 != 0
''',
        refactored_good='''def is_leap_year(year):
    """{doc}"""
    if year % 400 == 0:
        return True
    return year % 4 == 0 and year % 100 != 0
''',
        refactored_bad='''def is_leap_year(year):
    """{doc}"""
    if year % 400 == 0:
        return False
    return year % 4 == 0 and year % 100 != 0
''',
        docs=(
            "Whether ``year`` has a 29th of February.",
            "Gregorian leap-year rule.",
            "True for leap years.",
        ),
        fix="apply the 400-year rule in is_leap_year",
        symptom="treats century leap years as common years",
        good_ref=lambda y: y % 4 == 0 and (y % 100 != 0 or y % 400 == 0),
        bad_ref=lambda y: y % 4 == 0 and y % 100 != 0,
        cases=_leap_cases,
    ),
    Snippet(
        name="parse_duration",
        category="dates",
        imports=("re",),
        good='''def parse_duration(text):
    """{doc}"""
    units = {"h": 3600, "m": 60, "s": 1}
    total = 0
    for amount, unit in re.findall(r"(\\d+)([hms])", text):
        total += int(amount) * units[unit]
    return total
''',
        bad='''def parse_duration(text):
    """{doc}"""
    units = {"h": 3600, "m": 60, "s": 1}
    total = 0
    for amount, unit in re.findall(r"(\\d)([hms])", text):
        total += int(amount) * units[unit]
    return total
''',
        refactored_good='''def parse_duration(text):
    """{doc}"""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\\d+)([hms])", text)
    return sum(int(amount) * units[unit] for amount, unit in parts)
''',
        refactored_bad='''def parse_duration(text):
    """{doc}"""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\\d)([hms])", text)
    return sum(int(amount) * units[unit] for amount, unit in parts)
''',
        docs=(
            "Seconds in a duration such as ``1h30m`` or ``45s``.",
            "Parse ``XhYmZs`` durations into seconds.",
            "Total seconds of a compact duration string.",
        ),
        fix="read multi-digit amounts in parse_duration",
        symptom="misreads amounts with more than one digit",
        good_ref=_duration,
        bad_ref=lambda t: _duration(t, multi=False),
        cases=_duration_cases,
    ),
    Snippet(
        name="to_roman",
        category="codes",
        imports=(),
        good='''def to_roman(number):
    """{doc}"""
    table = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]
    out = []
    for value, letters in table:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)
''',
        bad='''def to_roman(number):
    """{doc}"""
    table = [
        (1000, "M"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]
    out = []
    for value, letters in table:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)
''',
        docs=(
            "Roman numeral for ``number``.",
            "Format a positive integer in Roman numerals.",
            "Convert ``number`` to Roman notation.",
        ),
        fix="use the CM pair in to_roman",
        symptom="spells 900 as DCCCC",
        good_ref=_roman,
        bad_ref=lambda n: _roman(n, with_cm=False),
        cases=_roman_cases,
    ),
    Snippet(
        name="luhn_valid",
        category="codes",
        imports=(),
        good='''def luhn_valid(number):
    """{doc}"""
    digits = [int(d) for d in str(number) if d.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
''',
        bad='''def luhn_valid(number):
    """{doc}"""
    digits = [int(d) for d in str(number) if d.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
''',
        docs=(
            "Luhn checksum test for card and account numbers.",
            "Whether ``number`` passes the mod-10 check.",
            "Validate a number with the Luhn algorithm.",
        ),
        fix="double every second digit from the right in luhn_valid",
        symptom="rejects valid numbers",
        good_ref=_luhn,
        bad_ref=lambda n: _luhn(n, parity=0),
        cases=_luhn_cases,
    ),
    Snippet(
        name="sort_versions",
        category="codes",
        imports=(),
        good='''def sort_versions(versions):
    """{doc}"""
    return sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
''',
        bad='''def sort_versions(versions):
    """{doc}"""
    return sorted(versions)
''',
        docs=(
            "Sort dotted version strings numerically.",
            "Order versions such as ``1.10.0`` after ``1.9.0``.",
            "Versions in ascending numeric order.",
        ),
        fix="compare version parts numerically in sort_versions",
        symptom="sorts 1.10 before 1.9",
        good_ref=lambda vs: sorted(vs, key=lambda v: tuple(int(p) for p in v.split("."))),
        bad_ref=sorted,
        cases=_version_cases,
    ),
    Snippet(
        name="dedupe",
        category="codes",
        imports=(),
        good='''def dedupe(items):
    """{doc}"""
    return list(dict.fromkeys(items))
''',
        bad='''def dedupe(items):
    """{doc}"""
    return sorted(set(items))
''',
        docs=(
            "Drop repeated items, keeping the first occurrence of each.",
            "Unique items in their original order.",
            "Remove duplicates while preserving order.",
        ),
        fix="preserve first-seen order in dedupe",
        symptom="loses the original order",
        good_ref=lambda items: list(dict.fromkeys(items)),
        bad_ref=lambda items: sorted(set(items)),
        cases=_dedupe_cases,
    ),
    Snippet(
        name="format_bytes",
        category="numbers",
        imports=(),
        good='''def format_bytes(size):
    """{doc}"""
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            return f"{value:.1f} {unit}"
        value /= 1024
''',
        bad='''def format_bytes(size):
    """{doc}"""
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    value = float(size)
    for unit in units:
        if value <= 1024 or unit == units[-1]:
            return f"{value:.1f} {unit}"
        value /= 1024
''',
        docs=(
            "Human-readable size with binary units.",
            "Format a byte count as B/KiB/MiB/GiB.",
            "Size of a file for display.",
        ),
        fix="switch units at exactly 1024 in format_bytes",
        symptom="prints 1024.0 of the smaller unit",
        good_ref=_format_bytes,
        bad_ref=lambda s: _format_bytes(s, strict=False),
        cases=_bytes_cases,
    ),
    Snippet(
        name="count_vowels",
        category="text",
        imports=(),
        good='''def count_vowels(text):
    """{doc}"""
    return sum(1 for ch in text.lower() if ch in "aeiou")
''',
        bad='''def count_vowels(text):
    """{doc}"""
    return sum(1 for ch in text if ch in "aeiou")
''',
        docs=(
            "Number of vowels in ``text``, any case.",
            "Count a, e, i, o and u.",
            "How many vowels ``text`` contains.",
        ),
        fix="count upper-case vowels in count_vowels",
        symptom="ignores capital vowels",
        good_ref=lambda t: sum(1 for ch in t.lower() if ch in "aeiou"),
        bad_ref=lambda t: sum(1 for ch in t if ch in "aeiou"),
        cases=_vowel_cases,
    ),
    Snippet(
        name="camel_to_snake",
        category="codes",
        imports=("re",),
        good='''def camel_to_snake(name):
    """{doc}"""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
''',
        bad='''def camel_to_snake(name):
    """{doc}"""
    return re.sub(r"(?=[A-Z])", "_", name).lower()
''',
        docs=(
            "``CamelCase`` to ``snake_case``.",
            "Convert a class-style name to snake case.",
            "Lower-case ``name`` with underscores between words.",
        ),
        fix="no leading underscore in camel_to_snake",
        symptom="adds a leading underscore",
        good_ref=_camel,
        bad_ref=lambda n: _camel(n, anchored=False),
        cases=_camel_cases,
    ),
]

BY_NAME = {s.name: s for s in SNIPPETS}
REFACTORABLE = [s.name for s in SNIPPETS if s.refactored_good]


def distinguishing_cases(snippet: Snippet, rng: random.Random) -> list[tuple]:
    """Cases for `snippet`; the first one is guaranteed to separate good from bad."""
    for _ in range(50):
        cases = snippet.cases(rng)
        if snippet.expect("good", cases[0]) != snippet.expect("bad", cases[0]):
            return cases
    raise AssertionError(f"no distinguishing case for {snippet.name}")


def render_module(docstring: str, functions: list[tuple[str, str, int]], tail: str = "") -> str:
    """Module source: docstring, imports the functions need, then each (name, variant, doc)."""
    imports = sorted({imp for name, _, _ in functions for imp in BY_NAME[name].imports})
    parts = [f'"""{docstring}"""\n']
    if imports:
        parts.append("".join(f"import {imp}\n" for imp in imports))
    for name, variant, doc in functions:
        parts.append("\n" + BY_NAME[name].render(variant, doc))
    if tail:
        parts.append("\n" + tail)
    return "\n".join(parts)
