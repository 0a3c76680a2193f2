#!/bin/bash
# Reference solution: read the map, breadth-first search over (square, keys held) for a
# shortest escape, then walk it through the game and confirm the win.
set -euo pipefail
type maze
maze help | head -n 3
maze map | tee /tmp/map.txt
maze status
echo "keys on the map: $(tr -cd 'abc' < /tmp/map.txt)"
path=$(python3 - <<'PY'
import json
from collections import deque

state = json.load(open("/var/lib/maze/state.json"))
grid = state["grid"]
step = {"N": (-1, 0), "S": (1, 0), "W": (0, -1), "E": (0, 1)}
start = (tuple(state["pos"]), frozenset(state["keys"]))
parent = {start: None}
queue = deque([start])
while queue:
    node = queue.popleft()
    (r, c), keys = node
    if grid[r][c] == "E":
        moves = []
        while parent[node] is not None:
            node, letter = parent[node]
            moves.append(letter)
        print("".join(reversed(moves)))
        break
    for letter, (dr, dc) in step.items():
        cell = grid[r + dr][c + dc]
        if cell == "#" or (cell.isupper() and cell != "E" and cell.lower() not in keys):
            continue
        child = ((r + dr, c + dc), keys | {cell} if cell.islower() else keys)
        if child not in parent:
            parent[child] = (node, letter)
            queue.append(child)
PY
)
echo "shortest escape: ${#path} steps"
maze go "$path"
maze status | grep ESCAPED
