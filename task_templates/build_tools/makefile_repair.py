"""Repair a broken Makefile of a small generated C project until it builds, rebuilds and installs.

The generator writes a working C program (a pipeline of integer transforms with seeded
constants, plus an RMS summary that needs libm), so it can compute the program's output for
any input. The Makefile it ships is the correct one with several planted faults: recipes
indented with spaces, `-lm` missing, a wrong object list, no header dependencies (editing a
header does not rebuild), no `mkdir` of the build directory, a link recipe using `$<`, a
generated header nothing depends on, a `clean` that misses the objects, a broken `install`
that ignores DESTDIR/PREFIX, `clean` as the default goal, and a `test` target shadowed by the
`test/` directory. The checker rebuilds a clean copy as `nobody`, runs the binary on hidden
inputs, edits a header (and the table data) to prove dependencies, and tries install/test.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

PROJECTS = [
    "tallyx",
    "meterkit",
    "gridcalc",
    "pulsecount",
    "scorewheel",
    "binsum",
    "ledgerx",
    "quantor",
    "tickmill",
    "sumbox",
    "numsift",
    "digestor",
    "crunchy",
    "rollcall",
]

# op name -> constants it uses (macro suffixes); every op keeps values non-negative
OPS = ["scale", "fold", "digits", "clamp", "rotl"]

OPENINGS = [
    "The C project in `{root}` no longer builds: its Makefile was mangled during a refactor.",
    "Someone broke the Makefile of `{root}`, a small C command-line tool, and CI is red.",
    "`{root}` holds a small C program whose Makefile has accumulated several bugs.",
    "A teammate left the build of `{root}` broken; the C sources are fine, the Makefile is not.",
    "The Makefile in `{root}` was hand-edited by several people and now fails in several ways.",
]
GOALS = [
    "Repair the Makefile so the project builds and rebuilds correctly.",
    "Fix the Makefile (and only the Makefile) until every requirement below holds.",
    "Get the build working again by correcting the Makefile.",
    "Make the Makefile correct; the sources themselves must stay exactly as they are.",
]


def _c_ops(p: dict) -> dict[str, str]:
    """C source of each op module (file stem -> text)."""
    pre, inc = p["prefix"], p["inc"]
    head = f'#include "{inc}ops.h"\n#include "{inc}config.h"\n\n'
    src = {
        "scale": head
        + f"long {pre}_scale(long x)\n{{\n    return (x * SCALE_MUL + SCALE_ADD) % SCALE_MOD;\n}}\n",
        "fold": head + f"long {pre}_fold(long x)\n{{\n    return x ^ (x >> FOLD_SHIFT);\n}}\n",
        "digits": head + f"long {pre}_digits(long x)\n{{\n    long s = 0, v = x;\n"
        "    while (v > 0) {\n        s += v % 10;\n        v /= 10;\n    }\n"
        "    return x + DIGIT_WEIGHT * s;\n}\n",
        "clamp": head + f"long {pre}_clamp(long x)\n{{\n"
        "    return x > CLAMP_HI ? CLAMP_HI + x % CLAMP_STEP : x;\n}\n",
        "rotl": head
        + f"long {pre}_rotl(long x)\n{{\n    unsigned long v = (unsigned long)x & 0xFFFFUL;\n"
        "    return (long)(((v << ROT_BITS) | (v >> (16 - ROT_BITS))) & 0xFFFFUL);\n}\n",
        "lookup": f'#include "{inc}ops.h"\n#include "table.h"\n\n'
        f"long {pre}_lookup(long x)\n{{\n    return x + TABLE[x % TABLE_LEN];\n}}\n",
    }
    return {name: src[name] for name in p["ops"]}


def _py_op(name: str, c: dict, table: list[int], x: int) -> int:
    if name == "scale":
        return (x * c["SCALE_MUL"] + c["SCALE_ADD"]) % c["SCALE_MOD"]
    if name == "fold":
        return x ^ (x >> c["FOLD_SHIFT"])
    if name == "digits":
        return x + c["DIGIT_WEIGHT"] * sum(int(d) for d in str(x))
    if name == "clamp":
        return c["CLAMP_HI"] + x % c["CLAMP_STEP"] if x > c["CLAMP_HI"] else x
    if name == "rotl":
        v, r = x & 0xFFFF, c["ROT_BITS"]
        return ((v << r) | (v >> (16 - r))) & 0xFFFF
    if name == "lookup":
        return x + table[x % len(table)]
    raise ValueError(name)


def _run(p: dict, consts: dict, table: list[int], values: list[int]) -> str:
    """What the C program prints for `values` (one integer per input line)."""
    out, total, top, sumsq = [], 0, 0, 0
    for x in values:
        for op in p["ops"]:
            x = _py_op(op, consts, table, x)
        out.append(str(x))
        total += x
        top = max(top, x)
        sumsq += x * x
    rms = math.sqrt(sumsq / len(values)) if values else 0.0
    out.append(f"count={len(values)} sum={total} max={top} rms={rms:.3f}")
    return "\n".join(out) + "\n"


def _config_h(consts: dict) -> str:
    lines = ["#ifndef CONFIG_H", "#define CONFIG_H", "", "/* tuning constants */"]
    lines += [f"#define {k} {v}" for k, v in sorted(consts.items())]
    return "\n".join(lines + ["", "#endif", ""])


def _ops_h(p: dict) -> str:
    lines = ["#ifndef OPS_H", "#define OPS_H", ""]
    lines += [f"long {p['prefix']}_{op}(long x);" for op in p["ops"]]
    return "\n".join(lines + ["", "#endif", ""])


STATS_H = """#ifndef STATS_H
#define STATS_H

double stats_rms(const long *values, int n);

#endif
"""


def _stats_c(inc: str) -> str:
    return f"""#include <math.h>
#include "{inc}stats.h"

double stats_rms(const long *values, int n)
{{
    long long sumsq = 0;
    int i;
    if (n == 0)
        return 0.0;
    for (i = 0; i < n; i++)
        sumsq += (long long)values[i] * values[i];
    return sqrt((double)sumsq / (double)n);
}}
"""


def _main_c(p: dict) -> str:
    inc = p["inc"]
    calls = "".join(f"        x = {p['prefix']}_{op}(x);\n" for op in p["ops"])
    return f"""#include <stdio.h>
#include "{inc}ops.h"
#include "{inc}stats.h"

#define MAX_VALUES 4096

static long values[MAX_VALUES];

int main(void)
{{
    long x, sum = 0, max = 0;
    int n = 0;
    while (n < MAX_VALUES && scanf("%ld", &x) == 1) {{
{calls}        values[n++] = x;
        sum += x;
        if (x > max)
            max = x;
        printf("%ld\\n", x);
    }}
    printf("count=%d sum=%ld max=%ld rms=%.3f\\n", n, sum, max, stats_rms(values, n));
    return 0;
}}
"""


MKTABLE_AWK = """# Turn data/table.def (one integer per line, # comments) into a C header.
/^#/ { next }
NF == 0 { next }
{ vals[n++] = $1 }
END {
    print "/* generated from table.def -- do not edit */"
    print "#ifndef TABLE_H"
    print "#define TABLE_H"
    printf "#define TABLE_LEN %d\\n", n
    printf "static const long TABLE[TABLE_LEN] = {"
    for (i = 0; i < n; i++)
        printf "%s%s", (i ? ", " : " "), vals[i]
    print " };"
    print "#endif"
}
"""

RUN_TESTS = """#!/bin/sh
# usage: sh test/run.sh path/to/binary -- runs every test/*.in, compares with test/*.out
bin=$1
status=0
for input in test/*.in; do
    want=${input%.in}.out
    if "$bin" < "$input" | cmp -s - "$want"; then
        echo "ok   $input"
    else
        echo "FAIL $input"
        status=1
    fi
done
exit $status
"""


def _table_def(values: list[int]) -> str:
    return "# lookup table, one entry per line\n" + "".join(f"{v}\n" for v in values)


def _makefile(p: dict, faults: set[str]) -> str:
    """The project's Makefile: correct when `faults` is empty."""
    t = "    " if "tabs" in faults else "\t"
    b, tree, hard = p["bin"], p["tree"], p["hard"]
    modules = list(p["modules"])
    if "objlist_missing" in faults:
        modules.remove(p["dropped"])
    if "objlist_misnamed" in faults:
        modules[modules.index(p["misnamed"][0])] = p["misnamed"][1]
    L: list[str] = []
    clean_rule = [
        "clean:",
        f"{t}rm -f *.o {b}" if "clean" in faults else f"{t}rm -rf $(BUILD) bin",
        "",
    ]
    if not tree:
        objs = " ".join(f"{m}.o" for m in modules)
        L += [f"# Makefile for {p['name']}", "CC = cc", "CFLAGS = -O2 -Wall"]
        L += ["LDLIBS =" if "libm" in faults else "LDLIBS = -lm"]
        L += [f"OBJS = {objs}", "HEADERS = config.h ops.h stats.h", ""]
        L += [f"all: {b}", "", f"{b}: $(OBJS)", f"{t}$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)", ""]
        L += ["%.o: %.c" if "hdrdeps" in faults else "%.o: %.c $(HEADERS)"]
        L += ["\t$(CC) $(CFLAGS) -c -o $@ $<", "", "clean:", f"{t}rm -f $(OBJS) {b}", ""]
        L += [".PHONY: all clean", ""]
        return "\n".join(L)
    cflags = (
        "-O2 -Wall" + ("" if "incdir" in faults else " -Iinclude") + (" -Ibuild" if hard else "")
    )
    L += [
        f"# Build {p['name']}: sources in src/, headers in include/, objects in build/",
        "CC = cc",
        f"CFLAGS = {cflags}",
        "LDLIBS =" if "libm" in faults else "LDLIBS = -lm",
        "PREFIX ?= /usr/local",
        "BUILD = build",
        f"BIN = bin/{b}",
        f"MODULES = {' '.join(modules)}",
        "OBJS = $(MODULES:%=$(BUILD)/%.o)",
        "HEADERS = $(wildcard include/*.h)",
    ]
    if hard:
        L += ["GEN = $(BUILD)/table.h"]
    L += [""]
    if "default_goal" in faults:
        L += clean_rule
    mkdir = [] if "nomkdir" in faults else ["\t@mkdir -p $(@D)"]
    link = "$<" if "link_first" in faults else "$^"
    L += ["all: $(BIN)", "", "$(BIN): $(OBJS)", *mkdir]
    L += [f"{t}$(CC) $(LDFLAGS) -o $@ {link} $(LDLIBS)", ""]
    L += ["$(BUILD)/%.o: src/%.c" + ("" if "hdrdeps" in faults else " $(HEADERS)"), *mkdir]
    L += ["\t$(CC) $(CFLAGS) -c -o $@ $<", ""]
    if hard:
        if "gendep" not in faults:
            L += ["$(BUILD)/lookup.o: $(GEN)", ""]
        L += ["$(GEN): data/table.def tools/mktable.awk", "\t@mkdir -p $(@D)"]
        L += ["\tawk -f tools/mktable.awk data/table.def > $@", ""]
    if "install" in faults:
        L += ["install: $(BIN)", f"\tcp $(BIN) /usr/local/bin/{b}"]
        L += [f"\tcp doc/{b}.1 /usr/local/man/{b}.1", ""]
    else:
        L += ["install: $(BIN)"]
        L += ["\tinstall -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1"]
        L += [f"\tinstall -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/{b}"]
        L += [f"\tinstall -m 0644 doc/{b}.1 $(DESTDIR)$(PREFIX)/share/man/man1/{b}.1", ""]
    if hard:
        L += ["test: $(BIN)", "\tsh test/run.sh $(BIN)", ""]
    if "default_goal" not in faults:
        L += clean_rule
    phony = ["all", "install", "clean"] + (["test"] if hard and "phony_test" not in faults else [])
    L += [f".PHONY: {' '.join(phony)}", ""]
    return "\n".join(L)


def _fixes(p: dict, faults: set[str]) -> list[str]:
    """solve.sh lines repairing each planted fault, diagnosing with make between the steps."""
    probe = ["make 2>&1 | tail -n 4 || true"]
    out: list[str] = []
    if "tabs" in faults:
        out += [
            "# recipes must start with a TAB: show lines indented with spaces, then convert",
            "grep -n '^    ' Makefile || true",
            "sed -i 's/^    \\(\\S\\)/\\t\\1/' Makefile",
            *probe,
        ]
    if "default_goal" in faults:
        out += [
            "# the first rule is the default goal: make sure it is `all`",
            "grep -n -m1 '^[a-z$(][^=]*:' Makefile",
            "sed -i '1i .DEFAULT_GOAL := all' Makefile",
        ]
    if faults & {"objlist_missing", "objlist_misnamed"}:
        if p["tree"]:
            out += [
                "# the module list must match the sources that exist",
                'mods=$(ls src/*.c | xargs -n1 basename | sed "s/\\.c$//" | sort | tr "\\n" " ")',
                'echo "modules on disk: $mods"',
                'sed -i "s/^MODULES = .*/MODULES = ${mods% }/" Makefile',
            ]
        else:
            out += [
                "# the object list must match the sources that exist",
                'objs=$(ls *.c | sed "s/\\.c$/.o/" | sort | tr "\\n" " ")',
                'sed -i "s/^OBJS = .*/OBJS = ${objs% }/" Makefile',
            ]
        out += probe
    if "incdir" in faults:
        out += [
            "# headers live in include/: the compiler must be told",
            "ls include",
            "sed -i 's/^CFLAGS = .*/& -Iinclude/' Makefile",
        ]
    if "nomkdir" in faults:
        out += [
            "# the compiler cannot write into build/ or bin/ before they exist",
            "sed -i '/^$(BUILD)\\/%.o: /a\\\\t@mkdir -p $(@D)' Makefile",
            "sed -i '/^$(BIN): /a\\\\t@mkdir -p $(@D)' Makefile",
            *probe,
        ]
    if "gendep" in faults:
        out += [
            "# lookup.c includes the generated table.h: make it a prerequisite",
            "grep -n 'table.h' src/*.c Makefile",
            "printf '\\n$(BUILD)/lookup.o: $(GEN)\\n' >> Makefile",
        ]
    if "link_first" in faults:
        out += [
            "# $< is only the first prerequisite; the link needs every object ($^)",
            "sed -i 's/-o $@ $< $(LDLIBS)/-o $@ $^ $(LDLIBS)/' Makefile",
        ]
    if "libm" in faults:
        out += [
            "# sqrt() comes from libm",
            "grep -n 'sqrt' " + ("src/*.c" if p["tree"] else "*.c"),
            "sed -i 's/^LDLIBS =.*/LDLIBS = -lm/' Makefile",
            *probe,
        ]
    if "hdrdeps" in faults:
        pattern = "$(BUILD)\\/%.o: src\\/%.c" if p["tree"] else "%.o: %.c"
        out += [
            "# objects must depend on the headers, or editing a header rebuilds nothing",
            f"sed -i 's/^{pattern}$/& $(HEADERS)/' Makefile",
        ]
    if "clean" in faults:
        out += [
            "# clean must remove the build tree, not stray *.o in the top directory",
            "sed -i 's/^\\trm -f \\*\\.o .*/\\trm -rf $(BUILD) bin/' Makefile",
        ]
    if "phony_test" in faults:
        out += [
            "# test/ is a directory, so a non-phony `test` target looks up to date",
            "ls -ld test",
            "sed -i 's/^\\.PHONY: .*/& test/' Makefile",
        ]
    if "install" in faults:
        b = p["bin"]
        out += [
            "# install must honour DESTDIR and PREFIX and create its directories",
            "sed -i '/^install:/,/^$/d' Makefile",
            "printf '%s\\n' 'install: $(BIN)' "
            "'\\tinstall -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1' "
            f"'\\tinstall -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/{b}' "
            f"'\\tinstall -m 0644 doc/{b}.1 $(DESTDIR)$(PREFIX)/share/man/man1/{b}.1' '' "
            "| sed 's/^\\\\t/\\t/' >> Makefile",
        ]
    return out


@dataclass
class Drawn:
    """One task's project, its constants and modules, the planted faults and the header edit."""

    easy: bool
    hard: bool
    name: str
    binary: str
    root: str
    tree: bool
    p: dict  # what the source and Makefile renderers need
    consts: dict[str, int]
    table: list[int]
    table2: list[int]  # (hard) the table after the checker's edit
    edit_key: str
    old: int
    new_val: int
    consts_edit: dict[str, int]
    modules: list[str]
    faults: set[str]
    inc: str = ""
    files: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # path -> sha256 of the original
    bin_rel: str = ""


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the project, its constants and table, the header edit and the Makefile's faults."""
    easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
    name = rng.choice(PROJECTS)
    binary = rng.choice([name, name[:4] + "-cli", name + "ctl", "run" + name[:3]])
    root = f"/app/{name}"
    prefix = "".join(ch for ch in name if ch not in "aeiou")[:3] or name[:3]
    n_ops = {Difficulty.EASY: 3, Difficulty.MEDIUM: 4, Difficulty.HARD: 4}[difficulty]
    ops = rng.sample(OPS, n_ops)
    if hard:
        ops.insert(rng.randrange(1, len(ops) + 1), "lookup")
    tree = not easy
    p = {
        "name": name,
        "bin": binary,
        "prefix": prefix,
        "ops": ops,
        "tree": tree,
        "hard": hard,
        "inc": "",
    }
    consts = {
        "SCALE_MUL": rng.randint(3, 97),
        "SCALE_ADD": rng.randint(1, 999),
        "SCALE_MOD": rng.randint(20011, 65521),
        "FOLD_SHIFT": rng.randint(1, 5),
        "DIGIT_WEIGHT": rng.randint(2, 9),
        "CLAMP_HI": rng.randint(900, 6000),
        "CLAMP_STEP": rng.randint(7, 97),
        "ROT_BITS": rng.randint(1, 15),
    }
    used = {
        "scale": ["SCALE_MUL", "SCALE_ADD", "SCALE_MOD"],
        "fold": ["FOLD_SHIFT"],
        "digits": ["DIGIT_WEIGHT"],
        "clamp": ["CLAMP_HI", "CLAMP_STEP"],
        "rotl": ["ROT_BITS"],
    }
    consts = {k: v for op in ops for k in used.get(op, []) for k, v in [(k, consts[k])]}
    table = [rng.randint(0, 999) for _ in range(rng.randint(8, 16))] if hard else []
    table2 = [rng.randint(0, 999) for _ in range(len(table))] if hard else []

    # the header edit the checker makes to prove header dependencies
    edit_key = rng.choice(sorted(consts))
    old = consts[edit_key]
    new_val = {
        "FOLD_SHIFT": lambda v: v % 5 + 1,
        "ROT_BITS": lambda v: v % 15 + 1,
    }.get(edit_key, lambda v: v + rng.randint(2, 9))(old)
    consts_edit = dict(consts, **{edit_key: new_val})

    modules = sorted(["main", "stats", *ops])
    dropped = rng.choice([m for m in modules if m not in ("main",)])
    bad_name = rng.choice(sorted(ops))
    misnamed = (bad_name, bad_name[:-1] if len(bad_name) > 4 else bad_name + "s")
    p.update(modules=modules, dropped=dropped, misnamed=misnamed)

    objfault = rng.choice(["objlist_missing", "objlist_misnamed"])
    if easy:
        pool = ["tabs", "libm", objfault, "hdrdeps"]
        faults = set(rng.sample(pool, 3))
    elif not hard:
        faults = {"hdrdeps", "install"} | set(
            rng.sample(["tabs", "libm", objfault, "incdir", "nomkdir", "clean", "default_goal"], 4)
        )
    else:
        faults = {"hdrdeps", "install", "gendep", "phony_test", "link_first"} | set(
            rng.sample(["tabs", "libm", objfault, "incdir", "nomkdir", "clean", "default_goal"], 5)
        )
    return Drawn(
        easy=easy,
        hard=hard,
        name=name,
        binary=binary,
        root=root,
        tree=tree,
        p=p,
        consts=consts,
        table=table,
        table2=table2,
        edit_key=edit_key,
        old=old,
        new_val=new_val,
        consts_edit=consts_edit,
        modules=modules,
        faults=faults,
    )


def _project_files(rng: random.Random, d: Drawn) -> None:
    """The project's files: headers, sources, man page, (hard) table and tests, the Makefile."""
    hard, binary, tree, p, consts, table, faults = (
        d.hard,
        d.binary,
        d.tree,
        d.p,
        d.consts,
        d.table,
        d.faults,
    )
    inc = "include/" if tree else ""
    srcdir = "src/" if tree else ""
    files: dict[str, str] = {
        f"{inc}config.h": _config_h(consts),
        f"{inc}ops.h": _ops_h(p),
        f"{inc}stats.h": STATS_H,
        f"{srcdir}main.c": _main_c(p),
        f"{srcdir}stats.c": _stats_c(""),
    }
    for op, text in _c_ops(p).items():
        files[f"{srcdir}{op}.c"] = text
    if tree:
        files[f"doc/{binary}.1"] = (
            f".TH {binary.upper()} 1\n.SH NAME\n{binary} \\- transform integers read from stdin\n"
            f".SH SYNOPSIS\n.B {binary}\n< numbers.txt\n"
        )
    if hard:
        files["data/table.def"] = _table_def(table)
        files["tools/mktable.awk"] = MKTABLE_AWK
        files["test/run.sh"] = RUN_TESTS
        for i in range(2):
            vals = [rng.randint(0, 99999) for _ in range(rng.randint(4, 8))]
            files[f"test/case{i + 1}.in"] = "".join(f"{v}\n" for v in vals)
            files[f"test/case{i + 1}.out"] = _run(p, consts, table, vals)
    sources = {path: hashlib.sha256(text.encode()).hexdigest() for path, text in files.items()}
    makefile = _makefile(p, faults)
    files["Makefile"] = makefile
    bin_rel = f"bin/{binary}" if tree else binary
    d.inc, d.files, d.sources, d.bin_rel = inc, files, sources, bin_rel


def _hidden_cases(rng: random.Random, d: Drawn) -> list[dict]:
    """Inputs the checker runs and the outputs before and after its header and table edits."""
    hard, p, consts, table, table2, consts_edit = (
        d.hard,
        d.p,
        d.consts,
        d.table,
        d.table2,
        d.consts_edit,
    )
    cases = []
    for _ in range(3):
        vals = [rng.randint(0, 999999) for _ in range(rng.randint(12, 40))]
        cases.append(
            {
                "input": "".join(f"{v}\n" for v in vals),
                "output": _run(p, consts, table, vals),
                "output_after_header_edit": _run(p, consts_edit, table, vals),
                "output_after_table_edit": _run(p, consts, table2, vals) if hard else None,
            }
        )
    return cases


def _instruction(rng: random.Random, d: Drawn) -> str:
    """The task text: the requirements on the Makefile (shuffled) and the project's layout."""
    hard, binary, root, tree, inc, bin_rel = d.hard, d.binary, d.root, d.tree, d.inc, d.bin_rel
    rules = [
        "Only the `Makefile` may change: do not edit, rename, add or delete any other file "
        "of the project (the C sources and headers are correct).",
        f"Running plain `make` in `{root}` (no target, no variables) must build `{root}/{bin_rel}`; "
        "`make clean` followed by `make` must also work from scratch.",
        "After a successful build, running `make` again must not recompile or relink anything.",
        f"Editing any header (for example a constant in `{inc}config.h`) must cause every "
        "object that includes it to be recompiled by the next `make`.",
        "`make clean` must remove the binary and every object file it built "
        + ("(and every generated file) " if hard else "")
        + "without touching the sources.",
    ]
    if tree:
        rules.append(
            "`make install DESTDIR=<stage> PREFIX=<prefix>` must install the binary as "
            f"`<stage><prefix>/bin/{binary}` with mode 0755 and the man page `doc/{binary}.1` "
            f"as `<stage><prefix>/share/man/man1/{binary}.1` with mode 0644, creating the "
            "directories as needed; `PREFIX` defaults to `/usr/local` and `DESTDIR` to empty."
        )
    if hard:
        rules += [
            "The build must also succeed as a parallel build (`make -j4` from a clean tree).",
            "`build/table.h` is generated from `data/table.def` by `tools/mktable.awk`; "
            "editing `data/table.def` must regenerate it and rebuild whatever uses it.",
            "`make test` must always run `sh test/run.sh bin/" + binary + "` (even when "
            "nothing needs rebuilding) and exit non-zero when any test case fails.",
        ]
    rng.shuffle(rules)
    layout = (
        "Sources are in `src/`, headers in `include/`, objects go to `build/` and the "
        f"binary to `bin/{binary}`."
        if tree
        else f"Everything lives in the top directory; the binary is `{binary}`."
    )
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(root=root),
            rng.choice(GOALS),
            "",
            "The program reads one non-negative integer per line from standard input, "
            "prints each transformed value on its own line and then a summary line "
            "(`count=... sum=... max=... rms=...`). " + layout,
            "",
            "Requirements:",
            *[f"- {rule}" for rule in rules],
            "",
            f"When you are done, leave the project built (`{root}/{bin_rel}` must exist). "
            "The build is graded as an unprivileged user on a fresh copy of the project.",
        ]
    )
    return instruction


def _expected(d: Drawn, cases: list[dict]) -> dict:
    """Ground truth: sources that must not change, the cases, the edits, install and objects."""
    hard, name, binary, root, tree, inc, bin_rel = (
        d.hard,
        d.name,
        d.binary,
        d.root,
        d.tree,
        d.inc,
        d.bin_rel,
    )
    sources, files, edit_key, old, new_val, table2, modules = (
        d.sources,
        d.files,
        d.edit_key,
        d.old,
        d.new_val,
        d.table2,
        d.modules,
    )
    install_prefix = f"/opt/{name}"
    expected = {
        "root": root,
        "bin": bin_rel,
        "binary_name": binary,
        "sources": sources,
        "source_texts": {k: v for k, v in files.items() if k != "Makefile"},
        "cases": cases,
        "edit_header": f"{inc}config.h",
        "edit_from": f"#define {edit_key} {old}\n",
        "edit_to": f"#define {edit_key} {new_val}\n",
        "table_def": "data/table.def" if hard else None,
        "table_edit": _table_def(table2) if hard else None,
        "tree": tree,
        "hard": hard,
        "parallel": hard,
        "install_prefix": install_prefix if tree else None,
        "man": f"doc/{binary}.1" if tree else None,
        "objects": [f"build/{m}.o" if tree else f"{m}.o" for m in modules],
        "generated": ["build/table.h"] if hard else [],
    }
    return expected


@register
class MakefileRepair(TemplateFamily):
    name = "makefile-repair"
    result_paths = ("/app", "/opt")  # the install prefix is /opt/<project>
    domain = Domain.BUILD_TOOLS
    description = "Repair a broken Makefile of a small C project so it builds, rebuilds on header edits and installs."

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _project_files(rng, drawn)
        cases = _hidden_cases(rng, drawn)
        instruction = _instruction(rng, drawn)
        expected = _expected(drawn, cases)
        name, root, hard, tree, p, faults, bin_rel, files = (
            drawn.name,
            drawn.root,
            drawn.hard,
            drawn.tree,
            drawn.p,
            drawn.faults,
            drawn.bin_rel,
            drawn.files,
        )
        dockerfile = f"COPY {name}/ {root}/\n"
        solution = self._solution(p, faults, root, bin_rel, files, hard, tree)
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            dockerfile=dockerfile,
            files={f"{name}/{path}": text for path, text in files.items()},
            tags=["make", "c", "makefile"] + (["install", "parallel-build"] if hard else []),
        )

    def _solution(self, p, faults, root, bin_rel, files, hard, tree) -> str:
        sample = next(iter(sorted(k for k in files if k.endswith(".c"))))
        lines = [
            "# Reference solution: read the Makefile, let make report each fault, fix it, verify.",
            f"cd {root}",
            "ls -la" + (" src include" if tree else ""),
            "cp Makefile /tmp/Makefile.orig",
            "wc -l Makefile",
            "cat -A Makefile | head -n 60",
            "# the rules it defines",
            "awk -F: '/^[^\\t#=]+:/ {print NR \": \" $1}' Makefile",
            f"head -n 5 {sample}",
            "make 2>&1 | tail -n 5 || true",
            *_fixes(p, faults),
            "# rebuild from scratch and exercise the binary",
            "make clean",
            "free -m  # room for parallel compilers?" if hard else "nproc",
            f"make {'-j4' if hard else ''}".strip(),
            f"file {bin_rel}",
            f"size {bin_rel}",
            f"strings -a {bin_rel} | grep -m 1 'GCC:' || true  # the compiler that built it",
            f"nm {bin_rel} | grep -i sqrt",
            f"printf '3\\n14\\n159\\n2653\\n' | ./{bin_rel}",
            "# a second make must be a no-op; touching a header must recompile",
            f"before=$(stat -c %Y {bin_rel})",
            "make | tee /tmp/second-make.log",
            f'test "$(stat -c %Y {bin_rel})" = "$before"',
            "sleep 1",
            f"touch {'include/' if tree else ''}config.h",
            "make | grep -c -- '-c -o'",
        ]
        if tree:
            lines += [
                "rm -rf /tmp/stage",
                f"make install DESTDIR=/tmp/stage PREFIX=/opt/{p['name']}",
                "find /tmp/stage -type f -exec ls -l {} +",
            ]
        if hard:
            lines += ["make test", "make clean && make -j4"]
        lines += ["diff -u /tmp/Makefile.orig Makefile || true"]
        return "\n".join(lines) + "\n"
