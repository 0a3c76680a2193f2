#!/usr/bin/env python3
"""maze: walk a maze with locked doors.

  maze map             the whole maze: # wall, @ you, E exit, a-c keys, A-C doors
  maze go N [E S W ...] walk one square per letter (N/E/S/W); stops at the first blocked step
  maze status          position, keys held, steps taken
  maze help            this text

A door opens only while you hold its key (walking onto a key picks it up). Reaching E wins.
State lives in /var/lib/maze/state.json.
"""

import json
import sys

STATE = "/var/lib/maze/state.json"
STEP = {"N": (-1, 0), "S": (1, 0), "W": (0, -1), "E": (0, 1)}


def load():
    with open(STATE) as fh:
        return json.load(fh)


def save(state):
    with open(STATE, "w") as fh:
        json.dump(state, fh)


def draw(state):
    grid = [list(row) for row in state["grid"]]
    r, c = state["pos"]
    grid[r][c] = "@"
    for key in state["keys"]:
        for i, row in enumerate(grid):
            for j, ch in enumerate(row):
                if ch == key:
                    grid[i][j] = "."
    print("\n".join("".join(row) for row in grid))


def status(state):
    keys = "".join(sorted(state["keys"])) or "none"
    won = "  ESCAPED" if state["grid"][state["pos"][0]][state["pos"][1]] == "E" else ""
    print(
        f"at row {state['pos'][0]}, column {state['pos'][1]}; keys: {keys}; steps: {len(state['moves'])}{won}"
    )


def go(state, letter):
    dr, dc = STEP[letter]
    r, c = state["pos"][0] + dr, state["pos"][1] + dc
    cell = state["grid"][r][c]
    if cell == "#":
        raise ValueError(f"wall to the {letter}")
    if cell.isupper() and cell != "E" and cell.lower() not in state["keys"]:
        raise ValueError(f"door {cell} is locked; find key {cell.lower()}")
    state["pos"] = [r, c]
    if cell.islower() and cell not in state["keys"]:
        state["keys"].append(cell)
        print(f"picked up key {cell}")
    state["moves"].append(letter)


def main(argv):
    if len(argv) < 2 or argv[1] in ("help", "-h", "--help"):
        print(__doc__.strip())
        return 0
    state = load()
    if argv[1] == "map":
        draw(state)
        return 0
    if argv[1] == "status":
        status(state)
        return 0
    if argv[1] == "go":
        code = 0
        for letter in (ch for arg in argv[2:] for ch in arg.upper()):
            if letter not in STEP:
                print(f"unknown direction {letter!r}; use N, E, S or W", file=sys.stderr)
                code = 2
                break
            if state["grid"][state["pos"][0]][state["pos"][1]] == "E":
                print("you already escaped", file=sys.stderr)
                break
            try:
                go(state, letter)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                code = 1
                break
        save(state)
        status(state)
        return code
    print(f"unknown command {argv[1]!r}; try `maze help`", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
