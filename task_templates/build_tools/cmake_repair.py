"""Repair the CMake build of a small C project (a static library plus a tool) and build it
out-of-tree into a named directory.

The generator writes a working text codec (Caesar shift, CRC-16 with a seeded polynomial and an
optional run-length column behind a CMake option), so it knows the tool's output for any input.
The CMakeLists.txt files it ships are the correct ones with planted faults: an unavailable
`cmake_minimum_required`, a misspelt `add_subdirectory`, a wrong source name, the library not
linked, its include directory PRIVATE, the feature option OFF or defining the wrong macro, no
project VERSION for the generated version header, the binary dir missing from the include
path, C90 forced on C99 code, a SHARED library where a static one is required, no install
rules, and a stale CMakeCache.txt from another machine in the build directory (which also pins
the option OFF). The checker configures a pristine copy with the agent's CMake files as
`nobody`, runs the tool on hidden inputs with the option at its default and forced OFF,
installs it, and inspects the agent's own build directory.
"""

from __future__ import annotations

import hashlib
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

PROJECTS = [
    "textcodec",
    "wordmangle",
    "linepress",
    "glyphkit",
    "runpack",
    "cipherline",
    "scribekit",
    "tokenflip",
    "rowcoder",
    "letterbox",
    "quillpack",
    "stringmill",
]
BUILD_DIRS = ["build-release", "_build", "out/release", "build/rel", "cmake-build"]
OPTION_STEMS = ["ENABLE_RLE", "WITH_RUNLENGTH", "USE_RLE_COLUMN", "RLE_OUTPUT"]
WORDS = [
    "alpha",
    "bravo",
    "Charlie",
    "delta",
    "ECHO",
    "foxtrot",
    "golf",
    "hotel",
    "India",
    "juliet",
    "kilo",
    "lima",
    "mississippi",
    "balloon",
    "bookkeeper",
    "aaa",
    "zzz",
    "committee",
    "Tennessee",
    "x-ray",
    "yankee",
    "zulu",
    "1234",
    "2026-11-05",
    "hello,",
    "world!",
    "llama",
    "coffee",
]

OPENINGS = [
    "The CMake build of `{root}` is broken and nobody remembers why.",
    "`{root}` is a small C project (a static library and a command-line tool) whose CMake files were damaged.",
    "Our CI cannot configure or build `{root}` any more; the CMake files have several bugs.",
    "A half-finished migration left the CMake build of `{root}` in pieces.",
    "The CMake project in `{root}` fails to configure and build on a clean machine.",
]
GOALS = [
    "Repair the CMake files and build the project out of tree in `{build}`.",
    "Fix the build (CMakeLists.txt files only) and produce an out-of-tree build in `{build}`.",
    "Make the CMake build work again and leave a finished build in `{build}`.",
    "Correct the CMake configuration, then configure and build it in `{build}`.",
]


def _crc16(text: str, poly: int, init: int) -> int:
    crc = init
    for byte in text.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _rot(text: str, k: int) -> str:
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            ch = chr(ord("a") + (ord(ch) - ord("a") + k) % 26)
        elif "A" <= ch <= "Z":
            ch = chr(ord("A") + (ord(ch) - ord("A") + k) % 26)
        out.append(ch)
    return "".join(out)


def _rle(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(f"{j - i}{text[i]}")
        i = j
    return "".join(out)


def _run(lines: list[str], k: int, poly: int, init: int, rle: bool) -> str:
    out = []
    for line in lines:
        cols = [_rot(line, k), f"{_crc16(line, poly, init):04x}"] + ([_rle(line)] if rle else [])
        out.append("\t".join(cols))
    out.append(f"lines={len(lines)}")
    return "\n".join(out) + "\n"


def _sources(p: dict) -> dict[str, str]:
    lib, up = p["lib"], p["lib"].upper()
    header = f"""#ifndef {up}_H
#define {up}_H

#include <stddef.h>

void {lib}_rot(const char *in, char *out, int shift);
void {lib}_rle(const char *in, char *out, size_t cap);
unsigned {lib}_crc16(const char *in);

#endif
"""
    rot = f"""#include "{lib}.h"

void {lib}_rot(const char *in, char *out, int shift)
{{
    size_t n = 0;
    for (size_t i = 0; in[i] != '\\0'; i++, n++) {{
        char c = in[i];
        if (c >= 'a' && c <= 'z')
            c = (char)('a' + (c - 'a' + shift) % 26);
        else if (c >= 'A' && c <= 'Z')
            c = (char)('A' + (c - 'A' + shift) % 26);
        out[n] = c;
    }}
    out[n] = '\\0';
}}
"""
    rle = f"""#include <stdio.h>
#include "{lib}.h"

void {lib}_rle(const char *in, char *out, size_t cap)
{{
    size_t used = 0;
    out[0] = '\\0';
    for (size_t i = 0; in[i] != '\\0';) {{
        size_t j = i;
        while (in[j] == in[i])
            j++;
        int n = snprintf(out + used, cap - used, "%zu%c", j - i, in[i]);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
        i = j;
    }}
}}
"""
    crc = f"""#include "{lib}.h"

#define CRC_POLY 0x{p["poly"]:04x}u
#define CRC_INIT 0x{p["init"]:04x}u

unsigned {lib}_crc16(const char *in)
{{
    unsigned crc = CRC_INIT;
    for (const unsigned char *s = (const unsigned char *)in; *s; s++) {{
        crc ^= (unsigned)*s << 8;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000u) ? ((crc << 1) ^ CRC_POLY) & 0xFFFFu : (crc << 1) & 0xFFFFu;
    }}
    return crc;
}}
"""
    version_inc = '#include "version.h"\n' if p["versioned"] else ""
    version_branch = (
        f"""    if (argc > 1 && strcmp(argv[1], "--version") == 0) {{
        printf("{p["app"]} %s\\n", APP_VERSION);
        return 0;
    }}
"""
        if p["versioned"]
        else "    (void)argc;\n    (void)argv;\n"
    )
    main = f"""#include <stdio.h>
#include <string.h>
#include "{lib}.h"
{version_inc}
#define SHIFT {p["shift"]}

int main(int argc, char **argv)
{{
    char line[1024], rot[1024];
    unsigned long lines = 0;
{version_branch}    while (fgets(line, sizeof line, stdin)) {{
        line[strcspn(line, "\\r\\n")] = '\\0';
        {lib}_rot(line, rot, SHIFT);
#ifdef {p["macro"]}
        char rle[4096];
        {lib}_rle(line, rle, sizeof rle);
        printf("%s\\t%04x\\t%s\\n", rot, {lib}_crc16(line), rle);
#else
        printf("%s\\t%04x\\n", rot, {lib}_crc16(line));
#endif
        lines++;
    }}
    printf("lines=%lu\\n", lines);
    return 0;
}}
"""
    files = {
        f"lib/include/{lib}.h": header,
        f"lib/src/{p['src_names']['rot']}.c": rot,
        f"lib/src/{p['src_names']['rle']}.c": rle,
        f"lib/src/{p['src_names']['crc']}.c": crc,
        "app/main.c": main,
    }
    if p["versioned"]:
        files["app/version.h.in"] = '#define APP_VERSION "@PROJECT_VERSION@"\n'
    return files


def _cmake_files(p: dict, faults: set[str]) -> dict[str, str]:
    lib, app, opt = p["lib"], p["app"], p["option"]
    top = [
        "cmake_minimum_required(VERSION " + ("3.31" if "minver" in faults else "3.16") + ")",
        f"project({p['name']}"
        + ("" if "version" in faults or not p["versioned"] else f" VERSION {p['version']}")
        + " LANGUAGES C)",
        "",
        "set(CMAKE_C_STANDARD " + ("90" if "c90" in faults else "99") + ")",
        "set(CMAKE_C_STANDARD_REQUIRED ON)",
        "",
        f'option({opt} "Append the run-length column to every output line" '
        + ("OFF" if "option_off" in faults else "ON")
        + ")",
        "",
        "add_subdirectory(" + ("libs" if "subdir" in faults else "lib") + ")",
        "add_subdirectory(app)",
        "",
    ]
    srcs = [f"src/{p['src_names'][k]}.c" for k in ("rot", "rle", "crc")]
    if "srcname" in faults:
        srcs[p["bad_src"]] = f"src/{p['bad_src_name']}.c"
    kind = "SHARED" if "shared" in faults else "STATIC"
    scope = "PRIVATE" if "incdir" in faults else "PUBLIC"
    libl = [f"add_library({lib} {kind}", *[f"    {s}" for s in srcs], ")"]
    libl += [f"target_include_directories({lib} {scope} ${{CMAKE_CURRENT_SOURCE_DIR}}/include)"]
    if p["install"] and "install" not in faults:
        libl += [
            "",
            f"install(TARGETS {lib} ARCHIVE DESTINATION lib)",
            f"install(FILES include/{lib}.h DESTINATION include)",
        ]
    libl += [""]
    appl = []
    if p["versioned"]:
        appl += ["configure_file(version.h.in ${CMAKE_CURRENT_BINARY_DIR}/version.h @ONLY)", ""]
    appl += [f"add_executable({app} main.c)"]
    if p["versioned"] and "bindir_include" not in faults:
        appl += [f"target_include_directories({app} PRIVATE ${{CMAKE_CURRENT_BINARY_DIR}})"]
    if "nolink" not in faults:
        appl += [f"target_link_libraries({app} PRIVATE {lib})"]
    macro = p["wrong_macro"] if "macro" in faults else p["macro"]
    appl += ["", f"if({opt})", f"    target_compile_definitions({app} PRIVATE {macro})", "endif()"]
    if p["install"]:
        dest = "sbin" if "install" in faults else "bin"
        appl += ["", f"install(TARGETS {app} RUNTIME DESTINATION {dest})"]
    appl += [""]
    return {
        "CMakeLists.txt": "\n".join(top),
        "lib/CMakeLists.txt": "\n".join(libl),
        "app/CMakeLists.txt": "\n".join(appl),
    }


def _stale_cache(p: dict, build: str) -> str:
    old = f"/home/ci/work/{p['name']}"
    return "\n".join(
        [
            "# This is the CMakeCache file.",
            f"# For build in directory: {old}/{build}",
            "# It was generated by CMake: /usr/bin/cmake",
            "",
            "CMAKE_BUILD_TYPE:STRING=Debug",
            f"{p['option']}:BOOL=OFF",
            f"CMAKE_CACHEFILE_DIR:INTERNAL={old}/{build}",
            f"CMAKE_HOME_DIRECTORY:INTERNAL={old}",
            "",
        ]
    )


def _fixes(p: dict, faults: set[str], build: str) -> list[str]:
    lib, app, opt = p["lib"], p["app"], p["option"]
    configure = f"cmake -S . -B {build} -DCMAKE_BUILD_TYPE=Release 2>&1 | tail -n 6 || true"
    out: list[str] = []
    if "stale" in faults:
        out += [
            "# the build directory holds a cache made on another machine (and it pins options)",
            f"grep -E 'HOME_DIRECTORY|CACHEFILE_DIR|{opt}' {build}/CMakeCache.txt",
            f"rm -rf {build}",
        ]
    if "minver" in faults:
        out += [
            "# the installed CMake is older than the required minimum",
            "cmake --version | head -n 1",
            "sed -i 's/cmake_minimum_required(VERSION [0-9.]*)/cmake_minimum_required(VERSION 3.16)/' CMakeLists.txt",
            configure,
        ]
    if "subdir" in faults:
        out += [
            "# add_subdirectory must name the directory that exists",
            "ls -d */",
            "sed -i 's/add_subdirectory(libs)/add_subdirectory(lib)/' CMakeLists.txt",
            configure,
        ]
    if "srcname" in faults:
        out += [
            "# the library's source list must match the files in lib/src",
            "ls lib/src",
            f"sed -i 's#src/{p['bad_src_name']}\\.c#src/{p['src_names'][p['bad_src_key']]}.c#' lib/CMakeLists.txt",
            configure,
        ]
    if "version" in faults:
        out += [
            "# version.h.in uses @PROJECT_VERSION@, which needs project(... VERSION ...)",
            "cat app/version.h.in",
            f"sed -i 's/^project({p['name']} LANGUAGES C)/project({p['name']} VERSION {p['version']} LANGUAGES C)/' CMakeLists.txt",
        ]
    if "option_off" in faults:
        out += [
            "# the run-length column must be on by default",
            f"sed -i 's/^option({opt} \\(.*\\) OFF)/option({opt} \\1 ON)/' CMakeLists.txt",
        ]
    if "macro" in faults:
        out += [
            "# the option must define the macro main.c actually tests",
            "grep -n '#ifdef' app/main.c",
            f"sed -i 's/PRIVATE {p['wrong_macro']})/PRIVATE {p['macro']})/' app/CMakeLists.txt",
        ]
    if "c90" in faults:
        out += [
            "# the sources use C99 (declarations in for loops)",
            "sed -i 's/CMAKE_C_STANDARD 90/CMAKE_C_STANDARD 99/' CMakeLists.txt",
        ]
    if "shared" in faults:
        out += [
            "# the library must be a static archive",
            f"sed -i 's/add_library({lib} SHARED/add_library({lib} STATIC/' lib/CMakeLists.txt",
        ]
    if "incdir" in faults:
        out += [
            "# consumers of the library need its include directory: PUBLIC, not PRIVATE",
            f"sed -i 's/target_include_directories({lib} PRIVATE/target_include_directories({lib} PUBLIC/' lib/CMakeLists.txt",
        ]
    if "bindir_include" in faults:
        out += [
            "# version.h is generated into the binary dir, which must be on the include path",
            f"sed -i 's#^add_executable({app} main.c)#&\\ntarget_include_directories({app} PRIVATE ${{CMAKE_CURRENT_BINARY_DIR}})#' app/CMakeLists.txt",
        ]
    if "nolink" in faults:
        out += [
            "# the tool calls the library: link it",
            f"sed -i 's#^add_executable({app} main.c)#&\\ntarget_link_libraries({app} PRIVATE {lib})#' app/CMakeLists.txt",
        ]
    if "install" in faults:
        out += [
            "# install the tool into bin/, the archive into lib/ and the header into include/",
            "sed -i 's/RUNTIME DESTINATION sbin/RUNTIME DESTINATION bin/' app/CMakeLists.txt",
            f"printf '%s\\n' '' 'install(TARGETS {lib} ARCHIVE DESTINATION lib)' "
            f"'install(FILES include/{lib}.h DESTINATION include)' >> lib/CMakeLists.txt",
        ]
    return out


@register
class CmakeRepair(TemplateFamily):
    name = "cmake-repair"
    domain = Domain.BUILD_TOOLS
    description = "Repair a broken CMake project (static library + tool) and build it out of tree."

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
        name = rng.choice(PROJECTS)
        root = f"/app/{name}"
        build = rng.choice(BUILD_DIRS)
        short = name[:4]
        lib = rng.choice([f"{short}core", f"{short}codec", f"{short}kit"])
        app = rng.choice([name, f"{short}-tool", f"{short}cli"])
        option = f"{name.upper()}_{rng.choice(OPTION_STEMS)}"
        macro = f"{short.upper()}_HAVE_RLE"
        src_names = {
            "rot": rng.choice(["rot", "shift", "caesar"]),
            "rle": rng.choice(["rle", "runlength", "runs"]),
            "crc": rng.choice(["crc16", "checksum", "crc"]),
        }
        bad_src_key = rng.choice(["rot", "rle", "crc"])
        good = src_names[bad_src_key]
        bad_src_name = good[:-1] if len(good) > 3 else good + "x"
        version = f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 30)}"
        p = {
            "name": name,
            "lib": lib,
            "app": app,
            "option": option,
            "macro": macro,
            "wrong_macro": f"{short.upper()}_RLE",
            "src_names": src_names,
            "bad_src": ["rot", "rle", "crc"].index(bad_src_key),
            "bad_src_key": bad_src_key,
            "bad_src_name": bad_src_name,
            "version": version,
            "versioned": not easy,
            "install": not easy,
            "shift": rng.randint(1, 25),
            "poly": rng.randrange(0x1001, 0xFFFF, 2),
            "init": rng.randrange(0x10000),
        }
        if easy:
            faults = set(rng.sample(["minver", "srcname", "nolink", "subdir", "option_off"], 3))
        elif not hard:
            faults = {"stale", "install"} | set(
                rng.sample(
                    ["minver", "srcname", "nolink", "subdir", "option_off", "incdir", "version"], 4
                )
            )
        else:
            faults = {"stale", "install", "macro", "bindir_include", "shared"} | set(
                rng.sample(
                    [
                        "minver",
                        "srcname",
                        "nolink",
                        "subdir",
                        "option_off",
                        "incdir",
                        "version",
                        "c90",
                    ],
                    5,
                )
            )

        sources = _sources(p)
        cmake = _cmake_files(p, faults)
        files = {**sources, **cmake}
        if "stale" in faults:
            files[f"{build}/CMakeCache.txt"] = _stale_cache(p, build)

        def case(n: int) -> list[str]:
            return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))) for _ in range(n)]

        cases = []
        for _ in range(3):
            lines = case(rng.randint(6, 14))
            cases.append(
                {
                    "input": "".join(f"{line}\n" for line in lines),
                    "output": _run(lines, p["shift"], p["poly"], p["init"], True),
                    "output_option_off": _run(lines, p["shift"], p["poly"], p["init"], False),
                }
            )

        rules = [
            "Fix the build by editing the `CMakeLists.txt` files only: do not edit, rename, add "
            "or delete C sources, headers or other project files (they are correct).",
            f"A plain configure (`cmake -S {root} -B <dir>`, no `-D` options) followed by "
            "`cmake --build <dir>` must succeed on a fresh copy of the project with the "
            "installed CMake.",
            f"With default options the tool `{app}` reads lines from standard input and prints, "
            "for each line, the shifted text, a tab, the 4-digit hex checksum, a tab and the "
            "run-length encoding, then a final `lines=<n>` line. The run-length column is "
            f"controlled by the CMake option `{option}`: it must default to ON, and configuring "
            f"with `-D{option}=OFF` must drop the column (and its tab).",
            f"Build out of tree: configure `{root}` into `{root}/{build}` and build there, so "
            f"that the tool is built inside `{root}/{build}`. Do not configure in the source "
            "directory.",
        ]
        if not easy:
            rules += [
                f"`{app} --version` must print `{app} {version}` (the version comes from the "
                "CMake project version through `app/version.h.in`).",
                "The library must be a static archive linked into the tool: the tool must not "
                f"need any `lib{lib}.so` at run time.",
                f"`cmake --install <dir> --prefix <prefix>` must install the tool as "
                f"`<prefix>/bin/{app}`, the archive as `<prefix>/lib/lib{lib}.a` and the header "
                f"as `<prefix>/include/{lib}.h`.",
            ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(root=root),
                rng.choice(GOALS).format(build=f"{root}/{build}"),
                "",
                "Requirements:",
                *[f"- {rule}" for rule in rules],
                "",
                f"The grader rebuilds a fresh copy of the project with your CMake files as an "
                f"unprivileged user, and also runs the tool you built in `{root}/{build}`.",
            ]
        )
        keep = {k: v for k, v in files.items() if not k.endswith("CMakeLists.txt")}
        keep.pop(f"{build}/CMakeCache.txt", None)
        expected = {
            "root": root,
            "build": build,
            "app": app,
            "lib": lib,
            "option": option,
            "version": version if not easy else None,
            "install": not easy,
            "sources": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in sorted(keep.items())},
            "source_texts": keep,
            "cmake_files": sorted(cmake),
            "cases": cases,
        }
        solution = self._solution(p, faults, root, build)
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            expected=expected,
            dockerfile=f"COPY {name}/ {root}/\n",
            files={f"{name}/{path}": text for path, text in files.items()},
            tags=["cmake", "c", "static-library"] + (["install"] if not easy else []),
        )

    def _solution(self, p: dict, faults: set[str], root: str, build: str) -> str:
        app, lib = p["app"], p["lib"]
        lines = [
            "# Reference solution: configure, read each CMake error, fix the CMake files, rebuild.",
            f"cd {root}",
            "find . -type f | sort",
            "cat CMakeLists.txt lib/CMakeLists.txt app/CMakeLists.txt",
            "uname -m",
            f"cmake -S . -B {build} 2>&1 | tail -n 8 || true",
            *_fixes(p, faults, build),
            "# configure from scratch out of tree and build",
            f"rm -rf {build}",
            f"cmake -S . -B {build} -DCMAKE_BUILD_TYPE=Release",
            f"grep {p['option']} {build}/CMakeCache.txt",
            f'cmake --build {build} -j "$(nproc)"',
            f"du -sh {build}",
            f"exe=$(find {build} -type f -name {app} -perm -u+x | head -n 1)",
            'file "$exe"',
            'ldd "$exe"',
            "printf 'hello world\\nbookkeeper\\n' | \"$exe\"",
            "# the checksum column alone",
            "printf 'abc\\n' | \"$exe\" | cut -f 2",
        ]
        if p["versioned"]:
            lines += [
                '"$exe" --version',
                "rm -rf /tmp/inst",
                f"cmake --install {build} --prefix /tmp/inst",
                f"readelf -d /tmp/inst/bin/{app} | grep NEEDED",
                f"ar t /tmp/inst/lib/lib{lib}.a",
                f"cmp lib/include/{lib}.h /tmp/inst/include/{lib}.h",
            ]
        return "\n".join(lines) + "\n"
