"""Build and install a versioned shared library (SONAME, symlink chain) and a relocatable tool.

The generator writes a small C hashing library (FNV-1a with seeded constants and a score
derived from it) and a tool using it, so it knows what the tool prints. The agent must compile
`lib<name>.so.X.Y.Z` with SONAME `lib<name>.so.X`, install the symlinks, the header and a tool
whose RUNPATH is `$ORIGIN/../lib`. Medium instances install over a stale older release (old
header, old symlinks, a tool with an absolute RPATH) and add a pkg-config file; hard instances
add a second library layered on the first (the tool links only to it; it finds the first via
its own `$ORIGIN` RUNPATH) and require that only the public API is exported. The checker reads
the ELF dynamic sections with readelf, relocates the prefix, runs the tool as `nobody`, swaps in
a library rebuilt with different constants (the tool must pick it up), and compiles its own
program against the installed header and development symlink.
"""

from __future__ import annotations

import hashlib
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

NAMES = ["fnvkit", "wordhash", "tallyhash", "glyphsum", "keymix", "hashlet", "sigil", "tagsum"]
PREFIXES = ["/opt/{n}", "/srv/{n}", "/app/dist/{n}", "/usr/local/{n}-{v}"]
WORDS = [
    "apple",
    "banana",
    "cherry",
    "delta",
    "echo",
    "foxtrot",
    "gamma",
    "harbor",
    "island",
    "jungle",
    "kernel",
    "lambda",
    "matrix",
    "nectar",
    "orbit",
    "pepper",
    "quartz",
    "radar",
    "saddle",
    "tundra",
    "umbra",
    "vortex",
    "willow",
    "xenon",
    "yodel",
    "zephyr",
    "anchor",
    "bridge",
    "castle",
    "dragon",
    "ember",
    "falcon",
    "glacier",
    "hollow",
    "ivory",
    "jasper",
]

OPENINGS = [
    "`{root}` holds the sources of the C library `lib{n}` and of a small tool, `{prog}`, that uses it.",
    "We need a proper shared-library release of `lib{n}` (sources in `{root}`) together with its tool `{prog}`.",
    "The C project in `{root}` builds a hashing library, `lib{n}`, and a command-line tool `{prog}`.",
    "Packaging asked for `lib{n}` (in `{root}`) to be shipped as a versioned shared library, with the `{prog}` tool.",
]
GOALS = [
    "Build them and install everything into `{prefix}` as described below.",
    "Compile and install them under the prefix `{prefix}` following the rules below.",
    "Produce an installation in `{prefix}` that meets every requirement below.",
]


def _u32(x: int) -> int:
    return x & 0xFFFFFFFF


def _hash(word: str, c: dict) -> int:
    h = c["basis"]
    for b in word.encode():
        h = _u32((h ^ b) * c["prime"])
    h ^= h >> c["shift"]
    return _u32(h * c["mixmul"])


def _score(word: str, c: dict) -> int:
    return (len(word) * c["k1"] + (_hash(word, c) & 0xFFFF) * c["k2"]) % c["mod"]


def _tool_output(words: list[str], c: dict, tag: str | None) -> str:
    out = []
    for w in words:
        if tag is None:
            out.append(f"{w} {_hash(w, c):08x} {_score(w, c)}")
        else:
            out.append(f"{w}|{_hash(w, c):08x}|{_score(w, c)}|{tag}")
    out.append(f"words={len(words)}")
    return "\n".join(out) + "\n"


def _api_output(words: list[str], c: dict) -> str:
    return "".join(f"{_hash(w, c):08x} {_score(w, c)}\n" for w in words)


def _sources(p: dict, c: dict) -> dict[str, str]:
    n, up = p["n"], p["n"].upper()
    header = f"""#ifndef {up}_H
#define {up}_H

#define {up}_API __attribute__((visibility("default")))
#define {up}_VERSION "{p["version"]}"

/* 32-bit FNV-1a hash of a NUL-terminated string, with a final mixing step. */
{up}_API unsigned long {n}_hash(const char *s);

/* A small score derived from the length and the hash of the string. */
{up}_API long {n}_score(const char *s);

#endif
"""
    mix_body = f"""{{
    h ^= h >> {c["shift"]};
    return (h * {c["mixmul"]}UL) & 0xFFFFFFFFUL;
}}
"""
    hash_fn = f"""unsigned long {n}_hash(const char *s)
{{
    unsigned long h = HASH_BASIS;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = ((h ^ *p) * HASH_PRIME) & 0xFFFFFFFFUL;
    return {"impl_mix" if p["hard"] else "mix"}(h);
}}
"""
    score_fn = f"""long {n}_score(const char *s)
{{
    long len = (long)strlen(s);
    return (len * {c["k1"]}L + (long)({n}_hash(s) & 0xFFFFUL) * {c["k2"]}L) % {c["mod"]}L;
}}
"""
    consts = f"#define HASH_BASIS 0x{c['basis']:08x}UL\n#define HASH_PRIME {c['prime']}UL\n"
    files: dict[str, str] = {f"include/{n}.h": header}
    if p["level"] == "easy":
        files[f"src/{n}.c"] = (
            f'#include <string.h>\n#include "{n}.h"\n\n{consts}\n'
            f"static unsigned long mix(unsigned long h)\n{mix_body}\n{hash_fn}\n{score_fn}"
        )
    else:
        mix = (
            ('#include "mix.h"\n\n' if p["hard"] else "")
            + f"{'' if p['hard'] else 'static '}unsigned long {'impl_mix' if p['hard'] else 'mix'}(unsigned long h)\n{mix_body}"
        )
        if p["hard"]:
            files[f"src/{n}/mix.h"] = (
                "#ifndef MIX_H\n#define MIX_H\n\n/* internal helper: not part of the API */\n"
                "unsigned long impl_mix(unsigned long h);\n\n#endif\n"
            )
            files[f"src/{n}/mix.c"] = mix
            files[f"src/{n}/hash.c"] = f'#include "{n}.h"\n#include "mix.h"\n\n{consts}\n{hash_fn}'
        else:
            files[f"src/{n}/hash.c"] = f'#include "{n}.h"\n\n{consts}\n{mix}\n{hash_fn}'
        files[f"src/{n}/score.c"] = f'#include <string.h>\n#include "{n}.h"\n\n{score_fn}'
    if p["hard"]:
        n2, up2 = p["n2"], p["n2"].upper()
        files[f"include/{n2}.h"] = f"""#ifndef {up2}_H
#define {up2}_H

#include <stddef.h>

#define {up2}_API __attribute__((visibility("default")))

/* Format `word|hash|score|tag` into out (at most cap bytes); returns the length. */
{up2}_API int {n2}_format(const char *word, char *out, size_t cap);

#endif
"""
        files[f"src/{n2}/format.c"] = f"""#include <stdio.h>
#include "{n}.h"
#include "{n2}.h"

#define TAG "{p["tag"]}"

int {n2}_format(const char *word, char *out, size_t cap)
{{
    return snprintf(out, cap, "%s|%08lx|%ld|%s", word, {n}_hash(word), {n}_score(word), TAG);
}}
"""
        body = f"""        char line[512];
        {n2}_format(word, line, sizeof line);
        puts(line);
"""
        inc = f'#include "{n2}.h"\n'
    else:
        body = f'        printf("%s %08lx %ld\\n", word, {n}_hash(word), {n}_score(word));\n'
        inc = f'#include "{n}.h"\n'
    files["tool/main.c"] = f"""#include <stdio.h>
{inc}
int main(void)
{{
    char word[256];
    unsigned long count = 0;
    while (scanf("%255s", word) == 1) {{
{body}        count++;
    }}
    printf("words=%lu\\n", count);
    return 0;
}}
"""
    return files


def _old_release(p: dict) -> dict[str, str]:
    """Sources of the previous major release, compiled into the prefix at image build time."""
    n, up = p["n"], p["n"].upper()
    return {
        f"{n}.h": f'#ifndef {up}_H\n#define {up}_H\n#define {up}_VERSION "{p["old_version"]}"\n'
        f"unsigned long {n}_hash(const char *s);\n#endif\n",
        f"{n}.c": f'#include "{n}.h"\nunsigned long {n}_hash(const char *s)\n{{\n'
        "    unsigned long h = 5381;\n    while (*s)\n        h = h * 33 + (unsigned char)*s++;\n"
        "    return h & 0xFFFFFFFFUL;\n}\n",
        "main.c": f'#include <stdio.h>\n#include "{n}.h"\nint main(void)\n{{\n    char w[256];\n'
        f'    while (scanf("%255s", w) == 1)\n        printf("%s %08lx\\n", w, {n}_hash(w));\n'
        "    return 0;\n}\n",
    }


@register
class SharedLibInstall(TemplateFamily):
    name = "shared-lib-install"
    result_paths = ("/app",)  # and the drawn install prefix, named per instance
    domain = Domain.BUILD_TOOLS
    description = "Build a versioned shared library (SONAME, symlinks) and a tool with an $ORIGIN RPATH into a prefix."

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
        level = difficulty.value
        n = rng.choice(NAMES)
        root = f"/app/{n}-src"
        prog = rng.choice([f"{n}-dump", f"{n[:4]}scan", f"run{n[:4]}", f"{n}ctl"])
        major = rng.randint(2, 6)
        version = f"{major}.{rng.randint(0, 9)}.{rng.randint(0, 19)}"
        prefix = rng.choice(PREFIXES).format(n=n, v=major)
        n2 = f"{n}fmt"
        major2 = rng.randint(1, 3)
        version2 = f"{major2}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
        p = {
            "n": n,
            "n2": n2,
            "level": level,
            "hard": hard,
            "version": version,
            "old_version": f"{major - 1}.{rng.randint(0, 9)}.0",
            "tag": f"{n2}-{major2}",
        }
        c = {
            "basis": rng.randrange(0x01000000, 0xFFFFFFFF),
            "prime": rng.choice([16777619, 16777633, 16777639, 16777643, 16777669]),
            "shift": rng.randint(7, 17),
            "mixmul": rng.randrange(0x10001, 0x7FFFFFFF, 2),
            "k1": rng.randint(3, 97),
            "k2": rng.randint(3, 97),
            "mod": rng.randint(10007, 99991),
        }
        swapped = dict(c, basis=rng.randrange(0x01000000, 0xFFFFFFFF))
        sources = _sources(p, c)
        hash_file = f"src/{n}.c" if easy else f"src/{n}/hash.c"
        lib_dir = "src" if easy else f"src/{n}"

        tag = p["tag"] if hard else None
        cases = []
        for _ in range(3):
            words = rng.sample(WORDS, rng.randint(5, 12))
            text = " ".join(words[: len(words) // 2]) + "\n" + "\n".join(words[len(words) // 2 :])
            cases.append(
                {
                    "input": text + "\n",
                    "output": _tool_output(words, c, tag),
                    "output_swapped": _tool_output(words, swapped, tag),
                    "api_output": _api_output(words, c),
                }
            )

        real = f"lib{n}.so.{version}"
        soname = f"lib{n}.so.{major}"
        real2, soname2 = f"lib{n2}.so.{version2}", f"lib{n2}.so.{major2}"
        rules = [
            f"`{prefix}/lib/{real}` is the library itself: an ELF shared object built from "
            f"`{lib_dir}/` with SONAME `{soname}`.",
            f"`{prefix}/lib/{soname}` is a symlink to `{real}` and `{prefix}/lib/lib{n}.so` is a "
            f"symlink to `{soname}` (relative link targets, just the file names).",
            f"`{prefix}/include/{n}.h` is the public header, identical to `include/{n}.h`.",
            f"`{prefix}/bin/{prog}` is the tool built from `tool/main.c`, dynamically linked "
            f"(it must not contain the library code itself), with RUNPATH (or RPATH) exactly "
            "`$ORIGIN/../lib`, so it runs without LD_LIBRARY_PATH even after the whole prefix "
            "is copied elsewhere.",
            "Do not modify the sources under `include/`, `src/` and `tool/`; build wherever you "
            "like, but install only into the prefix.",
        ]
        if not hard:
            rules.append(f"`{prog}` must record `{soname}` (not `lib{n}.so`) as a NEEDED entry.")
        if not easy:
            rules += [
                f"A previous release (`lib{n}` {p['old_version']}) is already installed in "
                f"`{prefix}`; the old library file may stay, but every link, the header and the "
                "tool must be the new ones.",
                f"`{prefix}/lib/pkgconfig/{n}.pc` must describe the library: `prefix={prefix}`, "
                f"`Version: {version}`, `Libs:` with `-L` pointing at `{prefix}/lib` and "
                f"`-l{n}`, `Cflags:` with `-I` pointing at `{prefix}/include` (variables such "
                "as `${prefix}` may be used).",
            ]
        if hard:
            rules += [
                f"Also build `lib{n2}` from `src/{n2}/` and install `{prefix}/lib/{real2}` "
                f"(SONAME `{soname2}`), the symlinks `{soname2}` -> `{real2}` and `lib{n2}.so` "
                f"-> `{soname2}`, and the header `{prefix}/include/{n2}.h`. `lib{n2}` uses "
                f"`lib{n}`: it must list `{soname}` as NEEDED and have RUNPATH (or RPATH) "
                "exactly `$ORIGIN`.",
                f"`{prog}` uses only the `lib{n2}` API: it must list `{soname2}` and must not "
                f"list `{soname}` among its NEEDED entries.",
                f"Each library must export only its public API: the defined dynamic symbols of "
                f"`{real}` must be exactly `{n}_hash` and `{n}_score`, and of `{real2}` exactly "
                f"`{n2}_format` (internal helpers such as `impl_mix` must stay hidden).",
            ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(root=root, n=n, prog=prog),
                rng.choice(GOALS).format(prefix=prefix),
                "",
                "Requirements:",
                *[f"- {rule}" for rule in rules],
                "",
                f"The tool reads whitespace-separated words on standard input. The grader copies "
                f"`{prefix}` to another location, runs the tool there as an unprivileged user, "
                f"replaces `lib/{real}` in that copy with a rebuild of the library (the tool must "
                "load the replacement through the SONAME link), and compiles a small program of "
                f"its own against the installed header and `-l{n}`.",
            ]
        )
        expected = {
            "root": root,
            "prefix": prefix,
            "n": n,
            "prog": prog,
            "version": version,
            "real": real,
            "soname": soname,
            "hard": hard,
            "pkgconfig": not easy,
            "lib2": {"n": n2, "real": real2, "soname": soname2, "dir": f"src/{n2}"}
            if hard
            else None,
            "sources": {
                k: hashlib.sha256(v.encode()).hexdigest() for k, v in sorted(sources.items())
            },
            "source_texts": sources,
            "lib_dir": lib_dir,
            "hash_file": hash_file,
            "basis_from": f"#define HASH_BASIS 0x{c['basis']:08x}UL\n",
            "basis_to": f"#define HASH_BASIS 0x{swapped['basis']:08x}UL\n",
            "cases": cases,
        }
        files = {f"{n}-src/{k}": v for k, v in sources.items()}
        dockerfile = f"COPY {n}-src/ {root}/\n"
        if not easy:
            old = _old_release(p)
            files.update({f"old-release/{k}": v for k, v in old.items()})
            old_real = f"lib{n}.so.{p['old_version']}"
            old_soname = f"lib{n}.so.{major - 1}"
            dockerfile += (
                "COPY old-release/ /tmp/old-release/\n"
                f"RUN cd /tmp/old-release && mkdir -p {prefix}/lib {prefix}/include {prefix}/bin \\\n"
                f"    && gcc -shared -fPIC -O2 -Wl,-soname,{old_soname} -o {prefix}/lib/{old_real} {n}.c \\\n"
                f"    && ln -s {old_real} {prefix}/lib/{old_soname} && ln -s {old_soname} {prefix}/lib/lib{n}.so \\\n"
                f"    && cp {n}.h {prefix}/include/ \\\n"
                f"    && gcc -O2 -o {prefix}/bin/{prog} main.c -L{prefix}/lib -l{n} -Wl,-rpath,{prefix}/lib \\\n"
                "    && cd / && rm -rf /tmp/old-release\n"
            )
        return Instance(
            instruction=instruction,
            result_paths=["/app", prefix],  # the prefix is drawn per seed, /usr/local/<n>-<v> too
            solution=self._solution(p, root, prefix, prog, lib_dir, real, soname, real2, soname2),
            checker=self.asset("check.py"),
            expected=expected,
            dockerfile=dockerfile,
            files=files,
            tags=["shared-library", "soname", "rpath", "gcc", "elf"]
            + (["pkg-config"] if not easy else [])
            + (["symbol-visibility"] if hard else []),
        )

    def _solution(self, p, root, prefix, prog, lib_dir, real, soname, real2, soname2) -> str:
        n, n2, hard, easy = p["n"], p["n2"], p["hard"], p["level"] == "easy"
        vis = " -fvisibility=hidden" if hard else ""
        lines = [
            "# Reference solution: compile PIC objects, link with a SONAME, install the link chain,",
            "# link the tool with an $ORIGIN-relative RUNPATH, then verify with readelf/nm/ldd.",
            f"cd {root}",
            "find . -type f | sort",
            f"cat include/{n}.h",
            f"ls -l {prefix}/lib {prefix}/bin 2>/dev/null || true",
        ]
        if not easy:
            lines += [
                "# a previous release is installed: look at what the links point to",
                f"readlink {prefix}/lib/lib{n}.so",
                f"readelf -d {prefix}/bin/{prog} | grep -E 'NEEDED|R(UN)?PATH'",
            ]
        lines += [
            "rm -rf build && mkdir -p build",
            f"for src in {lib_dir}/*.c; do",
            f'    gcc -c -O2 -fPIC{vis} -Iinclude -I{lib_dir} "$src" -o "build/$(basename "${{src%.c}}").o"',
            "done",
            "ld --version | sed -n 1p  # the linker that writes the SONAME",
            f"gcc -shared -Wl,-soname,{soname} -o build/{real} build/*.o",
            f"nm -D --defined-only build/{real}",
            f"install -d {prefix}/lib {prefix}/include {prefix}/bin",
            f"install -m 0755 build/{real} {prefix}/lib/{real}",
            f"od -A n -c -N 4 {prefix}/lib/{real}",
            f"objdump -p {prefix}/lib/{real} | grep SONAME",
            # ldconfig -n creates the SONAME link from the library's own SONAME
            f"ldconfig -n {prefix}/lib" if not easy else f"ln -sfn {real} {prefix}/lib/{soname}",
            f"readlink {prefix}/lib/{soname}",
            f"ln -sfn {soname} {prefix}/lib/lib{n}.so",
            f"install -m 0644 include/{n}.h {prefix}/include/{n}.h",
        ]
        if hard:
            lines += [
                f"# lib{n2} sits on top of lib{n} and finds it next to itself through $ORIGIN",
                f"gcc -shared -O2 -fPIC{vis} -Iinclude -Wl,-soname,{soname2} "
                f"-o build/{real2} src/{n2}/format.c -L{prefix}/lib -l{n} -Wl,-rpath,'$ORIGIN'",
                f"install -m 0755 build/{real2} {prefix}/lib/{real2}",
                f"ln -sfn {real2} {prefix}/lib/{soname2}",
                f"ln -sfn {soname2} {prefix}/lib/lib{n2}.so",
                f"install -m 0644 include/{n2}.h {prefix}/include/{n2}.h",
                f"gcc -O2 -Iinclude -o build/{prog} tool/main.c -L{prefix}/lib -l{n2} "
                f"-Wl,-rpath-link,{prefix}/lib -Wl,-rpath,'$ORIGIN/../lib'",
            ]
        else:
            lines += [
                f"gcc -O2 -Iinclude -o build/{prog} tool/main.c -L{prefix}/lib -l{n} "
                "-Wl,-rpath,'$ORIGIN/../lib'",
            ]
        lines += [
            f"install -m 0755 build/{prog} {prefix}/bin/{prog}",
        ]
        if not easy:
            lines += [
                f"install -d {prefix}/lib/pkgconfig",
                f"cat > {prefix}/lib/pkgconfig/{n}.pc <<'EOF'",
                f"prefix={prefix}",
                "libdir=${prefix}/lib",
                "includedir=${prefix}/include",
                "",
                f"Name: {n}",
                f"Description: hashing library {n}",
                f"Version: {p['version']}",
                f"Libs: -L${{libdir}} -l{n}",
                "Cflags: -I${includedir}",
                "EOF",
            ]
        lines += [
            "# verify: SONAME, link chain, NEEDED/RUNPATH, exported symbols, relocation",
            f"readelf -d {prefix}/lib/{real} | grep SONAME",
            f"ls -l {prefix}/lib",
            f"readelf -d {prefix}/bin/{prog} | grep -E 'NEEDED|RUNPATH'",
            f"ldd {prefix}/bin/{prog}",
            f"file {prefix}/lib/{real}",
            "rm -rf /tmp/moved && mkdir -p /tmp/moved",
            f"cp -a {prefix} /tmp/moved/",
            f"echo 'alpha beta gamma' | env -i /tmp/moved/$(basename {prefix})/bin/{prog}",
            "# and as an unprivileged user",
            f"echo 'delta' | runuser -u nobody -- /tmp/moved/$(basename {prefix})/bin/{prog}",
            f"size {prefix}/lib/{real}",
            f"sha256sum {prefix}/lib/*.so.*",
        ]
        if hard:
            lines += [f"nm -D --defined-only {prefix}/lib/{real2}"]
        return "\n".join(lines) + "\n"
