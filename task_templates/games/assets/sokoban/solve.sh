#!/bin/bash
# Reference solution: parse the level, breadth-first search over (player, boxes) with
# dead-corner pruning, write the shortest move string, then replay it as a self-check.
set -euo pipefail
LEVEL=@LEVEL@
ANSWER=@ANSWER@
cat -A "$LEVEL" | sed -n '1,20p'
# The exact bytes: a tab or a trailing blank would shift every column after it.
hexdump -C "$LEVEL" | sed -n '1,4p'
wc -l "$LEVEL"
grep -o '[$*]' "$LEVEL" | wc -l
grep -o '[.*+]' "$LEVEL" | wc -l
mkdir -p "$(dirname "$ANSWER")"
python3 - "$LEVEL" <<'PY' > "$ANSWER"
import sys
from collections import deque

grid = open(sys.argv[1]).read().splitlines()
walls, goals, boxes = set(), set(), set()
for r, line in enumerate(grid):
    for c, ch in enumerate(line):
        if ch == "#": walls.add((r, c))
        if ch in ".*+": goals.add((r, c))
        if ch in "$*": boxes.add((r, c))
        if ch in "@+": player = (r, c)
moves = {"u": (-1, 0), "d": (1, 0), "l": (0, -1), "r": (0, 1)}

def dead(cell):  # a box in a corner that is not a goal can never move again
    if cell in goals:
        return False
    r, c = cell
    vertical = (r - 1, c) in walls or (r + 1, c) in walls
    horizontal = (r, c - 1) in walls or (r, c + 1) in walls
    return vertical and horizontal

start = (player, frozenset(boxes))
parent = {start: None}
queue = deque([start])
while queue:
    state = queue.popleft()
    pos, bx = state
    if bx <= goals:
        path = []
        while parent[state] is not None:
            state, letter = parent[state]
            path.append(letter)
        print("".join(reversed(path)))
        break
    for letter, (dr, dc) in moves.items():
        nxt = (pos[0] + dr, pos[1] + dc)
        if nxt in walls:
            continue
        nb = bx
        if nxt in bx:
            beyond = (nxt[0] + dr, nxt[1] + dc)
            if beyond in walls or beyond in bx or dead(beyond):
                continue
            nb = (bx - {nxt}) | {beyond}
        child = (nxt, nb)
        if child not in parent:
            parent[child] = (state, letter)
            queue.append(child)
PY
echo "solution: $(tr -d '\n' < "$ANSWER" | wc -c) moves"
cut -c1-60 "$ANSWER"
