"""Package a pure-Python tool as a wheel with exact metadata, an entry point and package data.

The generator writes the package (a price calculator whose tables and, on hard instances,
output templates are package data) so it knows what the installed command prints. Easy
instances have a src layout and no packaging config at all; medium and hard ones are a flat
layout with a second top-level package that must stay out of the wheel (setuptools refuses to
guess), a broken pyproject.toml (old distribution name, entry point naming a function that does
not exist, data files missing or over-included, `requires-python` the installed Python does not
satisfy, a dynamic version read from a stale `__version__`, templates excluded) and a stale
`build/lib` holding a module that would leak into the wheel. The checker opens the wheel with
zipfile (name, version, metadata, entry points, exact file list, RECORD hashes), installs it
offline into a scratch target as `nobody` and runs the console script on hidden inputs.
"""

from __future__ import annotations

import hashlib
import json
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

PACKAGES = [
    "tariffcalc",
    "shipfee",
    "ratecard",
    "billkit",
    "pricetag",
    "dutycalc",
    "levykit",
    "quotewise",
    "costline",
    "feebook",
]
ORGS = ["acme", "northwind", "contoso", "globex", "initech", "umbrella", "hooli", "vandelay"]
OUT_DIRS = ["/app/dist", "/app/wheelhouse", "/app/artifacts", "/app/release"]
CLASSES = ["standard", "reduced", "zero", "luxury"]
SUMMARIES = [
    "Price calculator for order lines with tax classes",
    "Compute taxed totals for item codes read from stdin",
    "Small CLI that prices order lines from bundled tables",
]
LICENSE = """MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files, to deal in the Software without restriction.
"""

OPENINGS = [
    "`{root}` contains a small pure-Python command-line tool that has never been released.",
    "The Python project in `{root}` needs to be shipped as a wheel.",
    "Release engineering asked for an installable wheel of the tool in `{root}`.",
    "We want to publish the price calculator in `{root}` as a proper Python distribution.",
]
GOALS = [
    "Build its wheel so that it satisfies every requirement below.",
    "Produce a correct wheel for it, following the packaging requirements below.",
    "Package it (offline, with the setuptools already installed) as described below.",
]


def _init_py(pkg: str, stale_version: str) -> str:
    return (
        f'"""{pkg}: price order lines using bundled tables."""\n\n__version__ = "{stale_version}"\n'
    )


def _core_py(templated: bool) -> str:
    render = (
        """

def render_line(code, qty, cents):
    template = (resources.files(__package__) / "templates" / "line.tmpl").read_text()
    return template.strip("\\n").format(code=code, qty=qty, cents=cents)


def render_header():
    return (resources.files(__package__) / "templates" / "header.tmpl").read_text().strip("\\n")
"""
        if templated
        else """

def render_line(code, qty, cents):
    return f"{code} x{qty} = {cents}"
"""
    )
    return (
        '''"""Pricing rules; the tables ship as package data."""

import json
from importlib import resources


def load_tables():
    base = resources.files(__package__) / "data"
    items = json.loads((base / "items.json").read_text())
    rates = json.loads((base / "rates.json").read_text())
    return items, rates


def price(items, rates, code, qty):
    """Taxed price in cents: gross plus tax in basis points, rounded half up."""
    item = items[code]
    gross = item["cents"] * qty
    return gross + (gross * rates[item["class"]] + 5000) // 10000
'''
        + render
    )


def _cli_py(dist: str, cmd: str, templated: bool) -> str:
    header = "    print(core.render_header())\n" if templated else ""
    return f'''"""Command-line entry point: read `<code> <qty>` lines on stdin, print priced lines."""

import sys
from importlib import metadata

from . import core

DIST_NAME = "{dist}"
PROG = "{cmd}"


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--version"]:
        print(f"{{PROG}} {{metadata.version(DIST_NAME)}}")
        return 0
    items, rates = core.load_tables()
    total = 0
{header}    for raw in sys.stdin:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, qty = line.split()
        cents = core.price(items, rates, code, int(qty))
        total += cents
        print(core.render_line(code, int(qty), cents))
    print(f"TOTAL {{total}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def _test_py(pkg: str) -> str:
    return f"""from {pkg} import core


def test_price_rounds_half_up():
    items = {{"X": {{"cents": 3, "class": "c"}}}}
    assert core.price(items, {{"c": 5000}}, "X", 1) == 5
"""


def _pyproject(p: dict, faults: set[str]) -> str:
    name = p["old_name"] if "name" in faults else p["dist"]
    lines = [
        "[build-system]",
        'requires = ["setuptools>=61"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f'name = "{name}"',
    ]
    lines += ['dynamic = ["version"]'] if "version" in faults else [f'version = "{p["version"]}"']
    lines += [f'description = "{p["summary"]}"', 'readme = "README.md"']
    lines += [f'requires-python = "{">=3.12" if "pyreq" in faults else ">=3.9"}"']
    if p["hard"]:
        lines += ["", "[project.optional-dependencies]", f'yaml = ["pyyaml>={p["yaml_min"]}"]']
    func = "run" if "script" in faults else "main"
    lines += ["", "[project.scripts]", f'{p["cmd"]} = "{p["pkg"]}.cli:{func}"']
    if "flat" not in faults:
        lines += ["", "[tool.setuptools.packages.find]", f'include = ["{p["pkg"]}*"]']
    if "version" in faults:
        lines += ["", "[tool.setuptools.dynamic]", f'version = {{attr = "{p["pkg"]}.__version__"}}']
    data = ", ".join(f'"{d}"' for d in p["data_globs"])
    lines += ["", "[tool.setuptools.package-data]"]
    lines += [f'{p["pkg"]} = ["data/*"]' if "pkgdata" in faults else f"{p['pkg']} = [{data}]"]
    if "exclude" in faults:
        lines += ["", "[tool.setuptools.exclude-package-data]", f'{p["pkg"]} = ["*.tmpl"]']
    return "\n".join(lines) + "\n"


def _run(items: dict, rates: dict, lines: list[tuple[str, int]], templates: dict | None) -> str:
    out = [templates["header"].strip("\n")] if templates else []
    total = 0
    for code, qty in lines:
        gross = items[code]["cents"] * qty
        cents = gross + (gross * rates[items[code]["class"]] + 5000) // 10000
        total += cents
        if templates:
            out.append(templates["line"].strip("\n").format(code=code, qty=qty, cents=cents))
        else:
            out.append(f"{code} x{qty} = {cents}")
    out.append(f"TOTAL {total}")
    return "\n".join(out) + "\n"


@register
class WheelPackaging(TemplateFamily):
    name = "wheel-packaging"
    domain = Domain.BUILD_TOOLS
    description = (
        "Package a pure-Python CLI as a wheel with exact metadata, entry point and package data."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
        pkg = rng.choice(PACKAGES)
        org = rng.choice(ORGS)
        dist = f"{org}-{pkg}"
        root = f"/app/{pkg}"
        out_dir = rng.choice(OUT_DIRS)
        cmd = rng.choice([pkg, f"{pkg[:5]}-cli", f"{org}-{pkg[:4]}", f"run-{pkg[:5]}"])
        major, minor, patch = rng.randint(1, 5), rng.randint(0, 15), rng.randint(0, 20)
        version = f"{major}.{minor}.{patch}"
        if hard:
            version += rng.choice(["", f"rc{rng.randint(1, 4)}", f".post{rng.randint(1, 3)}"])
        stale_version = f"0.{rng.randint(1, 9)}.0"
        summary = rng.choice(SUMMARIES)
        templated = hard
        flat = not easy
        p = {
            "pkg": pkg,
            "dist": dist,
            "old_name": rng.choice([pkg, f"{pkg}-tool", f"{org}_{pkg}_legacy"]),
            "cmd": cmd,
            "version": version,
            "summary": summary,
            "hard": hard,
            "yaml_min": f"{rng.randint(5, 6)}.{rng.randint(0, 4)}",
            "data_globs": ["data/*.json"] + (["templates/*.tmpl", "py.typed"] if hard else []),
        }
        if easy:
            faults: set[str] = set()
        elif not hard:
            faults = {"name", "script", "pkgdata", "flat", "stale_build"} | {
                rng.choice(["pyreq", "version"])
            }
        else:
            faults = {
                "name",
                "script",
                "pkgdata",
                "flat",
                "stale_build",
                "pyreq",
                "version",
                "exclude",
            }

        # package data
        codes = sorted(
            {
                f"{rng.choice('ABCDEFGHKMPRST')}{rng.randint(100, 999)}"
                for _ in range(rng.randint(8, 16))
            }
        )
        rates = {
            "standard": rng.randint(1500, 2500),
            "reduced": rng.randint(400, 900),
            "zero": 0,
            "luxury": rng.randint(2600, 3800),
        }
        items = {c: {"cents": rng.randint(50, 99999), "class": rng.choice(CLASSES)} for c in codes}
        width = rng.randint(8, 12)
        templates = (
            {
                "header": f"{'CODE':<{width}}{'QTY':>5} {'CENTS':>10}\n",
                "line": f"{{code:<{width}}}{{qty:>5}} {{cents:>10}}\n",
            }
            if templated
            else None
        )

        base = f"src/{pkg}" if not flat else pkg
        files: dict[str, str] = {
            f"{base}/__init__.py": _init_py(pkg, stale_version),
            f"{base}/core.py": _core_py(templated),
            f"{base}/cli.py": _cli_py(dist, cmd, templated),
            f"{base}/data/items.json": json.dumps(items, indent=2, sort_keys=True) + "\n",
            f"{base}/data/rates.json": json.dumps(rates, indent=2, sort_keys=True) + "\n",
            "README.md": f"# {pkg}\n\n{summary}.\n\nUsage: `{cmd} < order.txt`\n",
            "LICENSE": LICENSE,
            "tests/test_core.py": _test_py(pkg),
        }
        if flat:
            files[f"{base}/data/NOTES.draft"] = "todo: add the 2027 rates before release\n"
            files["legacy/__init__.py"] = '"""The pre-2024 implementation, kept for reference."""\n'
            files["legacy/pricing.py"] = "def price(x):\n    return x * 1.2\n"
        if templated:
            files[f"{base}/templates/header.tmpl"] = templates["header"]
            files[f"{base}/templates/line.tmpl"] = templates["line"]
            files[f"{base}/py.typed"] = ""
        package_files = {
            path[len(base) - len(pkg) :]: text
            for path, text in files.items()
            if path.startswith(base + "/") and not path.endswith(".draft")
        }
        sources = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in sorted(files.items())}
        build_files: dict[str, str] = {}
        if not easy:
            build_files["pyproject.toml"] = _pyproject(p, faults)
        if "stale_build" in faults:
            build_files[f"build/lib/{pkg}/_old_cli.py"] = "print('deprecated entry point')\n"
            build_files[f"build/lib/{pkg}/__init__.py"] = files[f"{base}/__init__.py"]

        # hidden cases
        cases = []
        for _ in range(3):
            lines = [(rng.choice(codes), rng.randint(1, 40)) for _ in range(rng.randint(5, 14))]
            text = "".join(f"{c} {q}\n" for c, q in lines)
            if rng.random() < 0.7:
                text = "# order lines\n" + text + "\n"
            cases.append({"input": text, "output": _run(items, rates, lines, templates)})

        wheel_name = f"{dist.replace('-', '_')}-{version}-py3-none-any.whl"
        data_desc = "`data/*.json`" + (
            ", `templates/*.tmpl` and the `py.typed` marker" if templated else ""
        )
        rules = [
            f"Distribution name `{dist}`, version `{version}`; build exactly one wheel, "
            f"`{out_dir}/{wheel_name}` (no other `.whl` file in `{out_dir}`).",
            f"It must be a valid pure-Python wheel (tag `py3-none-any`, a RECORD listing every "
            f"file with its sha256 and size) containing the package "
            f"`{pkg}` and nothing else outside its `.dist-info`: every module of the package, "
            f"plus exactly its data files {data_desc} (no other files, no other packages, "
            "no tests).",
            f"It must declare the console script `{cmd}` running `{pkg}.cli:main`.",
            f"Do not modify anything in the package directory `{root}/{base}` (the code, its "
            f"data{', templates' if templated else ''} and `__init__.py` stay as they are), nor "
            "`tests/`" + (" or `legacy/`" if flat else "") + ".",
            "Build offline with the installed setuptools and wheel (for example "
            "`pip wheel --no-deps --no-build-isolation`); nothing may be downloaded.",
        ]
        if not easy:
            rules += [
                f"Its metadata must have `Summary: {summary}` and `Requires-Python: >=3.9`.",
            ]
        if hard:
            rules.append(
                f"It must declare an optional extra `yaml` requiring `pyyaml>={p['yaml_min']}` "
                "(metadata `Provides-Extra: yaml`)."
            )
        rng.shuffle(rules)
        intro = (
            "There is no packaging configuration yet; the package lives in `src/`."
            if easy
            else "A `pyproject.toml` exists but was written for an older release and is wrong "
            "in several ways; a leftover `build/` directory from that release may still exist."
        )
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(root=root),
                rng.choice(GOALS),
                "",
                intro,
                "",
                "Requirements for the wheel:",
                *[f"- {rule}" for rule in rules],
                "",
                f"The grader installs your wheel offline into a scratch directory and runs `{cmd}` "
                f"(order lines on standard input, and `{cmd} --version`, which must print "
                f"`{cmd} {version}`).",
            ]
        )
        expected = {
            "root": root,
            "out_dir": out_dir,
            "wheel_name": wheel_name,
            "dist": dist,
            "version": version,
            "cmd": cmd,
            "pkg": pkg,
            "summary": summary if not easy else None,
            "requires_python": ">=3.9" if not easy else None,
            "extra": {"name": "yaml", "requirement": f"pyyaml>={p['yaml_min']}"} if hard else None,
            "package_files": package_files,
            "sources": sources,
            "cases": cases,
        }
        all_files = {**files, **build_files}
        return Instance(
            instruction=instruction,
            solution=self._solution(p, faults, root, base, out_dir, easy),
            checker=self.asset("check.py"),
            expected=expected,
            dockerfile=f"COPY {pkg}/ {root}/\n",
            files={f"{pkg}/{path}": text for path, text in all_files.items()},
            tags=["python", "packaging", "wheel", "setuptools"],
        )

    def _solution(self, p, faults, root, base, out_dir, easy) -> str:
        pkg, cmd, dist, version = p["pkg"], p["cmd"], p["dist"], p["version"]
        lines = [
            "# Reference solution: inspect the project, write/fix pyproject.toml, build, verify.",
            f"cd {root}",
            "find . -type f -not -path './build/*' | sort",
            f"grep -n 'def main' {base}/cli.py",
            f"grep -rn 'resources.files' {base}",
            f"ls {base}/data",
        ]
        globs = ", ".join(f'"{g}"' for g in p["data_globs"])
        if easy:
            lines += [
                "python3 -c 'import setuptools, wheel; print(setuptools.__version__, wheel.__version__)'",
                "cat > pyproject.toml <<'EOF'",
                "[build-system]",
                'requires = ["setuptools>=61"]',
                'build-backend = "setuptools.build_meta"',
                "",
                "[project]",
                f'name = "{dist}"',
                f'version = "{version}"',
                'readme = "README.md"',
                "",
                "[project.scripts]",
                f'{cmd} = "{pkg}.cli:main"',
                "",
                "[tool.setuptools.packages.find]",
                'where = ["src"]',
                "",
                "[tool.setuptools.package-data]",
                f"{pkg} = [{globs}]",
                "EOF",
            ]
        else:
            lines += ["cat pyproject.toml"]
            if "stale_build" in faults:
                lines += [
                    "# a leftover build/lib would leak stale modules into the wheel",
                    "find build -type f",
                    "rm -rf build",
                ]
            lines += [
                "# a first attempt shows the first problem",
                "pip wheel --no-deps --no-build-isolation -w /tmp/probe . 2>&1 | tail -n 5 || true",
            ]
            if "pyreq" in faults:
                lines += [
                    "python3 --version",
                    "sed -i 's/^requires-python = .*/requires-python = \">=3.9\"/' pyproject.toml",
                ]
            if "flat" in faults:
                lines += [
                    "# flat layout with two top-level packages: only ours may be found",
                    "ls -d */",
                    f"printf '\\n[tool.setuptools.packages.find]\\ninclude = [\"{pkg}*\"]\\n' >> pyproject.toml",
                ]
            if "name" in faults:
                lines += [f"sed -i 's/^name = .*/name = \"{dist}\"/' pyproject.toml"]
            if "version" in faults:
                lines += [
                    "# the dynamic version reads a stale __version__; pin the release version",
                    f"grep -n __version__ {base}/__init__.py",
                    f'sed -i \'s/^dynamic = \\["version"\\]/version = "{version}"/\' pyproject.toml',
                    "sed -i '/^\\[tool.setuptools.dynamic\\]/,/^$/d' pyproject.toml",
                ]
            if "script" in faults:
                lines += [
                    "# the entry point names a function that does not exist",
                    f"grep -n '^def ' {base}/cli.py",
                    f'sed -i \'s/^\\({cmd} = "{pkg}\\.cli:\\)run"/\\1main"/\' pyproject.toml',
                ]
            if "exclude" in faults:
                lines += [
                    "# templates are excluded from package data: drop that table",
                    "sed -i '/^\\[tool.setuptools.exclude-package-data\\]/,/^$/d' pyproject.toml",
                    f"sed -i '/^{pkg} = \\[\"\\*.tmpl\"\\]/d' pyproject.toml",
                ]
            if "pkgdata" in faults:
                lines += [
                    "# ship exactly the data files the code reads (not NOTES.draft)",
                    f"sed -i 's#^{pkg} = \\[\"data/\\*\"\\]#{pkg} = [{globs}]#' pyproject.toml",
                ]
            lines += ["cat pyproject.toml"]
        lines += [
            "# build offline into the release directory and inspect the result",
            f"rm -rf {out_dir} build *.egg-info src/*.egg-info",
            f"mkdir -p {out_dir}",
            f"pip wheel --no-deps --no-build-isolation -w {out_dir} .",
            f"ls -l {out_dir}",
            f"python3 -m zipfile -l {out_dir}/*.whl",
            "rm -rf /tmp/unpacked",
            f"python3 -m zipfile -e {out_dir}/*.whl /tmp/unpacked",
            "cat /tmp/unpacked/*.dist-info/METADATA /tmp/unpacked/*.dist-info/entry_points.txt",
            "awk -F, '{print $1}' /tmp/unpacked/*.dist-info/RECORD",
            f"cmp {base}/cli.py /tmp/unpacked/{pkg}/cli.py",
            f"stat -c '%s bytes' {out_dir}/*.whl",
            "rm -rf /tmp/wheelcheck",
            f"pip install --no-deps --no-index --no-cache-dir --target /tmp/wheelcheck {out_dir}/*.whl",
            f"PYTHONPATH=/tmp/wheelcheck /tmp/wheelcheck/bin/{cmd} --version",
            f"head -n 3 {base}/data/items.json",
            f"code=$(python3 -c 'import json; print(sorted(json.load(open(\"{base}/data/items.json\")))[0])')",
            f'printf "%s 3\\n" "$code" | PYTHONPATH=/tmp/wheelcheck /tmp/wheelcheck/bin/{cmd}',
            f"sha256sum {out_dir}/*.whl",
        ]
        return "\n".join(lines) + "\n"
