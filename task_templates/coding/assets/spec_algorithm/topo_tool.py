#!/usr/bin/env python3
"""Order tasks after their dependencies (written from the task's spec)."""

import heapq
import json
import re
import sys

LEVEL = "@LEVEL@"
CODES = json.loads(r"""@CODES@""")
MEDIUM = LEVEL != "easy"
HARD = LEVEL == "hard"
NAME = re.compile(r"[A-Za-z0-9_.-]+")
DECL = re.compile(r"([A-Za-z0-9_.-]+)[ \t]*(?:\((-?[0-9]+)\))?[ \t]*:(.*)")


def fail(kind, message):
    sys.stderr.write(f"@PROG@: {message}\n")
    sys.exit(CODES[kind])


def read_graph(text):
    needs, priority = {}, {}
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or (MEDIUM and line.startswith("#")):
            continue
        m = DECL.fullmatch(line)
        if not m or (m.group(2) is not None and not MEDIUM):
            fail("malformed", f"malformed line: {line!r}")
        task, prio, rest = m.groups()
        deps = rest.split()
        if any(not NAME.fullmatch(d) for d in deps):
            fail("malformed", f"malformed line: {line!r}")
        needs.setdefault(task, set()).update(deps)
        for d in deps:
            needs.setdefault(d, set())
        if prio is not None:
            priority[task] = max(int(prio), priority.get(task, int(prio)))
    return needs, priority


def closure(needs, target):
    seen, stack = set(), [target]
    while stack:
        task = stack.pop()
        if task not in seen:
            seen.add(task)
            stack.extend(needs[task])
    return {t: needs[t] & seen for t in seen}


def main():
    args = sys.argv[1:]
    levels, target = False, None
    while args:
        arg = args.pop(0)
        if HARD and arg == "--levels":
            levels = True
        elif HARD and arg == "--target":
            if not args:
                fail("usage", "--target needs a value")
            target = args.pop(0)
        else:
            fail("usage", f"unexpected argument {arg}")
    needs, priority = read_graph(sys.stdin.read())
    if target is not None:
        if target not in needs:
            fail("usage", f"unknown target {target}")
        needs = closure(needs, target)
    rank = {t: (-priority.get(t, 0), t) for t in needs}
    waiting = {t: len(d) for t, d in needs.items()}
    dependents = {t: [] for t in needs}
    for t, deps in needs.items():
        for d in deps:
            dependents[d].append(t)
    lines, printed = [], set()
    if levels:
        layer = [t for t, n in waiting.items() if n == 0]
        while layer:
            layer.sort(key=rank.get)
            lines.append(" ".join(layer))
            printed.update(layer)
            following = []
            for t in layer:
                for u in dependents[t]:
                    waiting[u] -= 1
                    if waiting[u] == 0:
                        following.append(u)
            layer = following
    else:
        heap = [rank[t] for t, n in waiting.items() if n == 0]
        heapq.heapify(heap)
        while heap:
            _, task = heapq.heappop(heap)
            lines.append(task)
            printed.add(task)
            for u in dependents[task]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    heapq.heappush(heap, rank[u])
    blocked = sorted(t for t in needs if t not in printed)
    if blocked:
        lines.append("CYCLE: " + " ".join(blocked))
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.exit(CODES["cycle"] if blocked else 0)


main()
