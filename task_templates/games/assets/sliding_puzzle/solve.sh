#!/bin/bash
# Reference solution: read the board from the game, search for a shortest solution with A*
# (Manhattan distance), then play it move by move through the game.
set -euo pipefail
command -v slide
slide help
slide show | tee /tmp/board.txt
stat -c '%n %s bytes' /var/lib/slide/state.json
moves=$(python3 - <<'PY'
import heapq, itertools, json

board = json.load(open("/var/lib/slide/state.json"))["board"]
n = len(board)
start = tuple(t for row in board for t in row)
goal = tuple(list(range(1, n * n)) + [0])
home = {t: divmod(t - 1, n) for t in range(1, n * n)}

def h(state):
    return sum(abs(i // n - home[t][0]) + abs(i % n - home[t][1]) for i, t in enumerate(state) if t)

steps = {"U": -n, "D": n, "L": -1, "R": 1}
tie = itertools.count()
frontier = [(h(start), next(tie), 0, start, "")]
best = {start: 0}
while frontier:
    _, _, g, state, path = heapq.heappop(frontier)
    if state == goal:
        print(path)
        break
    z = state.index(0)
    for letter, delta in steps.items():
        if letter in "LR" and z // n != (z + delta) // n or not 0 <= z + delta < n * n:
            continue
        nxt = list(state)
        nxt[z], nxt[z + delta] = nxt[z + delta], 0
        nxt = tuple(nxt)
        if best.get(nxt, 1 << 30) > g + 1:
            best[nxt] = g + 1
            heapq.heappush(frontier, (g + 1 + h(nxt), next(tie), g + 1, nxt, path + letter))
PY
)
echo "plan: $moves (${#moves} moves)"
for letter in $(echo "$moves" | fold -w1); do
    slide move "$letter" > /dev/null
done
slide show
grep -c . /tmp/board.txt
