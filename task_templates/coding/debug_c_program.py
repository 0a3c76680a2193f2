"""Debug a small C program (an aggregating report tool) with planted bugs, then rebuild it.

The correct program reads `NAME<sep>VALUE` records on stdin, aggregates count, total, min, max
and mean per name, and prints a fixed-width report in a stated order. The generator plants
realistic C bugs by textual patches: an off-by-one loop and name copy, a narrowing `int`
parameter, min/max seeded from the zeroed entry instead of the first record, integer division,
wrong `printf` conversions, a prefix `strncmp`, a truncating comparator, CRLF and indented
comment handling, a loose `strtoll` end check, and (hard) a Makefile that forgets an object.
Every input the generator writes contains a trigger for every bug, and it computes the exact
expected report itself with a Python model of the spec.
"""

from __future__ import annotations

import json
import random
import re
import shlex
from dataclasses import dataclass

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

THEMES = [
    ("acctsum", "account"),
    ("meterstat", "sensor"),
    ("tally", "player"),
    ("netsum", "host"),
    ("rainlog", "station"),
    ("stocktake", "item"),
    ("jobcost", "project"),
]
SEPARATORS = [" ", ",", ";", "|", ":"]
ORDERS = {
    "total_desc": "by total, largest first; equal totals by name in ascending byte order (strcmp)",
    "count_desc": "by count, largest first; then by total, largest first; then by name in "
    "ascending byte order (strcmp)",
    "name_asc": "by name in ascending byte order (strcmp)",
}
COMPARATORS = {
    "total_desc": (
        "    if (a->total != b->total)\n"
        "        return a->total < b->total ? 1 : -1;\n"
        "    return strcmp(a->name, b->name);\n"
    ),
    "count_desc": (
        "    if (a->count != b->count)\n"
        "        return b->count - a->count;\n"
        "    if (a->total != b->total)\n"
        "        return a->total < b->total ? 1 : -1;\n"
        "    return strcmp(a->name, b->name);\n"
    ),
    "name_asc": "    return strcmp(a->name, b->name);\n",
}

# ---------------------------------------------------------------- the correct program

HEADER = """#define NAME_MAX_LEN 31

typedef struct {
    char name[NAME_MAX_LEN + 1];
    int count;
    long long total;
    long long min;
    long long max;
} Entry;

typedef struct {
    Entry *items;
    size_t len;
    size_t cap;
} Table;

int parse_line(char *line, char *name, long long *value);
void table_init(Table *t);
Entry *table_find(Table *t, const char *name);
void table_add(Entry *e, long long value);
void table_free(Table *t);
void report_print(Table *t, long long records, long long grand_total, long long rejected);
"""

PARSE = """/* Classify one input line: 1 for a record (NAME and VALUE are stored), 0 for a blank or
   comment line, -1 for a malformed line. The line loses its line ending in place. */
int parse_line(char *line, char *name, long long *value)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\\n' || line[n - 1] == '\\r'))
        line[--n] = '\\0';
    const char *p = line;
    while (*p == ' ' || *p == '\\t')
        p++;
    if (*p == '\\0' || *p == '#')
        return 0;
    const char *sep = strchr(line, SEP);
    if (sep == NULL)
        return -1;
    size_t len = (size_t)(sep - line);
    if (len == 0 || len > NAME_MAX_LEN)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-')
            return -1;
    }
    memcpy(name, line, len);
    name[len] = '\\0';
    const char *field = sep + 1;
    int sign = field[0] == '-' || field[0] == '+';
    if (!isdigit((unsigned char)field[sign]))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(field, &end, 10);
    if (end == field || *end != '\\0' || errno == ERANGE)
        return -1;
    *value = v;
    return 1;
}
"""

TABLE = """void table_init(Table *t)
{
    t->len = 0;
    t->cap = 16;
    t->items = calloc(t->cap, sizeof(Entry));
    if (t->items == NULL) {
        perror("calloc");
        exit(1);
    }
}

/* The entry for NAME, appended (zeroed, with the name set) when it is new. */
Entry *table_find(Table *t, const char *name)
{
    for (size_t i = 0; i < t->len; i++)
        if (strcmp(t->items[i].name, name) == 0)
            return &t->items[i];
    if (t->len == t->cap) {
        t->cap *= 2;
        t->items = realloc(t->items, t->cap * sizeof(Entry));
        if (t->items == NULL) {
            perror("realloc");
            exit(1);
        }
    }
    Entry *e = &t->items[t->len++];
    memset(e, 0, sizeof *e);
    strcpy(e->name, name);
    return e;
}

void table_add(Entry *e, long long value)
{
    if (e->count == 0 || value < e->min)
        e->min = value;
    if (e->count == 0 || value > e->max)
        e->max = value;
    e->total += value;
    e->count++;
}

void table_free(Table *t)
{
    free(t->items);
    t->items = NULL;
    t->len = t->cap = 0;
}
"""

REPORT = """static int by_rank(const void *pa, const void *pb)
{
    const Entry *a = pa;
    const Entry *b = pb;
@COMPARE@}

void report_print(Table *t, long long records, long long grand_total, long long rejected)
{
    qsort(t->items, t->len, sizeof(Entry), by_rank);
    printf("%-@W@s %6s %15s %12s %12s %14s\\n", "@LABEL@", "count", "total", "min", "max", "mean");
    for (size_t i = 0; i < t->len; i++) {
        const Entry *e = &t->items[i];
        double mean = (double)e->total / e->count;
        printf("%-@W@s %6d %15lld %12lld %12lld %14.2f\\n", e->name, e->count, e->total, e->min,
               e->max, mean);
    }
    printf("TOTAL %lld %lld\\n", records, grand_total);
    printf("REJECTED %lld\\n", rejected);
}
"""

MAIN = """int main(void)
{
    char line[256];
    char name[NAME_MAX_LEN + 1];
    long long value;
    long long records = 0, grand_total = 0, rejected = 0;
    Table table;

    table_init(&table);
    while (fgets(line, sizeof line, stdin) != NULL) {
        int kind = parse_line(line, name, &value);
        if (kind == 0)
            continue;
        if (kind < 0) {
            rejected++;
            continue;
        }
        table_add(table_find(&table, name), value);
        records++;
        grand_total += value;
    }
    report_print(&table, records, grand_total, rejected);
    table_free(&table);
    return 0;
}
"""

INCLUDES = {
    "parse": ["ctype.h", "errno.h", "stdlib.h", "string.h"],
    "table": ["stdio.h", "stdlib.h", "string.h"],
    "report": ["stdio.h", "stdlib.h", "string.h"],
    "main": ["stdio.h"],
}
UNITS = {"parse": PARSE, "table": TABLE, "report": REPORT, "main": MAIN}
LAYOUTS = {
    Difficulty.EASY: {"@PROJ@.c": ["parse", "table", "report", "main"]},
    Difficulty.MEDIUM: {"main.c": ["parse", "main"], "table.c": ["table", "report"]},
    Difficulty.HARD: {
        "main.c": ["main"],
        "parse.c": ["parse"],
        "table.c": ["table"],
        "report.c": ["report"],
    },
}


@dataclass(frozen=True)
class Bug:
    key: str
    old: str
    new: str
    where: str
    """Where a reader would look: the function or file, for the reference solution's notes."""
    grep: str
    orders: tuple[str, ...] = ("total_desc", "count_desc", "name_asc")


BUGS = [
    Bug(
        "name_copy",
        "    memcpy(name, line, len);\n    name[len] = '\\0';",
        "    memcpy(name, line, len - 1);\n    name[len - 1] = '\\0';",
        "parse_line",
        "memcpy",
    ),
    Bug(
        "name_length",
        "if (len == 0 || len > NAME_MAX_LEN)",
        "if (len == 0 || len >= NAME_MAX_LEN)",
        "parse_line",
        "NAME_MAX_LEN",
    ),
    Bug(
        "min_seed",
        "    if (e->count == 0 || value < e->min)",
        "    if (value < e->min)",
        "table_add",
        "e->min",
    ),
    Bug(
        "mean_division",
        "double mean = (double)e->total / e->count;",
        "double mean = e->total / e->count;",
        "report_print",
        "mean",
    ),
    Bug(
        "narrow_parameter",
        "table_add(Entry *e, long long value)",
        "table_add(Entry *e, int value)",
        "table_add",
        "table_add",
    ),
    Bug(
        "total_format",
        'printf("TOTAL %lld %lld\\n", records, grand_total);',
        'printf("TOTAL %lld %d\\n", records, grand_total);',
        "report_print",
        "TOTAL",
    ),
    Bug("mean_format", "%14.2f", "%14.1f", "report_print", "%14"),
    Bug(
        "last_row",
        "    for (size_t i = 0; i < t->len; i++) {\n        const Entry *e",
        "    for (size_t i = 0; i + 1 < t->len; i++) {\n        const Entry *e",
        "report_print",
        "for (size_t i",
    ),
    Bug(
        "prefix_match",
        "if (strcmp(t->items[i].name, name) == 0)",
        "if (strncmp(t->items[i].name, name, strlen(t->items[i].name)) == 0)",
        "table_find",
        "cmp(t->items",
    ),
    Bug(
        "tie_order",
        "    return strcmp(a->name, b->name);\n}",
        "    return strcmp(b->name, a->name);\n}",
        "by_rank",
        "strcmp(",
    ),
    Bug(
        "truncating_compare",
        "        return a->total < b->total ? 1 : -1;",
        "        return (int)(b->total - a->total);",
        "by_rank",
        "b->total",
        ("total_desc", "count_desc"),
    ),
    Bug(
        "crlf",
        "(line[n - 1] == '\\n' || line[n - 1] == '\\r')",
        "line[n - 1] == '\\n'",
        "parse_line",
        "line[n - 1]",
    ),
    Bug(
        "indented_comment",
        "if (*p == '\\0' || *p == '#')",
        "if (*p == '\\0' || *line == '#')",
        "parse_line",
        "'#'",
    ),
    Bug(
        "loose_number",
        "if (end == field || *end != '\\0' || errno == ERANGE)",
        "if (end == field || errno == ERANGE)",
        "parse_line",
        "strtoll",
    ),
]
MAKEFILE_BUG = "OBJS = main.o parse.o table.o report.o"
N_BUGS = {Difficulty.EASY: 2, Difficulty.MEDIUM: 4, Difficulty.HARD: 6}

# ---------------------------------------------------------------- inputs and the model

NAME_WORDS = [
    "north",
    "delta",
    "kilo",
    "ember",
    "vault",
    "pine",
    "orbit",
    "zinc",
    "maple",
    "quartz",
    "harbor",
    "ridge",
    "comet",
    "lumen",
    "basalt",
    "fjord",
    "cobalt",
    "saffron",
    "tundra",
    "willow",
]
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,31}")
VALUE_RE = re.compile(r"[+-]?[0-9]+")
BIG = 2**32


def model(text: str, sep: str, order: str, width: int, label: str) -> str:
    """What the correct program prints for `text` on stdin."""
    stats: dict[str, list[int]] = {}
    records = grand = rejected = 0
    pieces = text.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
    for piece in pieces:
        line = piece.rstrip("\r\n")
        rest = line.lstrip(" \t")
        if not rest or rest[0] == "#":
            continue
        idx = line.find(sep)
        name, field = line[:idx], line[idx + 1 :]
        if (
            idx < 0
            or not NAME_RE.fullmatch(name)
            or not VALUE_RE.fullmatch(field)
            or not -(2**63) <= int(field) < 2**63
        ):
            rejected += 1
            continue
        value = int(field)
        s = stats.setdefault(name, [0, 0, value, value])
        s[0] += 1
        s[1] += value
        s[2] = min(s[2], value)
        s[3] = max(s[3], value)
        records += 1
        grand += value
    keys = {
        "total_desc": lambda n: (-stats[n][1], n.encode()),
        "count_desc": lambda n: (-stats[n][0], -stats[n][1], n.encode()),
        "name_asc": lambda n: n.encode(),
    }
    out = [f"{label:<{width}} {'count':>6} {'total':>15} {'min':>12} {'max':>12} {'mean':>14}"]
    for name in sorted(stats, key=keys[order]):
        count, total, lo, hi = stats[name]
        out.append(
            f"{name:<{width}} {count:>6} {total:>15} {lo:>12} {hi:>12} {total / count:>14.2f}"
        )
    out += [f"TOTAL {records} {grand}", f"REJECTED {rejected}"]
    return "\n".join(out) + "\n"


def _split(rng: random.Random, total: int, parts: int, spread: int) -> list[int]:
    """`parts` integers summing to `total`, each within about `spread` of the average."""
    values = [total // parts + rng.randint(-spread, spread) for _ in range(parts - 1)]
    return values + [total - sum(values)]


def make_input(rng: random.Random, sep: str, order: str, n_small: int) -> str:
    """An input that triggers every bug in BUGS (whatever the separator and order)."""
    words = rng.sample(NAME_WORDS, n_small + 4)
    suffix = lambda: rng.choice(["", "-", "_", "."]) + str(rng.randint(1, 99))  # noqa: E731
    names = [w + suffix() for w in words]
    records: list[tuple[str, int]] = []
    # ordinary small entries: totals far below 2**31, some all positive, some not whole means
    for name in names[:n_small]:
        count = rng.randint(1, 5)
        records += [(name, rng.randint(-900, 40000)) for _ in range(count)]
    positive = names[n_small]
    values = [rng.randint(100, 900) for _ in range(3)]
    if sum(values) % 3 == 0:
        values[0] += 1  # a mean that is not a whole number
    records += [(positive, v) for v in values]
    # a name that is a strict prefix of another one, the shorter one seen first (added below)
    prefix = names[n_small + 1]
    longer = prefix + rng.choice(["x", "2", "_b", "-east"])
    records.append((longer, rng.randint(1, 999)))
    # a name of exactly 31 characters
    long_name = (words[0] * 8)[:27] + "_" + str(rng.randint(100, 999))
    records.append((long_name, rng.randint(1000, 9000)))
    # two entries that tie on every key but the name
    tie_a, tie_b = names[n_small + 2], names[n_small + 3]
    tie_count, tie_total = rng.randint(2, 3), rng.randint(5000, 20000)
    records += [(tie_a, v) for v in _split(rng, tie_total, tie_count, 900)]
    records += [(tie_b, v) for v in _split(rng, tie_total, tie_count, 900)]
    # two huge totals 2**32 - d apart, so a comparator truncating to int gets them backwards;
    # every other total is far below their shared low 32 bits, so nothing else is affected
    big_a, big_b = rng.sample(["ATLAS", "ORION", "VEGA", "TITAN", "HYDRA", "LYRA", "CETUS"], 2)
    total_a = BIG + 3_000_000 + rng.randint(0, 500_000)
    total_b = total_a + BIG - rng.randint(1, 999)
    records += [(big_a, v) for v in _split(rng, total_a, 2, 10**6)]
    records += [(big_b, v) for v in _split(rng, total_b, 2, 10**6)]
    rng.shuffle(records)
    first_longer = next(i for i, r in enumerate(records) if r[0] == longer)
    records.insert(rng.randint(0, first_longer), (prefix, rng.randint(1, 999)))

    lines = [(f"{n}{sep}{v}", True) for n, v in records]
    word = lambda: rng.choice(words)  # noqa: E731
    junk = [
        word(),  # no separator
        f"{word()}{sep}",  # empty value
        f"{word()}{sep}{rng.randint(1, 99)}x",  # trailing garbage
        f"{sep}{rng.randint(1, 99)}",  # empty name
        f"{'y' * 32}{sep}{rng.randint(1, 99)}",  # name too long
        f"{word()}!{sep}{rng.randint(1, 9)}",  # bad name character
        f"{word()}{sep}{rng.randint(1, 9)}.5",  # not an integer
        f"{word()}{sep}{'+-'[rng.randint(0, 1)]}{rng.randint(1, 9)}",  # a valid signed value
    ]
    comments = ["# " + rng.choice(["export", "totals", "batch"]) + f" {rng.randint(1, 9)}"]
    comments += ["   # indented note", "\t# tabbed note", "", "   "]
    for line in junk + comments:
        lines.insert(rng.randint(0, len(lines)), (line, line == junk[-1]))
    lines.insert(0, (f"# {rng.choice(['generated', 'nightly', 'manual'])} export", False))
    endings = ["\r\n" if rng.random() < 0.15 else "\n" for _ in lines]
    endings[rng.choice([i for i, (_, record) in enumerate(lines) if record])] = "\r\n"
    return "".join(line + end for (line, _), end in zip(lines, endings, strict=True))


# ---------------------------------------------------------------- the family

OPENINGS = [
    "`{proj}` is a small C tool in `/app/{proj}/` that summarises {label} records, and its "
    "reports are wrong.",
    "Our nightly job pipes {label} records through `{proj}` (C source in `/app/{proj}/`); "
    "since the last refactor its numbers cannot be trusted.",
    "The C program in `/app/{proj}/` (`{proj}`) is supposed to aggregate {label} records, but "
    "it has bugs.",
    "Someone patched `{proj}`, the {label} report tool in `/app/{proj}/`, without running it "
    "on real data.",
]
GOALS = [
    "Find and fix the bugs so that it follows the specification below exactly.",
    "Debug it until its output matches the specification below byte for byte.",
    "Repair the program so that it meets the specification below.",
]


def _makefile(proj: str, files: list[str], header: str | None) -> str:
    if header is None:
        return (
            "CC = gcc\nCFLAGS = -O2 -Wall -Wextra -std=c11\n\n"
            f"{proj}: {proj}.c\n\t$(CC) $(CFLAGS) -o $@ $<\n\n"
            f"clean:\n\trm -f {proj}\n\n.PHONY: clean\n"
        )
    objs = " ".join(f.replace(".c", ".o") for f in files)
    return (
        "CC = gcc\nCFLAGS = -O2 -Wall -Wextra -std=c11\n"
        f"OBJS = {objs}\n\n"
        f"{proj}: $(OBJS)\n\t$(CC) $(CFLAGS) -o $@ $(OBJS)\n\n"
        f"%.o: %.c {header}\n\t$(CC) $(CFLAGS) -c $<\n\n"
        f"clean:\n\trm -f {proj} $(OBJS)\n\n.PHONY: clean\n"
    )


def _sources(proj: str, label: str, sep: str, order: str, width: int, level: Difficulty):
    """The correct program: {file name: text} for the level's layout."""
    sep_literal = {"\t": "\\t", "'": "\\'"}.get(sep, sep)
    units = {
        "parse": PARSE,
        "table": TABLE,
        "report": REPORT.replace("@COMPARE@", COMPARATORS[order])
        .replace("@W@", str(width))
        .replace("@LABEL@", label),
        "main": MAIN,
    }
    layout = {name.replace("@PROJ@", proj): parts for name, parts in LAYOUTS[level].items()}
    single = level is Difficulty.EASY
    header_name = None if single else f"{proj}.h"
    files = {}
    for name, parts in layout.items():
        includes = sorted({inc for part in parts for inc in INCLUDES[part]})
        text = f"/* {name}: part of {proj}, the {label} report tool. */\n"
        text += "".join(f"#include <{inc}>\n" for inc in includes)
        if single:
            text += "\n" + HEADER
        else:
            text += f'\n#include "{header_name}"\n'
        if "parse" in parts:
            text += f"\n#define SEP '{sep_literal}'\n"
        text += "\n" + "\n".join(UNITS[p] if p != "report" else units["report"] for p in parts)
        files[name] = text
    if header_name:
        guard = f"{proj.upper()}_H"
        files[header_name] = (
            f"#ifndef {guard}\n#define {guard}\n\n#include <stddef.h>\n\n{HEADER}\n#endif\n"
        )
    else:
        files[f"{proj}.c"] = files[f"{proj}.c"].replace(
            "#include <ctype.h>\n", "#include <ctype.h>\n#include <stddef.h>\n"
        )
    c_files = [n for n in layout]
    files["Makefile"] = _makefile(proj, c_files, header_name)
    return files


@register
class DebugCProgram(TemplateFamily):
    name = "debug-c-program"
    domain = Domain.CODING
    description = (
        "Find and fix planted bugs in a multi-file C report tool so its output matches the spec."
    )
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        proj, label = rng.choice(THEMES)
        sep = rng.choice(SEPARATORS)
        order = rng.choice(sorted(ORDERS))
        width = rng.choice([16, 20, 24])
        n_small = {Difficulty.EASY: 4, Difficulty.MEDIUM: 6, Difficulty.HARD: 8}[difficulty]
        correct = _sources(proj, label, sep, order, width, difficulty)

        usable = [b for b in BUGS if order in b.orders]
        planted = rng.sample(usable, N_BUGS[difficulty])
        files = dict(correct)
        for bug in planted:
            hits = sum(text.count(bug.old) for text in files.values())
            assert hits >= 1, f"bug {bug.key} has no site"
            files = {n: t.replace(bug.old, bug.new) for n, t in files.items()}
            assert sum(t.count(bug.new) for t in files.values()) == hits, bug.key
        makefile_bug = difficulty is Difficulty.HARD
        if makefile_bug:
            assert MAKEFILE_BUG in files["Makefile"]
            files["Makefile"] = files["Makefile"].replace(
                MAKEFILE_BUG, MAKEFILE_BUG.replace(" report.o", "")
            )

        samples = [make_input(rng, sep, order, n_small) for _ in range(2)]
        hidden = [make_input(rng, sep, order, n_small + rng.randint(0, 3)) for _ in range(3)]
        hidden.append(
            "# nothing but comments and rejects\n"
            + f"bad line\n{sep}1\n   # note\n"
            + f"{'z' * 31}{sep}-{rng.randint(1, 9)}\r\n"
        )
        out = lambda text: model(text, sep, order, width, label)  # noqa: E731
        sample_dir = rng.choice(["samples", "examples", "testdata"])
        app_files = {f"{proj}/{n}": t for n, t in files.items()}
        for k, text in enumerate(samples, 1):
            app_files[f"{proj}/{sample_dir}/input{k}.txt"] = text
            app_files[f"{proj}/{sample_dir}/expected{k}.txt"] = out(text)

        instruction = self._instruction(
            rng, proj, label, sep, order, width, sample_dir, len(samples)
        )
        solution = self._solution(proj, files, planted, makefile_bug, sample_dir, difficulty)
        expected = {
            "project": f"/app/{proj}",
            "binary": proj,
            "cases": [
                {"name": f"sample input {k}", "stdin": t, "stdout": out(t)}
                for k, t in enumerate(samples, 1)
            ]
            + [
                {"name": f"hidden input {k}", "stdin": t, "stdout": out(t)}
                for k, t in enumerate(hidden, 1)
            ],
            "planted": [b.key for b in planted] + (["makefile_objects"] if makefile_bug else []),
            "samples": {p: t for p, t in app_files.items() if f"/{sample_dir}/" in p},
        }
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            files=app_files,
            dockerfile=f"COPY {proj}/ /app/{proj}/\n",
            tags=["c", "debugging", "make", "gcc"],
        )

    @staticmethod
    def _instruction(rng, proj, label, sep, order, width, sample_dir, n_samples) -> str:
        shown_sep = {" ": "a single space", "\t": "a tab"}.get(sep, f"`{sep}`")
        spec = [
            "It reads text lines from standard input (at most 200 bytes each). A line ends with "
            "`\\n` or `\\r\\n`; the last line may have no line ending.",
            "Blank lines (empty or only spaces and tabs) and lines whose first non-blank "
            "character is `#` are ignored.",
            f"Every other line must be a record `NAME{sep}VALUE` (the separator is {shown_sep}): "
            "NAME starts at the very beginning of the line and is 1 to 31 characters from "
            "`A-Z a-z 0-9 _ . -`; VALUE is an optional `+` or `-` followed by decimal digits, "
            "fits in a signed 64-bit integer, and nothing follows it. Any other line is "
            "*rejected*: counted, and otherwise ignored.",
            "For every distinct NAME (compared exactly, byte for byte) it keeps the number of "
            "records, their total, minimum and maximum, and the mean `(double)total / count`.",
        ]
        output = [
            f'a header printed with `printf("%-{width}s %6s %15s %12s %12s %14s\\n", '
            f'"{label}", "count", "total", "min", "max", "mean")`;',
            f'one line per NAME, printed with `printf("%-{width}s %6d %15lld %12lld %12lld '
            '%14.2f\\n", name, count, total, min, max, mean)`, ordered ' + ORDERS[order] + ";",
            "`TOTAL <records> <sum of all record values>` (both as plain integers);",
            "`REJECTED <number of rejected lines>`.",
        ]
        rules = [
            f"The grader copies the `.c` and `.h` files and the `Makefile` of `/app/{proj}/` "
            f"into an empty folder, runs `make` there (as an unprivileged user) and runs the "
            f"resulting `./{proj}` on other inputs, comparing its standard output byte for "
            "byte. The exit status must be 0.",
            "It must stay a C program built by `make` with gcc from those files: no wrapper "
            "scripts, no other languages, no hard-coded outputs.",
            f"Leave the files in `/app/{proj}/{sample_dir}/` as they are.",
        ]
        rng.shuffle(rules)
        return "\n".join(
            [
                rng.choice(OPENINGS).format(proj=proj, label=label) + " " + rng.choice(GOALS),
                "",
                f"Build it with `cd /app/{proj} && make`, which must produce the executable "
                f"`/app/{proj}/{proj}`. `/app/{proj}/{sample_dir}/` has {n_samples} sample "
                "inputs (`input<N>.txt`) with the exact output the correct program prints for "
                f"each (`expected<N>.txt`): `./{proj} < {sample_dir}/input1.txt` must print "
                f"exactly `{sample_dir}/expected1.txt`.",
                "",
                "## Specification",
                *[f"- {line}" for line in spec],
                "- Output, in this order:",
                *[f"  - {line}" for line in output],
                "",
                "## Rules",
                *[f"- {line}" for line in rules],
            ]
        )

    @staticmethod
    def _solution(proj, files, planted, makefile_bug, sample_dir, difficulty) -> str:
        src = sorted(n for n in files if n.endswith((".c", ".h")))
        lines = [
            "#!/bin/bash",
            "# Reference solution: build, compare with the samples, read the warnings and the",
            "# diff, fix each bug where it lives, rebuild from clean and compare again.",
            "set -euo pipefail",
            f"cd /app/{proj}",
            "ls -la",
            "cat Makefile",
            f"wc -l {' '.join(src)}",
            f"head -n 12 {sample_dir}/input1.txt",
            "getconf LONG_BIT  # integer widths decide where arithmetic overflows",
            f"od -c {sample_dir}/input1.txt | grep -m 3 '\\\\r' || true",
            "make 2>&1 | tail -n 25 || true",
        ]
        if not makefile_bug:
            lines.append(f"test -x {proj} && echo 'built {proj}'")
        if makefile_bug:
            lines += [
                "make 2>&1 | grep -m 3 'undefined reference' || true",
                "grep -n '^OBJS' Makefile",
                "ls *.c",
                "sed -i 's/^OBJS = .*/OBJS = main.o parse.o table.o report.o/' Makefile",
                "make",
                "nm report.o | grep -w T",
            ]
        lines += [
            f"readelf -h {proj} | grep -E 'Type|Machine'",
            f"size {proj}",
            f"ldd {proj} | awk '{{print $1}}'",
            f"timeout 10 ./{proj} < {sample_dir}/input1.txt > /tmp/out1.txt || true",
            f"diff -u {sample_dir}/expected1.txt /tmp/out1.txt | head -n 60 || true",
            f"gcc -Wall -Wextra -std=c11 -fsyntax-only {' '.join(n for n in src if n.endswith('.c'))} 2>&1 | head -n 30 || true",
            "cat > /tmp/patch.py <<'PY'",
            "import json, sys",
            "edit = json.load(sys.stdin)",
            "texts = {path: open(path).read() for path in sys.argv[1:]}",
            "hits = sum(text.count(edit['old']) for text in texts.values())",
            "if not hits and any(edit['new'] in text for text in texts.values()):",
            "    sys.exit(print('already fixed'))",
            "assert hits, 'pattern not found'",
            "for path, text in texts.items():",
            "    open(path, 'w').write(text.replace(edit['old'], edit['new']))",
            "print(f'{hits} site(s) fixed')",
            "PY",
        ]
        for bug in planted:
            where = sorted(n for n in src if bug.new in files[n])
            lines += [
                f"# {bug.where}: {bug.key.replace('_', ' ')}",
                f"grep -n -- {shlex.quote(bug.grep)} {' '.join(where)} || true",
                f"python3 /tmp/patch.py {' '.join(where)} <<'EOF'",
                json.dumps({"old": bug.new, "new": bug.old}),
                "EOF",
            ]
        lines += [
            "make clean",
            "make 2>&1 | tail -n 5",
            f"for input in {sample_dir}/input*.txt; do",
            '    want="${input/input/expected}"',
            f'    ./{proj} < "$input" > /tmp/got.txt',
            '    cmp "$want" /tmp/got.txt && echo "$input: ok"',
            "done",
        ]
        return "\n".join(lines) + "\n"
