"""Make a failing unittest suite pass by fixing bugs planted in a small Python library.

The library is assembled from a pool of documented utility functions (text, numbers,
sequences, parsing). The generator plants realistic bugs (off-by-one ranges, a missing sort,
a lost final flush, string-vs-int comparisons, banker's rounding...) by textual patches on the
correct source, and writes a visible unittest suite whose cases include, for every planted bug,
an input known to expose it. Ground truth for the hidden cases comes from calling the correct
functions in the generator. Hard instances spread more bugs over more modules, put two bugs in
some functions and break the package's `__init__` imports.
"""

from __future__ import annotations

import copy
import inspect
import json
import random
import re
import shlex
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

# ---------------------------------------------------------------- the correct pool functions
# Their source (docstring included) is copied into the generated library with inspect; the
# generator also calls them to know the expected results.


def slugify(text, max_length=None):
    """Lowercase `text` and join its runs of ASCII letters and digits with single hyphens.

    Leading and trailing hyphens never appear. If `max_length` is given and the slug is longer,
    it is cut to `max_length` characters and any hyphen left at the end is removed.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if max_length is not None and len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


def wrap_text(text, width):
    """Greedy word wrap: return the list of lines, words separated by single spaces.

    Words are the whitespace-separated parts of `text`. A line holds as many words as fit in
    `width` characters; a word longer than `width` gets a line of its own. No empty lines.
    """
    lines, current = [], ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def camel_to_snake(name):
    """Convert camelCase or PascalCase to snake_case: 'parseHTTPResponse2' -> 'parse_http_response2'.

    An underscore goes before an uppercase letter that follows a lowercase letter or a digit,
    and before the last capital of a run of capitals that is followed by a lowercase letter.
    """
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()


def rle_encode(text):
    """Run-length encode: 'aaabcc' -> '3a1b2c' (count, then character); '' -> ''."""
    if not text:
        return ""
    out, run_char, run_len = [], text[0], 1
    for ch in text[1:]:
        if ch == run_char:
            run_len += 1
        else:
            out.append(f"{run_len}{run_char}")
            run_char, run_len = ch, 1
    out.append(f"{run_len}{run_char}")
    return "".join(out)


def rle_decode(code):
    """Inverse of rle_encode: '3a1b12c' -> 'aaab' + 12 * 'c'. Counts may have several digits."""
    return "".join(ch * int(count) for count, ch in re.findall(r"(\d+)(\D)", code))


def caesar(text, shift):
    """Shift ASCII letters by `shift` places (any integer, negative shifts go back), wrapping
    around the alphabet and keeping case; every other character is unchanged."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - ord("a") + shift) % 26 + ord("a")))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - ord("A") + shift) % 26 + ord("A")))
        else:
            out.append(ch)
    return "".join(out)


def top_words(text, n):
    """The `n` most frequent words as (word, count) tuples.

    Words are runs of letters and apostrophes, compared case-insensitively (reported in
    lowercase). Order: count descending, then word ascending.
    """
    counts = Counter(re.findall(r"[a-z']+", text.lower()))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def median(values):
    """Median of a non-empty list of numbers (the mean of the two middle values when the
    length is even). Raises ValueError for an empty list. The input is not modified."""
    if not values:
        raise ValueError("median of an empty list")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def human_size(n):
    """A byte count as text: below 1024 '<n> B'; otherwise the value in the largest of KiB,
    MiB, GiB, TiB in which it is at least 1 (TiB at most), with one decimal: '1.5 KiB'."""
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
        value /= 1024


def to_roman(n):
    """Roman numeral of 1 <= n <= 3999 with subtractive forms (4 = IV, 900 = CM); other values
    raise ValueError."""
    if not 0 < n < 4000:
        raise ValueError(f"out of range: {n}")
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
    out = []
    for value, numeral in table:
        while n >= value:
            out.append(numeral)
            n -= value
    return "".join(out)


def from_roman(numeral):
    """Value of a well-formed Roman numeral in upper case: 'MCMXCIV' -> 1994."""
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(numeral):
        value = values[ch]
        if i + 1 < len(numeral) and value < values[numeral[i + 1]]:
            total -= value
        else:
            total += value
    return total


def luhn_valid(number):
    """True when the digit string passes the Luhn checksum. Spaces are ignored; anything else
    that is not a digit, or fewer than two digits, gives False."""
    digits = number.replace(" ", "")
    if len(digits) < 2 or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def to_base(n, base):
    """`n` written in `base` (2..36) with digits 0-9 then a-z; negative numbers get a leading
    '-'; 0 is '0'. A base outside 2..36 raises ValueError."""
    if not 2 <= base <= 36:
        raise ValueError(f"bad base {base}")
    if n == 0:
        return "0"
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    sign = "-" if n < 0 else ""
    n = abs(n)
    out = []
    while n:
        n, r = divmod(n, base)
        out.append(digits[r])
    return sign + "".join(reversed(out))


def round_half_up(value, ndigits=0):
    """Round to `ndigits` decimals with halves going away from zero, judged on the shortest
    decimal text of the float (so round_half_up(2.675, 2) == 2.68); returns a float."""
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def chunked(items, size):
    """Split a list into consecutive lists of `size` items; the last one may be shorter.
    A size below 1 raises ValueError."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[i : i + size] for i in range(0, len(items), size)]


def merge_intervals(intervals):
    """Merge overlapping or touching [start, end] intervals (start <= end); the result is a list
    of [start, end] lists sorted by start. The input order does not matter."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def flatten(nested):
    """Flatten lists nested to any depth into one list, keeping order; non-list items
    (strings included) are kept as they are."""
    out = []
    for item in nested:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


def unique(items):
    """The items without repeats, each kept at its first occurrence, in the original order."""
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def rotate(items, k):
    """A new list rotated right by `k` places (negative `k` rotates left); any `k` is allowed
    and an empty list gives an empty list."""
    if not items:
        return []
    k %= len(items)
    return items[-k:] + items[:-k] if k else list(items)


def moving_average(values, window):
    """Mean of every run of `window` consecutive values, in order; [] when there are fewer
    values than `window`. A window below 1 raises ValueError."""
    if window < 1:
        raise ValueError("window must be at least 1")
    return [sum(values[i : i + window]) / window for i in range(len(values) - window + 1)]


def find_sorted(items, target):
    """Index of `target` in the strictly increasing list `items` (binary search), or -1."""
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def parse_duration(text):
    """Seconds in a duration such as '1d2h3m4s', '90m' or '45s': units d, h, m, s in that
    order, each at most once, each with a whole number; surrounding spaces are ignored.
    Anything else, including an empty string, raises ValueError."""
    match = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"bad duration: {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_pairs(text):
    """Parse 'a=1; b = two;c=x=y' into {'a': '1', 'b': 'two', 'c': 'x=y'}.

    Segments are separated by ';'; blank segments are skipped; a key runs up to the first '=';
    keys and values are stripped of surrounding whitespace; a later key replaces an earlier
    one; a non-blank segment without '=' raises ValueError."""
    result = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"no '=' in {part!r}")
        key, value = part.split("=", 1)
        result[key.strip()] = value.strip()
    return result


def compare_versions(a, b):
    """Compare dotted numeric versions numerically: -1 if a < b, 0 if equal, 1 if a > b.
    Missing trailing parts count as 0, so '1.2' equals '1.2.0'."""
    pa, pb = ([int(x) for x in v.split(".")] for v in (a, b))
    length = max(len(pa), len(pb))
    pa += [0] * (length - len(pa))
    pb += [0] * (length - len(pb))
    return (pa > pb) - (pa < pb)


def days_in_month(year, month):
    """Days in `month` (1-12) of `year` in the Gregorian calendar; another month raises
    ValueError."""
    if not 1 <= month <= 12:
        raise ValueError(f"bad month {month}")
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def split_csv_line(line):
    """Split one CSV line into fields: ',' separates fields; inside double quotes a ',' is
    literal and '""' stands for one '"'; the quotes themselves are not part of the field."""
    fields, current, quoted, i = [], [], False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(line) and line[i + 1] == '"':
                    current.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ",":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    fields.append("".join(current))
    return fields


# ---------------------------------------------------------------- inputs, bugs and witnesses

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "omega",
    "river",
    "stone",
    "cloud",
    "amber",
    "ember",
    "north",
    "quiet",
    "rapid",
    "silver",
    "orange",
    "violet",
    "tunnel",
    "harbor",
    "meadow",
    "canyon",
]
Args = list


@dataclass(frozen=True)
class Bug:
    old: str
    new: str
    witness: Callable[[random.Random], Args]
    """Arguments on which the bugged function is known to differ from the correct one."""


@dataclass(frozen=True)
class Entry:
    func: Callable
    category: str
    imports: tuple[str, ...]
    inputs: Callable[[random.Random], Args]
    bugs: tuple[Bug, ...]


def _words(rng: random.Random, k: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(k)]


def _phrase(rng: random.Random) -> str:
    seps = [" ", "  ", ", ", " - ", "_", "/", "!! "]
    words = [w.capitalize() if rng.random() < 0.4 else w for w in _words(rng, rng.randint(2, 4))]
    out = rng.choice(["", " ", "*"])
    for w in words[:-1]:
        out += w + rng.choice(seps)
    return out + words[-1] + rng.choice(["", "!", " ", "?"])


def _camel(rng: random.Random) -> str:
    parts = [rng.choice(WORDS)] + [
        rng.choice([w.capitalize() for w in WORDS] + ["HTTP", "ID", "URL", "JSON", "V2"])
        for _ in range(rng.randint(1, 3))
    ]
    return "".join(parts)


def _runs(rng: random.Random) -> str:
    return "".join(rng.choice("abcxyz") * rng.randint(1, 4) for _ in range(rng.randint(2, 6)))


def _sentence(rng: random.Random) -> str:
    pool = rng.sample(WORDS, 5)
    return " ".join(
        (w.upper() if rng.random() < 0.2 else w) + rng.choice(["", ",", "."])
        for w in (rng.choice(pool) for _ in range(rng.randint(8, 16)))
    )


def _luhn_number(rng: random.Random, valid: bool, length: int) -> str:
    body = [rng.randint(0, 9) for _ in range(length - 1)]
    total = 0
    for i, d in enumerate(reversed(body)):
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    check = (10 - total % 10) % 10
    if not valid:
        check = (check + rng.randint(1, 9)) % 10
    return "".join(map(str, body)) + str(check)


def _luhn_sum(digits: str, doubled_parity: int, from_left: bool) -> int:
    total = 0
    for i, ch in enumerate(digits if from_left else reversed(digits)):
        d = int(ch)
        if i % 2 == doubled_parity:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total


def _luhn_witness(rng: random.Random, reverse_bug: bool) -> str:
    """A valid number that a checksum doubling the wrong digits would reject: even length
    against doubling counted from the left, odd length against doubling the wrong parity."""
    while True:
        length = rng.choice([10, 12, 14, 16] if reverse_bug else [9, 11, 13, 15])
        number = _luhn_number(rng, True, length)
        wrong = _luhn_sum(number, 1, True) if reverse_bug else _luhn_sum(number, 0, False)
        if wrong % 10:
            return number


def _non_palindrome(rng: random.Random) -> list:
    while True:
        n, base = rng.randint(100, 9999), rng.choice([10, 16])
        if to_base(n, base) != to_base(n, base)[::-1]:
            return [n, base]


def _increasing(rng: random.Random, n: int) -> list[int]:
    return sorted(rng.sample(range(-50, 200), n))


POOL: list[Entry] = [
    Entry(
        slugify,
        "text",
        ("re",),
        lambda r: [_phrase(r)] + ([r.randint(4, 12)] if r.random() < 0.4 else []),
        (
            Bug(
                '.strip("-")',
                '.lstrip("-")',
                lambda r: [
                    f"{r.choice(WORDS).title()}, {r.choice(WORDS)}{r.choice(['!', '?', '.'])}"
                ],
            ),
            Bug(
                'slug[:max_length].rstrip("-")',
                "slug[:max_length]",
                lambda r: (lambda a: [f"{a} {r.choice(WORDS)} {r.choice(WORDS)}", len(a) + 1])(
                    r.choice(WORDS)
                ),
            ),
            Bug(
                'r"[^a-z0-9]+"',
                'r"[^a-z0-9]"',
                lambda r: [f"{r.choice(WORDS)}, {r.choice(WORDS)}"],
            ),
        ),
    ),
    Entry(
        wrap_text,
        "text",
        (),
        lambda r: [" ".join(_words(r, r.randint(3, 9))), r.randint(6, 20)],
        (
            Bug(
                "len(current) + 1 + len(word) <= width",
                "len(current) + 1 + len(word) < width",
                lambda r: (lambda a, b: [f"{a} {b} {r.choice(WORDS)}", len(a) + len(b) + 1])(
                    r.choice(WORDS), r.choice(WORDS)
                ),
            ),
            Bug(
                "    if current:\n        lines.append(current)\n",
                "",
                lambda r: [" ".join(_words(r, 4)), 12],
            ),
            Bug(
                "text.split()",
                'text.split(" ")',
                lambda r: [f"{r.choice(WORDS)}  {r.choice(WORDS)}", 40],
            ),
        ),
    ),
    Entry(
        camel_to_snake,
        "text",
        ("re",),
        lambda r: [_camel(r)],
        (
            Bug(
                '    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\\1_\\2", name)\n',
                "",
                lambda r: [
                    f"{r.choice(WORDS)}{r.choice(['HTTP', 'URL', 'JSON'])}{r.choice(WORDS).title()}"
                ],
            ),
            Bug(
                'r"([a-z0-9])([A-Z])"',
                'r"([a-z])([A-Z])"',
                lambda r: [f"{r.choice(WORDS)}{r.randint(2, 9)}{r.choice(WORDS).title()}"],
            ),
        ),
    ),
    Entry(
        rle_encode,
        "text",
        (),
        lambda r: [_runs(r)],
        (
            Bug(
                '    out.append(f"{run_len}{run_char}")\n    return',
                "    return",
                lambda r: [r.choice("ab") * 2 + r.choice("xyz") * r.randint(1, 3)],
            ),
            Bug(
                "run_char, run_len = ch, 1",
                "run_char, run_len = ch, 0",
                lambda r: [r.choice("ab") + r.choice("xyz") * r.randint(1, 3)],
            ),
        ),
    ),
    Entry(
        rle_decode,
        "text",
        ("re",),
        lambda r: [
            "".join(f"{r.randint(1, 14)}{r.choice('abxyz')}" for _ in range(r.randint(1, 4)))
        ],
        (
            Bug(
                r'r"(\d+)(\D)"',
                r'r"(\d)(\D)"',
                lambda r: [f"{r.randint(10, 19)}{r.choice('abc')}2z"],
            ),
        ),
    ),
    Entry(
        caesar,
        "text",
        (),
        lambda r: [_phrase(r), r.randint(-30, 30)],
        (
            Bug(
                '(ord(ch) - ord("A") + shift)',
                '(ord(ch) - ord("a") + shift)',
                lambda r: [
                    r.choice(WORDS).title() + " " + r.choice(WORDS).upper(),
                    r.randint(1, 5),
                ],
            ),
            Bug(
                '(ord(ch) - ord("a") + shift) % 26 + ord("a")',
                '(ord(ch) - ord("a") + shift) + ord("a")',
                lambda r: ["xyz " + r.choice(WORDS), r.randint(3, 9)],
            ),
        ),
    ),
    Entry(
        top_words,
        "text",
        ("re", "Counter"),
        lambda r: [_sentence(r), r.randint(2, 4)],
        (
            Bug(
                "key=lambda item: (-item[1], item[0])",
                "key=lambda item: item[1], reverse=True",
                lambda r: (lambda w: [f"{w[2]} {w[1]} {w[0]} {w[1]} {w[2]} {w[0]}", 3])(
                    sorted(r.sample(WORDS, 3))
                ),
            ),
            Bug(
                "text.lower()",
                "text",
                lambda r: (lambda w: [f"{w[0].title()} {w[1]} {w[0]} {w[0].upper()} {w[1]}", 2])(
                    r.sample(WORDS, 2)
                ),
            ),
        ),
    ),
    Entry(
        median,
        "numbers",
        (),
        lambda r: [[r.randint(-20, 99) for _ in range(r.randint(0, 7))]],
        (
            Bug(
                "ordered = sorted(values)",
                "ordered = values",
                lambda r: [[r.randint(50, 90), r.randint(1, 9), r.randint(20, 40)]],
            ),
            Bug(
                "(ordered[mid - 1] + ordered[mid]) / 2",
                "(ordered[mid] + ordered[mid + 1]) / 2",
                lambda r: [
                    [r.randint(1, 9), r.randint(10, 20), r.randint(30, 40), r.randint(60, 70)]
                ],
            ),
        ),
    ),
    Entry(
        human_size,
        "numbers",
        (),
        lambda r: [
            r.choice([r.randint(0, 1023), r.randint(1024, 10**6), r.randint(10**6, 10**13)])
        ],
        (
            Bug("if n < 1024:", "if n <= 1024:", lambda r: [1024]),
            Bug(
                "value /= 1024",
                "value /= 1000",
                lambda r: [r.randint(3, 900) * 1024 * 1024 + r.randint(0, 1023)],
            ),
        ),
    ),
    Entry(
        to_roman,
        "numbers",
        (),
        lambda r: [r.choice([r.randint(1, 3999), r.randint(1, 50), r.choice([0, 4000, -3])])],
        (
            Bug('        (900, "CM"),\n', "", lambda r: [r.choice([900, 1900, 1994, 2900, 3949])]),
            Bug('(40, "XL")', '(40, "LX")', lambda r: [r.choice([40, 44, 149, 1948, 2045])]),
            Bug("if not 0 < n < 4000:", "if not 0 <= n < 4000:", lambda r: [0]),
        ),
    ),
    Entry(
        from_roman,
        "numbers",
        (),
        lambda r: [to_roman(r.randint(1, 3999))],
        (
            Bug(
                "value < values[numeral[i + 1]]",
                "value <= values[numeral[i + 1]]",
                lambda r: [r.choice(["II", "XX", "MM", "CCC", "MMXX", "XXIII"])],
            ),
        ),
    ),
    Entry(
        luhn_valid,
        "numbers",
        (),
        lambda r: [
            r.choice(
                [
                    _luhn_number(r, True, r.randint(8, 16)),
                    _luhn_number(r, False, r.randint(8, 16)),
                    "4539 1488 0343 6467",
                    "12a4",
                    "0",
                ]
            )
        ],
        (
            Bug("reversed(digits)", "digits", lambda r: [_luhn_witness(r, reverse_bug=True)]),
            Bug(
                "if i % 2 == 1:", "if i % 2 == 0:", lambda r: [_luhn_witness(r, reverse_bug=False)]
            ),
        ),
    ),
    Entry(
        to_base,
        "numbers",
        (),
        lambda r: [r.randint(-5000, 100000), r.choice([2, 3, 8, 16, 36])],
        (
            Bug('    if n == 0:\n        return "0"\n', "", lambda r: [0, r.choice([2, 10, 16])]),
            Bug('sign + "".join(reversed(out))', 'sign + "".join(out)', _non_palindrome),
        ),
    ),
    Entry(
        round_half_up,
        "numbers",
        ("Decimal",),
        lambda r: [r.randint(-99999, 99999) / 1000, r.randint(0, 2)],
        (
            Bug(
                "Decimal(str(value))",
                "Decimal(value)",
                lambda r: [r.choice([2.675, 1.005, 0.145, 1.115, 0.285, 1.255, 5.015, 3.675]), 2],
            ),
            Bug(
                "ROUND_HALF_UP))",
                "ROUND_HALF_EVEN))",
                lambda r: [r.choice([0.5, 2.5, 4.5, -6.5, 12.5]), 0],
            ),
        ),
    ),
    Entry(
        chunked,
        "seqs",
        (),
        lambda r: [list(range(r.randint(0, 11))), r.randint(1, 4)],
        (
            Bug(
                "range(0, len(items), size)",
                "range(0, len(items) - size + 1, size)",
                lambda r: [list(range(r.choice([5, 7, 11]))), r.choice([2, 3])],
            ),
        ),
    ),
    Entry(
        merge_intervals,
        "seqs",
        (),
        lambda r: [[sorted(r.sample(range(0, 40), 2)) for _ in range(r.randint(0, 6))]],
        (
            Bug(
                "in sorted(intervals)",
                "in intervals",
                lambda r: (lambda s: [[[s + 20, s + 25], [s + 1, s + 3], [s + 2, s + 6]]])(
                    r.randint(0, 9)
                ),
            ),
            Bug(
                "start <= merged[-1][1]",
                "start < merged[-1][1]",
                lambda r: (lambda a: [[[a, a + 3], [a + 3, a + 7]]])(r.randint(0, 9)),
            ),
            Bug(
                "max(merged[-1][1], end)",
                "end",
                lambda r: (lambda a: [[[a, a + 10], [a + 2, a + 4]]])(r.randint(0, 9)),
            ),
        ),
    ),
    Entry(
        flatten,
        "seqs",
        (),
        lambda r: [[1, [2, ["three", [4]]], [], "five", [[6, 7]]][: r.randint(2, 5)]],
        (
            Bug(
                "out.extend(flatten(item))",
                "out.extend(item)",
                lambda r: [[r.randint(0, 9), [r.randint(0, 9), [r.choice(WORDS)]]]],
            ),
        ),
    ),
    Entry(
        unique,
        "seqs",
        (),
        lambda r: [[r.randint(0, 6) for _ in range(r.randint(0, 10))]],
        (
            Bug(
                "if item not in seen:",
                "if item not in out[-1:]:",
                lambda r: (lambda a, b: [[a, b, a, b]])(*r.sample(WORDS, 2)),
            ),
        ),
    ),
    Entry(
        rotate,
        "seqs",
        (),
        lambda r: [list(range(r.randint(0, 6))), r.randint(-9, 9)],
        (
            Bug(
                "    k %= len(items)\n",
                "",
                lambda r: [list("abcd"), r.choice([5, 6, 9])],
            ),
            Bug("    if not items:\n        return []\n", "", lambda r: [[], r.randint(1, 4)]),
        ),
    ),
    Entry(
        moving_average,
        "seqs",
        (),
        lambda r: [[r.randint(-10, 50) for _ in range(r.randint(0, 8))], r.randint(1, 3)],
        (
            Bug(
                "range(len(values) - window + 1)",
                "range(len(values) - window)",
                lambda r: [[r.randint(1, 9) for _ in range(5)], r.choice([2, 3])],
            ),
        ),
    ),
    Entry(
        find_sorted,
        "seqs",
        (),
        lambda r: (lambda xs: [xs, r.choice(xs + [r.randint(-60, 210)])])(
            _increasing(r, r.randint(1, 9))
        ),
        (
            Bug(
                "while lo <= hi:",
                "while lo < hi:",
                lambda r: (lambda xs: [xs, xs[-1]])(_increasing(r, r.choice([1, 3, 7]))),
            ),
        ),
    ),
    Entry(
        parse_duration,
        "parsing",
        ("re",),
        lambda r: [
            r.choice(
                [
                    f"{r.randint(1, 3)}d{r.randint(0, 23)}h",
                    f"{r.randint(1, 59)}m{r.randint(1, 59)}s",
                    f" {r.randint(1, 999)}s ",
                    f"{r.randint(1, 9)}h{r.randint(10, 59)}m",
                    "5x",
                    "1h1d",
                ]
            )
        ],
        (
            Bug(
                r"(?:(\d+)m)?", r"(?:(\d)m)?", lambda r: [f"{r.randint(1, 5)}h{r.randint(10, 59)}m"]
            ),
            Bug(" or not any(match.groups())", "", lambda r: [r.choice(["", "  "])]),
        ),
    ),
    Entry(
        parse_pairs,
        "parsing",
        (),
        lambda r: [
            ";".join(
                f"{r.choice([' ', ''])}{r.choice(WORDS)}{r.choice([' ', ''])}={r.choice([' ', ''])}{r.randint(0, 99)}"
                for _ in range(r.randint(1, 4))
            )
        ],
        (
            Bug(
                'part.split("=", 1)',
                'part.split("=")',
                lambda r: [f"{r.choice(WORDS)}=1;url=a=b"],
            ),
            Bug(
                "if not part.strip():",
                "if not part:",
                lambda r: [f"{r.choice(WORDS)}=1; ;x=2"],
            ),
            Bug(
                "= value.strip()",
                "= value",
                lambda r: [f"{r.choice(WORDS)} = {r.randint(1, 9)} "],
            ),
        ),
    ),
    Entry(
        compare_versions,
        "parsing",
        (),
        lambda r: [
            ".".join(str(r.randint(0, 12)) for _ in range(r.randint(1, 3))),
            ".".join(str(r.randint(0, 12)) for _ in range(r.randint(1, 3))),
        ],
        (
            Bug("[int(x) for x", "[x for x", lambda r: [f"1.{r.randint(10, 19)}", "1.9"]),
            Bug("    pa += [0] * (length - len(pa))\n", "", lambda r: ["1.2", "1.2.0"]),
        ),
    ),
    Entry(
        days_in_month,
        "parsing",
        (),
        lambda r: [r.randint(1890, 2110), r.randint(0, 13)],
        (
            Bug(
                "year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
                "year % 4 == 0 and year % 100 != 0",
                lambda r: [r.choice([1600, 2000, 2400]), 2],
            ),
            Bug("(4, 6, 9, 11)", "(4, 6, 9)", lambda r: [r.randint(1990, 2030), 11]),
        ),
    ),
    Entry(
        split_csv_line,
        "parsing",
        (),
        lambda r: [
            ",".join(
                r.choice([w, f'"{w}, {w}"', f'"say ""{w}"""', ""])
                for w in _words(r, r.randint(1, 4))
            )
        ],
        (
            Bug(
                "                    current.append('\"')\n                    i += 1\n",
                "                    current.append('\"')\n",
                lambda r: [f'{r.choice(WORDS)},"a ""{r.choice(WORDS)}"" b",z'],
            ),
            Bug(
                '    fields.append("".join(current))\n    return fields',
                "    return fields",
                lambda r: [f"{r.choice(WORDS)},{r.choice(WORDS)}"],
            ),
        ),
    ),
]


# ---------------------------------------------------------------- the family

PACKAGES = ["toolbelt", "utilkit", "handy", "kitbag", "stdx", "pyhelpers", "corelib", "helperlib"]
MODULE_NAMES = {
    "text": ["text", "strings", "textutil"],
    "numbers": ["numeric", "mathutil", "nums"],
    "seqs": ["sequences", "listutil", "seqs"],
    "parsing": ["parsing", "parsers", "formats"],
}
MODULE_DOCS = {
    "text": "String helpers",
    "numbers": "Number formatting and arithmetic helpers",
    "seqs": "List helpers",
    "parsing": "Small parsers for configuration-style strings",
}
IMPORT_LINES = {
    "re": "import re",
    "Counter": "from collections import Counter",
    "Decimal": "from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal",
}
SHAPE = {
    # modules, functions, buggy functions, functions with two bugs, broken __init__
    Difficulty.EASY: (1, 4, 2, 0, False),
    Difficulty.MEDIUM: (2, 7, 4, 1, False),
    Difficulty.HARD: (3, 10, 6, 2, True),
}
OPENINGS = [
    "The CI job for `{pkg}` is red: its unittest suite fails.",
    'Someone merged a batch of "refactors" into the `{pkg}` utility package and now its tests fail.',
    "You maintain `{pkg}`, a small pure-Python utility package, and the last release broke it.",
    "A user reports that `{pkg}` gives wrong answers; its own test suite agrees with them.",
]
GOALS = [
    "Find and fix the bugs in the library so that the whole suite passes.",
    "Repair the library code until every test passes.",
    "Track down what is wrong in the package and fix it so the suite goes green.",
]


def _with_bugs(func: Callable, bugs: list[Bug]) -> str:
    """Source of `func` with `bugs` planted; every bug site must be unique."""
    src = inspect.getsource(func).rstrip("\n")
    for bug in bugs:
        if src.count(bug.old) != 1:
            raise AssertionError(f"{func.__name__}: bug site {bug.old!r} is not unique")
        src = src.replace(bug.old, bug.new)
    return src


def _value(func: Callable, args: Args) -> dict:
    """The correct outcome of one call, as JSON: {"value": ...} or {"raises": "ValueError"}."""
    try:
        result = func(*copy.deepcopy(args))
    except ValueError:
        return {"raises": "ValueError"}
    return {"value": json.loads(json.dumps(result))}


def _call(func: Callable, args: Args) -> str:
    return f"{func.__name__}({', '.join(repr(a) for a in args)})"


def _class_name(func: Callable) -> str:
    return "Test" + "".join(part.title() for part in func.__name__.split("_"))


@register
class FixPythonBugs(TemplateFamily):
    name = "fix-python-bugs"
    domain = Domain.CODING
    description = "Fix planted bugs in a small Python library until its unittest suite (and hidden cases) pass."
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        n_modules, n_funcs, n_buggy, n_double, broken_init = SHAPE[difficulty]
        pkg = rng.choice(PACKAGES)
        categories = rng.sample(sorted(MODULE_NAMES), n_modules)
        modules = {c: rng.choice(MODULE_NAMES[c]) for c in categories}
        candidates = [e for e in POOL if e.category in categories]
        # every module gets at least two functions
        chosen: list[Entry] = []
        for c in categories:
            chosen += rng.sample([e for e in candidates if e.category == c], 2)
        rest = [e for e in candidates if e not in chosen]
        chosen += rng.sample(rest, n_funcs - len(chosen))
        multi = [e for e in chosen if len(e.bugs) >= 2]
        if len(multi) < n_double:
            return self.generate(rng, difficulty)  # redraw: too few functions with two bugs
        doubles = rng.sample(multi, n_double)
        buggy = doubles + rng.sample([e for e in chosen if e not in doubles], n_buggy - n_double)
        planted: dict[str, list[Bug]] = {
            e.func.__name__: rng.sample(list(e.bugs), 2 if e in doubles else 1) for e in buggy
        }

        sources: dict[str, str] = {}
        # (file, function, its text with bugs, the same with the last of them fixed, that bug)
        fixes: list[tuple[str, str, str, str, Bug]] = []
        for c in categories:
            entries = sorted((e for e in chosen if e.category == c), key=lambda e: rng.random())
            imports = sorted(
                {IMPORT_LINES[i] for e in entries for i in e.imports},
                key=lambda line: (line.startswith("from"), line),
            )
            blocks = []
            for e in entries:
                bugs = planted.get(e.func.__name__, [])
                states = [_with_bugs(e.func, bugs[:k]) for k in range(len(bugs) + 1)]
                for k in range(len(bugs), 0, -1):
                    fixes.append(
                        (
                            f"{pkg}/{modules[c]}.py",
                            e.func.__name__,
                            states[k],
                            states[k - 1],
                            bugs[k - 1],
                        )
                    )
                blocks.append(states[-1])
            path = f"{pkg}/{modules[c]}.py"
            sources[path] = (
                f'"""{MODULE_DOCS[c]} for {pkg}."""\n\n'
                + ("\n".join(imports) + "\n\n\n" if imports else "\n")
                + "\n\n\n".join(blocks)
                + "\n"
            )

        exports = {
            c: sorted(e.func.__name__ for e in chosen if e.category == c) for c in categories
        }
        init_lines = {c: list(names) for c, names in exports.items()}
        if broken_init:
            src_cat, dst_cat = rng.sample(categories, 2)
            moved = rng.choice(init_lines[src_cat])
            init_lines[src_cat].remove(moved)
            init_lines[dst_cat] = sorted(init_lines[dst_cat] + [moved])
        all_names = sorted(n for names in exports.values() for n in names)

        def init_source(lines: dict[str, list[str]]) -> str:
            imports = "".join(
                f"from .{modules[c]} import {', '.join(lines[c])}\n" for c in categories if lines[c]
            )
            listing = "".join(f'    "{n}",\n' for n in all_names)
            return f'"""{pkg}: small, dependency-free utility functions."""\n\n{imports}\n__all__ = [\n{listing}]\n'

        init_buggy, init_fixed = init_source(init_lines), init_source(exports)
        sources[f"{pkg}/__init__.py"] = init_buggy

        # visible tests: ordinary cases plus a witness for every planted bug
        tests: dict[str, str] = {}
        n_tests = 0
        for c in categories:
            entries = sorted((e for e in chosen if e.category == c), key=lambda e: e.func.__name__)
            body = [
                f'"""Tests for {pkg}.{modules[c]}."""\n',
                "import unittest\n",
                f"from {pkg} import {', '.join(e.func.__name__ for e in entries)}\n\n",
            ]
            for e in entries:
                cases = [e.inputs(rng) for _ in range(3)]
                cases += [bug.witness(rng) for bug in planted.get(e.func.__name__, [])]
                rng.shuffle(cases)
                body.append(f"\nclass {_class_name(e.func)}(unittest.TestCase):")
                for k, args in enumerate(cases, 1):
                    outcome = _value(e.func, args)
                    body.append(f"    def test_case_{k}(self):")
                    if "raises" in outcome:
                        body.append("        with self.assertRaises(ValueError):")
                        body.append(f"            {_call(e.func, args)}")
                    else:
                        result = e.func(*copy.deepcopy(args))
                        body.append(f"        self.assertEqual({_call(e.func, args)}, {result!r})")
                    body.append("")
                    n_tests += 1
                body.append("")
            body.append('\nif __name__ == "__main__":\n    unittest.main()\n')
            tests[f"tests/test_{modules[c]}.py"] = "\n".join(body).replace("\n\n\n\n", "\n\n\n")

        # hidden cases: fresh ordinary inputs and fresh witnesses of every bug the pool knows
        hidden = []
        for e in sorted(chosen, key=lambda e: e.func.__name__):
            args_list = [e.inputs(rng) for _ in range(8)] + [b.witness(rng) for b in e.bugs]
            for args in args_list:
                hidden.append({"func": e.func.__name__, "args": args, **_value(e.func, args)})

        instruction = self._instruction(rng, pkg, modules, categories, sorted(tests))
        solution = self._solution(pkg, sources, fixes, init_buggy, init_fixed, broken_init)
        # the build context may not hold a tests/ folder: the suite travels as suite/
        files = {**sources, **{p.replace("tests/", "suite/", 1): t for p, t in tests.items()}}
        expected = {
            "package": pkg,
            "tests": tests,
            "n_tests": n_tests,
            "functions": all_names,
            "cases": hidden,
        }
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=files,
            dockerfile=f"COPY {pkg}/ /app/{pkg}/\nCOPY suite/ /app/tests/\n",
            test_files={
                "hidden_runner.py": self.asset("hidden_runner.py"),
                "hidden_cases.json": json.dumps(
                    [{"func": h["func"], "args": h["args"]} for h in hidden], indent=1
                ),
            },
            tags=["python", "debugging", "unittest", "bug-fixing"],
        )

    @staticmethod
    def _instruction(rng, pkg, modules, categories, test_files) -> str:
        mods = ", ".join(f"`{pkg}/{modules[c]}.py`" for c in categories)
        rules = [
            "Do not modify, add, rename or delete anything under `/app/tests/`: those files must "
            "stay byte-identical, and grading runs its own pristine copy of them.",
            f"Keep every public function's name, module and signature, and keep exporting all of "
            f"them from `{pkg}/__init__.py` (the tests import them from `{pkg}`).",
            "Fix the library, not the symptoms: every function must behave as its docstring "
            "says for any valid input. Hidden tests call every function — including the ones "
            "whose visible tests already pass — on inputs the visible suite does not use, so "
            "special-casing the tested values will not work.",
            "Use only the Python standard library; do not install anything.",
        ]
        rng.shuffle(rules)
        return "\n".join(
            [
                rng.choice(OPENINGS).format(pkg=pkg) + " " + rng.choice(GOALS),
                "",
                f"The package lives in `/app/{pkg}/` (modules: {mods}); its tests are "
                + ", ".join(f"`/app/{t}`" for t in test_files)
                + ". Run the suite with:",
                "",
                "```",
                "cd /app && python3 -m unittest discover -s tests -v",
                "```",
                "",
                "Rules:",
                *[f"- {r}" for r in rules],
                "",
                "You are done when that command reports `OK` with no failures, errors or skips.",
            ]
        )

    @staticmethod
    def _solution(pkg, sources, fixes, init_buggy, init_fixed, broken_init) -> str:
        lines = [
            "#!/bin/bash",
            "# Reference solution: run the suite, read the failures, patch each bug where it",
            "# lives, and re-run the suite until it is green without touching the tests.",
            "set -euo pipefail",
            "cd /app",
            f"find {pkg} tests -name '*.py' | sort",
            f"find {pkg} -name '*.py' | xargs wc -l",
            "sha256sum tests/*.py > /tmp/tests.sha256",
            f"rm -rf /tmp/{pkg}.orig && cp -r {pkg} /tmp/{pkg}.orig",
            "log=$(mktemp)",
            'python3 -m unittest discover -s tests 2>&1 | tee "$log" | tail -n 40 || true',
            "grep -E '^(FAIL|ERROR):' \"$log\" | awk '{print $3}' | sort | uniq -c || true",
            f"grep -n '^def ' {pkg}/*.py",
            f"head -n 12 {pkg}/__init__.py",
            "cat > /tmp/patch_once.py <<'PY'",
            "import json, sys",
            "path = sys.argv[1]",
            "edit = json.load(sys.stdin)",
            "text = open(path).read()",
            "if edit['old'] not in text and edit['new'] in text:",
            "    sys.exit(print(f'{path}: already patched'))",
            "assert text.count(edit['old']) == 1, f'{path}: expected one match'",
            "open(path, 'w').write(text.replace(edit['old'], edit['new']))",
            "print(f'patched {path}')",
            "PY",
        ]
        if broken_init:
            lines += [
                f"python3 -c 'import {pkg}' 2>&1 | tail -n 2 || true",
                f"cat {pkg}/__init__.py",
                f"python3 /tmp/patch_once.py {pkg}/__init__.py <<'EOF'",
                json.dumps({"old": init_buggy, "new": init_fixed}),
                "EOF",
                f"python3 -c 'import {pkg}; print(len({pkg}.__all__), \"exports\")'",
            ]
        for path, func, bugged, fixed, bug in fixes:
            anchor = next((ln.strip() for ln in bug.new.splitlines() if ln.strip()), "")
            if anchor:
                lines.append(f"grep -nF -- {shlex.quote(anchor)} {path} || true")
            else:
                lines.append(f"sed -n '/^def {func}(/,/^    return/p' {path}")
            lines += [
                f"python3 /tmp/patch_once.py {path} <<'EOF'",
                json.dumps({"old": bugged, "new": fixed}),
                "EOF",
            ]
        lines += [
            f"diff -ru /tmp/{pkg}.orig {pkg} || true",
            "python3 -m unittest discover -s tests -v 2>&1 | tail -n 5",
            "sha256sum -c /tmp/tests.sha256",
            "stat -c '%s %n' tests/*.py",
            f"find {pkg} -name __pycache__ -prune -exec rm -rf {{}} +",
        ]
        return "\n".join(lines) + "\n"
