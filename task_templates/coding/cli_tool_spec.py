"""Implement a CSV query command-line tool to a written spec, graded on hidden inputs.

Each instance draws a tool name, its option spellings, its exit codes and (per difficulty) the
feature set: column selection, filters, limits and counts; then sorting, output formats, CSV
quoting and stdin; then de-duplication, grouping with sums, an aligned table format, the
`--opt=value` syntax and a strict definition of "numeric" that `float()` gets wrong. The
generator runs its own reference implementation of the spec on hidden data sets (schemas the
agent never sees) to know every expected stdout and exit code.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

NUMERIC = re.compile(r"-?[0-9]+(\.[0-9]+)?")
LIMIT = re.compile(r"[0-9]+")
COLUMN = re.compile(r"[A-Za-z0-9_]+")

FIRST = [
    "Ada",
    "Bram",
    "Chen",
    "Dara",
    "Eli",
    "Farah",
    "Goran",
    "Hana",
    "Ines",
    "Jonas",
    "Kemal",
    "Lior",
    "Mina",
    "Nico",
    "Oona",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yara",
    "Zoe",
]
LAST = [
    "Abbott",
    "Baker",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Sato",
    "Tanaka",
    "Ulrich",
    "Varga",
    "Weber",
    "Young",
    "Zhang",
]
ITEMS = [
    "bolt",
    "nut",
    "washer",
    "hinge",
    "bracket",
    "spring",
    "valve",
    "gasket",
    "rotor",
    "bearing",
    "nozzle",
    "clamp",
    "pulley",
    "sprocket",
    "coupler",
    "flange",
]
ADJ = ["steel", "brass", "small", "large", "heavy", "spare", "coated", "long", "short", "twin"]
TITLES = [
    "Dune",
    "Solaris",
    "Emma",
    "Ulysses",
    "Beloved",
    "Rebecca",
    "Kindred",
    "Middlemarch",
    "Neuromancer",
    "Persuasion",
    "Hyperion",
    "Ubik",
    "Possession",
    "Atonement",
]
CARRIERS = [
    "Air Nord",
    "Blue Sky",
    "Coastal Air",
    "Delta Wing",
    "East Jet",
    "Fjord Air",
    "Gull Lines",
    "High Air",
    "Isle Hop",
]
NOTES = [
    "primary db",
    "cache node",
    "build box",
    "log sink",
    "edge proxy",
    "batch worker",
    "queue broker",
    "metrics",
    "backup",
]

SCHEMAS = {
    "staff": [
        ("emp_id", "key", "E"),
        ("full_name", "text", "person"),
        ("dept", "cat", "sales ops legal finance research support"),
        ("age", "int", (21, 64)),
        ("salary", "dec", (2800, 9900)),
    ],
    "stock": [
        ("sku", "key", "SKU-"),
        ("item", "text", "item"),
        ("warehouse", "cat", "north south harbor airport central"),
        ("qty", "int", (0, 400)),
        ("unit_price", "dec", (1, 250)),
    ],
    "flights": [
        ("flight", "key", "XY"),
        ("carrier", "text", "carrier"),
        ("origin", "cat", "OSL LIS ATH DUB VIE PRG"),
        ("seats", "int", (40, 300)),
        ("fare", "dec", (39, 899)),
    ],
    "library": [
        ("book_id", "key", "B-"),
        ("title", "text", "title"),
        ("genre", "cat", "fiction poetry history science drama"),
        ("year", "int", (1950, 2024)),
        ("rating", "dec", (1, 5)),
    ],
    "servers": [
        ("host", "key", "web-"),
        ("note", "text", "note"),
        ("region", "cat", "eu-west us-east ap-south eu-north"),
        ("cpus", "int", (1, 64)),
        ("load", "dec", (0, 16)),
    ],
    "accounts": [
        ("acct", "key", "AC-"),
        ("owner", "text", "person"),
        ("branch", "cat", "downtown uptown airport riverside"),
        ("txns", "int", (0, 120)),
        ("balance", "dec", (-900, 9000)),
    ],
}
TRAPS = ["n/a", "1e3", "12.", ".5", "-", "+7", "0x1F", "TBD", "1,5"]

TOOL_NAMES = ["tabq", "csvq", "rowsel", "qtab", "tblpick", "recsift", "colgrep", "csvpick", "rowq"]
TOOL_DIRS = ["/app/bin", "/app/tools", "/usr/local/bin"]
OPTION_NAMES = {
    "cols": ["--cols", "--fields", "--select"],
    "where": ["--where", "--filter", "--match"],
    "limit": ["--limit", "--max-rows", "--head"],
    "count": ["--count", "--count-only", "--tally"],
    "sort": ["--sort", "--sort-by", "--order-by"],
    "desc": ["--desc", "--reverse", "--descending"],
    "format": ["--format", "--output-format", "--to"],
    "no_header": ["--no-header", "--no-headers", "--headless"],
    "distinct": ["--distinct", "--unique", "--dedupe"],
    "group": ["--group-by", "--by", "--group"],
    "sum": ["--sum", "--total", "--add"],
}
VALUE_OPTIONS = ["cols", "where", "limit", "sort", "format", "group", "sum"]
FEATURES = {
    Difficulty.EASY: ["cols", "where", "limit", "count"],
    Difficulty.MEDIUM: [
        "cols",
        "where",
        "limit",
        "count",
        "sort",
        "desc",
        "format",
        "no_header",
    ],
    Difficulty.HARD: [
        "cols",
        "where",
        "limit",
        "count",
        "sort",
        "desc",
        "format",
        "no_header",
        "distinct",
        "group",
        "sum",
    ],
}
ROWS = {Difficulty.EASY: (12, 18), Difficulty.MEDIUM: (16, 26), Difficulty.HARD: (22, 34)}

OPENINGS = [
    "Our data team keeps writing one-off scripts to slice CSV files. Replace them with one tool.",
    "You are asked to build a small command-line CSV query utility from the specification below.",
    "Several shell pipelines in this repository filter CSV exports with fragile `awk` one-liners; "
    "a proper tool should take their place.",
    "Implement the command-line program described below; it will be run by other scripts, so "
    "its output and exit codes must follow the spec to the byte.",
]
WHERE = [
    "Install it as `{tool}`.",
    "The program must live at `{tool}`.",
    "Put the finished program at `{tool}`.",
]


class Usage(Exception):
    """A usage error: bad option, missing value, malformed expression."""


class NoFile(Exception):
    """The input file cannot be opened."""


class NoColumn(Exception):
    """A column named on the command line is not in the header."""


@dataclass
class Config:
    tool: str
    names: dict[str, str]
    features: list[str]
    codes: dict[str, int]
    difficulty: Difficulty
    formats: list[str] = field(default_factory=list)

    @property
    def hard(self) -> bool:
        return self.difficulty is Difficulty.HARD

    @property
    def medium_up(self) -> bool:
        return self.difficulty is not Difficulty.EASY

    def opt(self, key: str) -> str:
        return self.names[key]


def _num(value: str) -> Decimal | None:
    return Decimal(value) if NUMERIC.fullmatch(value) else None


def _csv_field(value: str) -> str:
    if "," in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _parse_args(cfg: Config, argv: list[str]) -> dict:
    by_name = {cfg.names[k]: k for k in cfg.features}
    opts: dict = {"where": [], "sum": [], "files": []}
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            opts["files"].append(arg)
            continue
        name, eq, inline = arg.partition("=") if cfg.hard else (arg, "", "")
        key = by_name.get(name)
        if key is None:
            raise Usage(arg)
        if key in VALUE_OPTIONS:
            if eq:
                value = inline
            elif i < len(argv):
                value, i = argv[i], i + 1
            else:
                raise Usage(f"{name} needs a value")
            if key in ("where", "sum"):
                opts[key].append(value)
            else:
                opts[key] = value
        elif eq:
            raise Usage(f"{name} takes no value")
        else:
            opts[key] = True
    files = opts["files"]
    if len(files) > 1 or (not files and not cfg.medium_up):
        raise Usage("exactly one FILE")
    ops = "!=|<=|>=|=|<|>|~" if cfg.medium_up else "!=|=|<|>"
    parsed = []
    for expr in opts["where"]:
        match = re.fullmatch(rf"([A-Za-z0-9_]+)({ops})(.*)", expr, re.S)
        if not match:
            raise Usage(f"bad expression {expr}")
        column, op, value = match.groups()
        if op in ("<", ">", "<=", ">=") and _num(value) is None:
            raise Usage(f"not a number: {value}")
        parsed.append((column, op, value))
    if not cfg.medium_up and len(parsed) > 1:
        raise Usage("one filter only")
    opts["where"] = parsed
    if "limit" in opts and not LIMIT.fullmatch(opts["limit"]):
        raise Usage("bad limit")
    if opts.get("format", "csv") not in cfg.formats:
        raise Usage("bad format")
    if "group" in opts:
        if any(k in opts for k in ("cols", "sort", "distinct")):
            raise Usage("group-by excludes cols/sort/distinct")
    elif opts["sum"]:
        raise Usage("sum needs group-by")
    return opts


def _read(files: dict[str, str], stdin: str, opts: dict) -> tuple[list[str], list[list[str]]]:
    name = opts["files"][0] if opts["files"] else "-"
    if name == "-":
        text = stdin
    elif name in files:
        text = files[name]
    else:
        raise NoFile(name)
    records = list(csv.reader(io.StringIO(text)))
    return records[0], records[1:]


def _matches(row: dict[str, str], column: str, op: str, value: str) -> bool:
    cell = row[column]
    if op == "=":
        return cell == value
    if op == "!=":
        return cell != value
    if op == "~":
        return value in cell
    got, want = _num(cell), _num(value)
    if got is None:
        return False
    return {"<": got < want, ">": got > want, "<=": got <= want, ">=": got >= want}[op]


def _render(cfg: Config, fmt: str, header: bool, cols: list[str], rows: list[list[str]]) -> str:
    if fmt == "json":
        return "".join(json.dumps(dict(zip(cols, row, strict=True))) + "\n" for row in rows)
    lines = [cols] if header else []
    lines += rows
    if fmt == "csv":
        return "".join(",".join(_csv_field(v) for v in line) + "\n" for line in lines)
    if fmt == "tsv":
        return "".join("\t".join(line) + "\n" for line in lines)
    widths = [max((len(line[i]) for line in lines), default=0) for i in range(len(cols))]
    numeric = [
        bool(rows) and all(_num(row[i]) is not None for row in rows) for i in range(len(cols))
    ]

    def cell(i: int, v: str) -> str:
        return v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i])

    out = []
    for n, line in enumerate(lines):
        out.append(" | ".join(cell(i, v) for i, v in enumerate(line)).rstrip())
        if header and n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "".join(line + "\n" for line in out)


def reference(cfg: Config, argv: list[str], files: dict[str, str], stdin: str) -> tuple[int, str]:
    """Exit code and stdout of a correct tool; errors print nothing on stdout."""
    try:
        opts = _parse_args(cfg, argv)
        header, raw = _read(files, stdin, opts)
        named = [dict(zip(header, r, strict=True)) for r in raw]
        wanted = [c for c, _, _ in opts["where"]]
        wanted += opts["cols"].split(",") if "cols" in opts else []
        wanted += [opts[k] for k in ("sort", "group") if k in opts] + opts["sum"]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise NoColumn(missing[0])
    except Usage:
        return cfg.codes["usage"], ""
    except NoFile:
        return cfg.codes["file"], ""
    except NoColumn:
        return cfg.codes["column"], ""
    rows = [r for r in named if all(_matches(r, *w) for w in opts["where"])]
    if "group" in opts:
        groups: dict[str, list[dict[str, str]]] = {}
        for r in rows:
            groups.setdefault(r[opts["group"]], []).append(r)
        cols = [opts["group"], "count"] + [f"sum_{c}" for c in opts["sum"]]
        table = []
        for key, members in groups.items():
            sums = [
                sum((_num(m[c]) or Decimal(0) for m in members), Decimal(0)) for c in opts["sum"]
            ]
            table.append([key, str(len(members))] + [f"{s:.2f}" for s in sums])
    else:
        if "sort" in opts:
            key = opts["sort"]
            values = [_num(r[key]) for r in rows]
            if all(v is not None for v in values):
                order = sorted(range(len(rows)), key=lambda i: values[i], reverse="desc" in opts)
            else:
                order = sorted(range(len(rows)), key=lambda i: rows[i][key], reverse="desc" in opts)
            rows = [rows[i] for i in order]
        cols = opts["cols"].split(",") if "cols" in opts else header
        table = [[r[c] for c in cols] for r in rows]
        if "distinct" in opts:
            seen: set[tuple[str, ...]] = set()
            table = [t for t in table if not (tuple(t) in seen or seen.add(tuple(t)))]
    if "count" in opts:
        return 0, f"{len(table)}\n"
    if "limit" in opts:
        table = table[: int(opts["limit"])]
    fmt = opts.get("format", "csv")
    return 0, _render(cfg, fmt, "no_header" not in opts, cols, table)


# ---------------------------------------------------------------- data sets


@dataclass
class Dataset:
    name: str
    header: list[str]
    rows: list[list[str]]
    kinds: dict[str, str]
    trapped: str | None = None

    def text(self) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([self.header, *self.rows])
        return buffer.getvalue()

    def col(self, kind: str) -> str:
        return next(c for c in self.header if self.kinds[c] == kind)

    def clean_numeric(self) -> list[str]:
        return [c for c in self.header if self.kinds[c] in ("int", "dec") and c != self.trapped]

    def values(self, column: str) -> list[str]:
        return [r[self.header.index(column)] for r in self.rows]


def _text_value(pool: str, rng: random.Random, tricky: bool) -> str:
    if pool == "person":
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if tricky and rng.random() < 0.3:
            return f"{last}, {first}"
        if tricky and rng.random() < 0.1:
            return f'{first} "{rng.choice(["Ace", "Doc", "Red"])}" {last}'
        return f"{first} {last}"
    if pool == "item":
        value = f"{rng.choice(ADJ)} {rng.choice(ITEMS)}"
        if tricky and rng.random() < 0.3:
            value += f", {rng.choice(['10-pack', 'boxed', 'loose'])}"
        return value
    base = {"carrier": CARRIERS, "title": TITLES, "note": NOTES}[pool]
    value = rng.choice(base)
    if tricky and rng.random() < 0.3:
        value = rng.choice([f"{value}, vol. {rng.randint(2, 4)}", f'{value} "revised"'])
    return value


def make_dataset(rng: random.Random, schema: str, n_rows: int, tricky: bool, trap: bool) -> Dataset:
    spec = SCHEMAS[schema]
    header = [spec[0][0]] + rng.sample([c[0] for c in spec[1:]], len(spec) - 1)
    kinds = {name: kind for name, kind, _ in spec}
    params = {name: p for name, _, p in spec}
    cats = {name: rng.sample(p.split(), 4) for name, kind, p in spec if kind == "cat"}
    keys = rng.sample(range(100, 9999), n_rows)
    rows = []
    for i in range(n_rows):
        row = []
        for name in header:
            kind, p = kinds[name], params[name]
            if kind == "key":
                row.append(f"{p}{keys[i]}")
            elif kind == "text":
                row.append(_text_value(p, rng, tricky))
            elif kind == "cat":
                row.append(rng.choice(cats[name]))
            elif kind == "int":
                row.append(str(rng.randint(*p)))
            else:
                lo, hi = p
                row.append(f"{rng.randint(lo * 100, hi * 100) / 100:.2f}")
        rows.append(row)
    trapped = None
    if trap:
        trapped = rng.choice([c for c in header if kinds[c] in ("int", "dec")])
        idx = header.index(trapped)
        for i in rng.sample(range(n_rows), max(3, n_rows // 6)):
            rows[i][idx] = rng.choice(TRAPS)
    return Dataset(f"{schema}.csv", header, rows, kinds, trapped)


# ---------------------------------------------------------------- hidden cases


@dataclass
class CaseBuilder:
    cfg: Config
    rng: random.Random
    datasets: list[Dataset]
    groups: dict[str, list[dict]] = field(default_factory=dict)

    def o(self, key: str, value: str | None = None) -> list[str]:
        name = self.cfg.opt(key)
        return [name] if value is None else [name, value]

    def add(self, group: str, args: list[str], stdin: str | None = None) -> None:
        files = {d.name: d.text() for d in self.datasets}
        code, out = reference(self.cfg, args, files, stdin or "")
        self.groups.setdefault(group, []).append(
            {"args": args, "stdin": stdin, "code": code, "stdout": out}
        )

    def ds(self) -> Dataset:
        return self.rng.choice(self.datasets)

    def place(self, opts: list[str], ds: Dataset) -> list[str]:
        """Options and the FILE argument, the file first or last."""
        return [ds.name, *opts] if self.rng.random() < 0.4 else [*opts, ds.name]

    def threshold(self, ds: Dataset, column: str) -> str:
        values = sorted((v for v in ds.values(column) if _num(v) is not None), key=Decimal)
        return values[len(values) // 2 + self.rng.randint(-2, 2)]

    def build(self) -> dict[str, list[dict]]:
        cfg, rng = self.cfg, self.rng
        # selection
        for _ in range(3):
            ds = self.ds()
            cols = rng.sample(ds.header, rng.randint(1, 3))
            self.add("column selection", self.place(self.o("cols", ",".join(cols)), ds))
        # equality filters
        for op in ("=", "!=", "="):
            ds = self.ds()
            column = ds.col("cat")
            value = rng.choice(ds.values(column))
            self.add("equality filters", self.place(self.o("where", f"{column}{op}{value}"), ds))
        ds = self.ds()
        self.add("equality filters", self.place(self.o("where", f"{ds.col('key')}=nobody"), ds))
        # numeric filters
        ops = ["<", ">", "<=", ">="] if cfg.medium_up else ["<", ">", "<", ">"]
        for op in ops:
            ds = self.ds()
            column = rng.choice(ds.clean_numeric())
            self.add(
                "numeric filters",
                self.place(self.o("where", f"{column}{op}{self.threshold(ds, column)}"), ds),
            )
        ds = self.ds()
        column = rng.choice(ds.clean_numeric())
        self.add(
            "numeric filters",
            self.place(self.o("where", f"{column}>{self.threshold(ds, column)}.5"), ds)
            + self.o("cols", f"{ds.col('key')},{column}"),
        )
        # limit and count
        ds = self.ds()
        self.add("limit", self.place(self.o("limit", str(rng.randint(2, 5))), ds))
        self.add("limit", self.place(self.o("limit", "0"), self.ds()))
        ds = self.ds()
        self.add(
            "limit",
            self.place(self.o("limit", "999") + self.o("cols", ds.col("key")), ds),
        )
        ds = self.ds()
        self.add("count", self.place(self.o("count"), ds))
        column = ds.col("cat")
        self.add(
            "count",
            self.place(
                self.o("count") + self.o("where", f"{column}={rng.choice(ds.values(column))}"), ds
            ),
        )
        self.add("count", self.place(self.o("count") + self.o("limit", "1"), self.ds()))
        # errors
        ds = self.ds()
        usage = [
            self.place([f"--{rng.choice(['frob', 'verbose', 'fast', 'json'])}"], ds),
            self.place(self.o("limit", rng.choice(["abc", "-1", "2.5"])), ds),
            self.place(self.o("where", rng.choice(["age", "=5", "a b=1"])), ds),
            self.place(
                self.o("where", f"{rng.choice(ds.clean_numeric())}>{rng.choice(['x', 'ten'])}"), ds
            ),
            [ds.name, *self.o("count"), self.o("cols")[0]],
            [ds.name, ds.name],
        ]
        if not cfg.medium_up:
            usage.append(self.o("count"))
        for args in usage:
            self.add("usage errors", args)
        self.add("unreadable file", self.place(self.o("count"), Dataset("missing.csv", [], [], {})))
        self.add(
            "unreadable file",
            self.place(self.o("cols", ds.header[0]), Dataset("no/such/dir.csv", [], [], {})),
        )
        self.add("unknown column", self.place(self.o("cols", f"{ds.header[1]},nosuch"), ds))
        self.add("unknown column", self.place(self.o("where", "Nosuch=1"), ds))
        self.add(
            "unknown column",
            self.place(self.o("where", f"{ds.header[0].upper()}!=x"), ds),
        )
        if cfg.medium_up:
            self.add("unknown column", self.place(self.o("sort", "zzz"), ds))
            self.medium()
        if cfg.hard:
            self.hard()
        return self.groups

    def medium(self) -> None:
        rng = self.rng
        for _ in range(2):
            ds = self.ds()
            column = ds.col("text")
            value = rng.choice(ds.values(column))
            start = rng.randrange(max(1, len(value) - 3))
            self.add(
                "substring filters",
                self.place(self.o("where", f"{column}~{value[start : start + 3]}"), ds),
            )
        for _ in range(3):
            ds = self.ds()
            cat, num = ds.col("cat"), rng.choice(ds.clean_numeric())
            opts = self.o("where", f"{cat}!={rng.choice(ds.values(cat))}") + self.o(
                "where", f"{num}>={self.threshold(ds, num)}"
            )
            if rng.random() < 0.5:
                opts += self.o("where", f"{ds.col('text')}~{rng.choice('aeion')}")
            self.add("multiple filters", self.place(opts, ds))
        ds = self.ds()
        self.add("sorting", self.place(self.o("sort", rng.choice(ds.clean_numeric())), ds))
        ds = self.ds()
        self.add(
            "sorting",
            self.place(
                self.o("sort", ds.col("cat"))
                + self.o("desc")
                + self.o("cols", f"{ds.col('cat')},{ds.col('key')}"),
                ds,
            ),
        )
        ds = self.ds()
        num = rng.choice(ds.clean_numeric())
        self.add(
            "sorting",
            self.place(self.o("sort", num) + self.o("desc") + self.o("limit", "4"), ds),
        )
        ds = self.ds()
        self.add(
            "sorting",
            self.place(self.o("sort", ds.col("text")) + self.o("cols", ds.col("text")), ds),
        )
        ds = self.ds()
        self.add("output formats", self.place(self.o("format", "tsv"), ds))
        self.add(
            "output formats",
            self.place(self.o("format", "json") + self.o("limit", "5"), self.ds()),
        )
        ds = self.ds()
        self.add(
            "output formats",
            self.place(
                self.o("no_header") + self.o("cols", f"{ds.col('key')},{ds.col('cat')}"), ds
            ),
        )
        self.add(
            "output formats", self.place(self.o("format", "tsv") + self.o("no_header"), self.ds())
        )
        self.add("usage errors", self.place(self.o("format", "xml"), self.ds()))
        for _ in range(2):
            ds = self.ds()
            fmt = rng.choice(["csv", "json"])
            self.add(
                "quoting",
                self.place(
                    self.o("format", fmt) + self.o("cols", f"{ds.col('text')},{ds.col('key')}"), ds
                ),
            )
        ds = self.ds()
        self.add("stdin input", self.o("cols", ds.col("key")) + self.o("limit", "3"), ds.text())
        ds = self.ds()
        self.add("stdin input", ["-", *self.o("count")], ds.text())
        num = rng.choice(ds.clean_numeric())
        self.add(
            "stdin input", [*self.o("where", f"{num}<{self.threshold(ds, num)}"), "-"], ds.text()
        )

    def hard(self) -> None:
        rng = self.rng
        ds = self.ds()
        self.add(
            "distinct rows", self.place(self.o("cols", ds.col("cat")) + self.o("distinct"), ds)
        )
        ds = self.ds()
        self.add(
            "distinct rows",
            self.place(self.o("cols", ds.col("cat")) + self.o("distinct") + self.o("count"), ds),
        )
        ds = self.ds()
        self.add(
            "distinct rows",
            self.place(
                self.o("sort", ds.col("cat"))
                + self.o("cols", ds.col("cat"))
                + self.o("distinct")
                + self.o("limit", "2"),
                ds,
            ),
        )
        ds = self.ds()
        self.add("grouping", self.place(self.o("group", ds.col("cat")), ds))
        ds = self.ds()
        sums = []
        for c in rng.sample(ds.clean_numeric(), min(2, len(ds.clean_numeric()))):
            sums += self.o("sum", c)
        self.add("grouping", self.place(self.o("group", ds.col("cat")) + sums, ds))
        ds = self.ds()
        num = rng.choice(ds.clean_numeric())
        self.add(
            "grouping",
            self.place(
                self.o("group", ds.col("cat"))
                + self.o("sum", num)
                + self.o("where", f"{num}>{self.threshold(ds, num)}")
                + self.o("format", "json"),
                ds,
            ),
        )
        ds = self.ds()
        self.add("grouping", self.place(self.o("group", ds.col("cat")) + self.o("count"), ds))
        self.add(
            "usage errors",
            self.place(self.o("group", ds.col("cat")) + self.o("sort", ds.col("key")), ds),
        )
        self.add("usage errors", self.place(self.o("sum", ds.clean_numeric()[0]), ds))
        ds = self.ds()
        cols = [ds.col("key"), ds.col("text"), rng.choice(ds.clean_numeric())]
        self.add(
            "table format",
            self.place(
                self.o("format", "table") + self.o("cols", ",".join(cols)) + self.o("limit", "6"),
                ds,
            ),
        )
        ds = self.ds()
        self.add(
            "table format",
            self.place(
                self.o("format", "table")
                + self.o("group", ds.col("cat"))
                + self.o("sum", ds.clean_numeric()[0]),
                ds,
            ),
        )
        ds = self.ds()
        self.add(
            "table format",
            self.place(
                self.o("format", "table")
                + self.o("no_header")
                + self.o("where", f"{ds.col('cat')}={ds.values(ds.col('cat'))[0]}"),
                ds,
            ),
        )
        self.add(
            "table format",
            self.place(self.o("format", "table") + self.o("where", f"{ds.col('key')}=nobody"), ds),
        )
        ds = self.ds()
        num = rng.choice(ds.clean_numeric())
        self.add(
            "option=value syntax",
            self.place(
                [f"{self.cfg.opt('limit')}=3", f"{self.cfg.opt('cols')}={ds.col('key')},{num}"], ds
            ),
        )
        self.add(
            "option=value syntax",
            self.place(
                [f"{self.cfg.opt('where')}={num}>={self.threshold(ds, num)}", *self.o("count")], ds
            ),
        )
        self.add("usage errors", self.place([f"{self.cfg.opt('count')}=yes"], ds))
        for ds in self.datasets:
            if ds.trapped is None:
                continue
            self.add(
                "strict numbers",
                self.place(
                    self.o("where", f"{ds.trapped}>=0")
                    + self.o("cols", f"{ds.col('key')},{ds.trapped}"),
                    ds,
                ),
            )
            self.add(
                "strict numbers",
                self.place(
                    self.o("sort", ds.trapped) + self.o("cols", f"{ds.trapped},{ds.col('key')}"), ds
                ),
            )
            self.add(
                "strict numbers",
                self.place(self.o("group", ds.col("cat")) + self.o("sum", ds.trapped), ds),
            )
            self.add(
                "strict numbers",
                self.place(
                    self.o("where", f"{ds.trapped}<=999999")
                    + self.o("sort", ds.trapped)
                    + self.o("desc")
                    + self.o("cols", ds.trapped),
                    ds,
                ),
            )


# ---------------------------------------------------------------- the family


def _quote_cmd(prog: str, args: list[str]) -> str:
    return " ".join([prog, *(shlex.quote(a) for a in args)])


def write_file_lines(path: str, text: str, tag: str) -> list[str]:
    """Shell lines that create `path` holding exactly `text` (heredoc when it ends a line)."""
    if not text:
        return [f": > {path}"]
    if text.endswith("\n") and tag not in text:
        return [f"cat > {path} <<'{tag}'", *text[:-1].split("\n"), tag]
    return [f"printf '%s' {shlex.quote(text)} > {path}"]


@register
class CliToolSpec(TemplateFamily):
    name = "cli-tool-spec"
    domain = Domain.CODING
    description = (
        "Implement a CSV query command-line tool to an exact spec of flags, formats and exit codes."
    )
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        prog = rng.choice(TOOL_NAMES)
        tool = f"{rng.choice(TOOL_DIRS)}/{prog}"
        names = {key: rng.choice(spellings) for key, spellings in OPTION_NAMES.items()}
        codes = dict(
            zip(
                ["usage", "file", "column"],
                rng.choice([(2, 3, 4), (2, 4, 5), (64, 66, 65), (2, 66, 3), (1, 2, 3)]),
                strict=True,
            )
        )
        formats = ["csv"] + (["tsv", "json"] if difficulty is not Difficulty.EASY else [])
        formats += ["table"] if difficulty is Difficulty.HARD else []
        cfg = Config(tool, names, FEATURES[difficulty], codes, difficulty, formats)

        schemas = rng.sample(sorted(SCHEMAS), 3)
        lo, hi = ROWS[difficulty]
        sample = make_dataset(rng, schemas[0], rng.randint(lo, hi), cfg.medium_up, False)
        hidden = [
            make_dataset(rng, s, rng.randint(lo, hi), cfg.medium_up, cfg.hard and i == 0)
            for i, s in enumerate(schemas[1:])
        ]
        groups = CaseBuilder(cfg, rng, hidden).build()
        sample_dir = rng.choice(["/app/data", "/app/samples", "/app/examples"])
        sample_path = f"{sample_dir}/{sample.name}"

        examples = self._examples(cfg, rng, sample, sample_path)
        instruction = self._instruction(cfg, rng, sample_path, examples)
        source = (
            self.asset("tool.py")
            .replace("@PROG@", prog)
            .replace("@OPTIONS@", json.dumps({k: names[k] for k in cfg.features}))
            .replace("@CODES@", json.dumps(codes))
            .replace("@LEVEL@", difficulty.value)
        )
        checks_sh = []
        for n, (args, code, out) in enumerate(examples, 1):
            checks_sh += [
                *write_file_lines(f"ex{n}.want", out, "WANT"),
                f"code=0; timeout 10 {_quote_cmd('./' + prog, args)} > ex{n}.got || code=$?",
                f'echo "example {n}: exit $code"; test "$code" -eq {code}',
                f"diff ex{n}.want ex{n}.got",
            ]
        solution = (
            self.asset("solve.sh")
            .replace("@SAMPLE_DIR@", sample_dir)
            .replace("@SAMPLE@", sample_path)
            .replace("@PROG@", prog)
            .replace("@TOOL@", tool)
            .replace("@COUNT@", names["count"])
            .replace("@EXAMPLE_CHECKS@", "\n".join(checks_sh))
            .replace("@TOOL_SOURCE@", source)
        )
        expected = {
            "tool": tool,
            "sample_path": sample_path,
            "sample_text": sample.text(),
            "datasets": [d.name for d in hidden],
            "groups": groups,
        }
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            result_paths=["/app", tool],  # the tool alone, never a whole PATH folder
            files={sample.name: sample.text()},
            dockerfile=f"COPY {sample.name} {sample_path}\n",
            test_files={f"cli_data/{d.name}": d.text() for d in hidden},
            tags=["cli", "csv", "spec-implementation", "python"],
        )

    @staticmethod
    def _examples(
        cfg: Config, rng: random.Random, ds: Dataset, path: str
    ) -> list[tuple[list[str], int, str]]:
        o = cfg.opt
        num = rng.choice(ds.clean_numeric())
        cat = ds.col("cat")
        value = sorted(ds.values(num), key=Decimal)[len(ds.rows) * 3 // 4]
        runs = [
            [o("where"), f"{num}>{value}", o("cols"), f"{ds.col('key')},{num}", path],
            [path, o("count"), o("where"), f"{cat}={ds.values(cat)[0]}"],
            [o("limit"), "x", path],
        ]
        if cfg.medium_up:
            runs.insert(
                2,
                [o("sort"), num, o("desc"), o("limit"), "3", o("format"), "json", path],
            )
        if cfg.hard:
            runs.insert(
                3,
                [o("group"), cat, o("sum"), num, o("format"), "table", path],
            )
        files = {path: ds.text()}
        return [(args, *reference(cfg, args, files, "")) for args in runs]

    @staticmethod
    def _instruction(cfg: Config, rng: random.Random, sample_path: str, examples: list) -> str:
        o, prog, codes = cfg.opt, cfg.tool.rsplit("/", 1)[-1], cfg.codes
        medium, hard = cfg.medium_up, cfg.hard
        ops = "`=`, `!=`, `<`, `>`" + (", `<=`, `>=`, `~`" if medium else "")
        options = [
            f"- `{o('cols')} A,B,...`: output only the named columns, in that order "
            "(default: every column in file order).",
            f"- `{o('where')} EXPR`: keep only the rows matching EXPR"
            + (
                " (repeatable: a row must match every one)."
                if medium
                else " (at most once; a second one is a usage error)."
            )
            + f" EXPR is `COLUMN` `OP` `VALUE` with no spaces between them: COLUMN is the longest "
            f"leading run of letters, digits and `_` (at least one character), OP follows it "
            f"immediately (one of {ops}; "
            "when both a two-character and a one-character operator fit, the two-character one is "
            "used) and VALUE is the rest of the argument (possibly empty); an EXPR without this "
            "shape is a usage error. `=` and `!=` compare the cell with VALUE "
            "as exact text; `<`, `>`"
            + (", `<=`, `>=`" if medium else "")
            + " compare numerically: VALUE must then be a number (else it is a usage error) and a "
            "row whose cell is not a number never matches"
            + (
                "; `~` matches when the cell contains VALUE as a case-sensitive substring."
                if medium
                else "."
            ),
            f"- `{o('limit')} N`: print at most N rows; N must be a non-negative integer "
            "(digits only), anything else is a usage error.",
            f"- `{o('count')}`: print only the number of rows that would be printed if neither "
            f"`{o('count')}` nor `{o('limit')}` were given, as a decimal number on a line of its "
            "own (no header, whatever the format).",
        ]
        if medium:
            options += [
                f"- `{o('sort')} COL`: order the rows by COL, ascending. If every value of COL "
                "among the rows that passed the filters is a number, compare them as numbers; "
                "otherwise compare the values as strings, by Unicode code point. The sort is "
                "stable: rows with equal keys keep their input order.",
                f"- `{o('desc')}`: with `{o('sort')}`, order descending instead; equal keys still "
                "keep their input order.",
                f"- `{o('format')} F`: the output format, one of "
                + ", ".join(f"`{f}`" for f in cfg.formats)
                + " (default `csv`); any other value is a usage error.",
                f"- `{o('no_header')}`: leave the header line out of the output.",
            ]
        if hard:
            options += [
                f"- `{o('distinct')}`: after columns are selected, drop every output row that is "
                "identical to an earlier one.",
                f"- `{o('group')} COL`: print one row per distinct value of COL among the "
                "filtered rows, in order of first appearance, with the columns `COL`, `count` "
                f"(the number of rows in the group) and, for every `{o('sum')} X` (repeatable, "
                "in the order given), `sum_X`: the total of column X over the group, where cells "
                "that are not numbers count as 0, printed with exactly two decimals (`12.00`, "
                f"`-3.50`). `{o('sum')}` without `{o('group')}`, and `{o('group')}` together with "
                f"`{o('cols')}`, `{o('sort')}` or `{o('distinct')}`, are usage errors. "
                f"`{o('count')}`, `{o('limit')}`, `{o('no_header')}` and `{o('format')}` apply to "
                "the group rows.",
            ]
        rng.shuffle(options)
        usage = f"{prog} [OPTIONS] {'[FILE]' if medium else 'FILE'}"
        lines = [
            rng.choice(OPENINGS) + " " + rng.choice(WHERE).format(tool=cfg.tool),
            "",
            f"It must be an executable file (any language available in the image; `python3` is "
            f"installed) that works when run directly as `{cfg.tool} ...` by an unprivileged "
            "user, from any working directory, and that never modifies its input.",
            "",
            f"Usage: `{usage}`",
            "",
            "## Input",
            "- FILE is a CSV file encoded in UTF-8: the first line is the header (the column "
            "names), every other line is one row, and lines end with `\\n`.",
        ]
        if medium:
            lines += [
                "- Fields may be enclosed in double quotes (RFC 4180); a quoted field may contain "
                'commas, and `""` inside it stands for one `"`.',
                "- If FILE is `-` or not given, read the CSV from standard input.",
                "- Options and FILE may be given in any order; more than one FILE is a usage error.",
            ]
        else:
            lines += [
                "- Options and FILE may be given in any order; exactly one FILE must be given "
                "(none, or more than one, is a usage error).",
            ]
        if hard:
            lines.append(
                "- Every option that takes a value accepts both `--opt VALUE` and `--opt=VALUE` "
                "(split at the first `=`); an option that takes no value written with `=...` is "
                "a usage error."
            )
        lines += [
            "- A value is a *number* when it matches the regular expression "
            "`-?[0-9]+(\\.[0-9]+)?` in full"
            + (" (so `1e3`, `+7`, `.5`, `12.` and `0x1F` are not numbers)" if hard else "")
            + "; numbers compare by value (`2.50` equals `2.5`).",
            "- Column names are case-sensitive. Any argument starting with `-` (other than `-` "
            "itself) that is not one of the options below is a usage error, and so is an option "
            "missing its value.",
            "",
            "## Options",
            *options,
            "",
            "## Processing order",
            "Filters first; then "
            + (f"grouping (with `{o('group')}`) or " if hard else "")
            + ("sorting, " if medium else "")
            + "column selection"
            + (", de-duplication" if hard else "")
            + f"; then `{o('count')}`, or `{o('limit')}` and output.",
            "",
            "## Output",
            "- `csv`"
            + (" (the default)" if medium else " (the only format)")
            + ": the header line (the output column names), then one line per row; fields are "
            'joined with `,`, a field containing `,` or `"` is enclosed in double quotes with '
            'every `"` inside doubled, no other field is quoted, and every line ends with `\\n` '
            "(never `\\r\\n`). When no row matches, only the header is printed.",
        ]
        if medium:
            lines += [
                "- `tsv`: like `csv` but fields are joined with a tab and never quoted.",
                "- `json`: no header; one JSON object per row, one per line, whose keys are the "
                "output columns in order and whose values are all strings, written exactly as "
                'Python\'s `json.dumps(obj)` writes it by default (for example `{"k": "v", "n": '
                '"2"}`: separators `, ` and `: `, non-ASCII characters escaped).',
            ]
        if hard:
            lines.append(
                "- `table`: cells padded with spaces to the width of the longest cell of their "
                "column (header included when printed) and joined with ` | `; a column whose "
                "printed rows are all numbers (and there is at least one row) is right-aligned, "
                "its header too, every other column is left-aligned; right after the header comes "
                "a rule line of `-` characters as wide as each column, joined with `-+-`; "
                "trailing spaces are removed from every line."
            )
        lines += [
            "",
            "## Errors and exit codes",
            f"On an error print one line starting with `{prog}: ` to standard error, print "
            "nothing on standard output, and exit with:",
            f"- `{codes['usage']}` for a usage error (as listed above);",
            f"- `{codes['file']}` when FILE cannot be opened;",
            f"- `{codes['column']}` when an option names a column that is not in the header.",
            "Check for usage errors first, then open the file, then check column names. Exit "
            "with 0 on success, also when no row matches.",
            "",
            f"## Examples on `{sample_path}`",
            "The tool will be run on other CSV files with other columns; these only show the "
            "format.",
        ]
        for args, code, out in examples:
            shown = out.rstrip("\n") if out else "(nothing on stdout; a one-line message on stderr)"
            lines += ["```", "$ " + _quote_cmd(prog, args), shown, f"$ echo $?\n{code}", "```"]
        return "\n".join(line for line in lines)
