#!/bin/bash
# Reference solution: constraint propagation plus backtracking on the most constrained square.
set -euo pipefail
PUZZLE=@PUZZLE@
ANSWER=@ANSWER@
cat "$PUZZLE"
tr -cd '.' < "$PUZZLE" | wc -c
mkdir -p "$(dirname "$ANSWER")"
python3 - "$PUZZLE" @DIAGONALS@ > "$ANSWER" <<'PY'
import sys

cells = [0 if ch == "." else int(ch) for ch in open(sys.argv[1]).read() if ch in ".123456789"]
units = [[r * 9 + c for c in range(9)] for r in range(9)] + [[r * 9 + c for r in range(9)] for c in range(9)]
units += [[(br + r) * 9 + bc + c for r in range(3) for c in range(3)] for br in (0, 3, 6) for bc in (0, 3, 6)]
if sys.argv[2] == "True":
    units += [[i * 10 for i in range(9)], [i * 8 + 8 for i in range(9)]]
peers = [set().union(*(u for u in units if i in u)) - {i} for i in range(81)]

def solve(grid):
    best = None
    for i in range(81):
        if grid[i] == 0:
            options = set(range(1, 10)) - {grid[p] for p in peers[i]}
            if best is None or len(options) < len(best[1]):
                best = (i, options)
    if best is None:
        return grid
    for digit in sorted(best[1]):
        grid[best[0]] = digit
        if solve(grid):
            return grid
    grid[best[0]] = 0
    return None

solved = solve(cells)
for r in range(9):
    print("".join(map(str, solved[r * 9:r * 9 + 9])))
PY
paste -d' ' "$PUZZLE" "$ANSWER" | column -t
awk 'length($0) != 9 {bad = 1} END {exit bad}' "$ANSWER"
