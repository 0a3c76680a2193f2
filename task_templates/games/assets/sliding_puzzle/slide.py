#!/usr/bin/env python3
"""slide: a sliding-tile puzzle for the terminal.

  slide show                 print the board (0 is the blank) and the move count
  slide move U [D L R ...]   slide the blank Up/Down/Left/Right, one step per letter
  slide undo                 take back the last move
  slide help                 this text

The game keeps its state in /var/lib/slide/state.json and prints SOLVED when every tile is home.
"""

import json
import sys

STATE = "/var/lib/slide/state.json"
STEP = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
BACK = {"U": "D", "D": "U", "L": "R", "R": "L"}


def load():
    with open(STATE) as fh:
        return json.load(fh)


def save(state):
    with open(STATE, "w") as fh:
        json.dump(state, fh)


def solved(board):
    flat = [tile for row in board for tile in row]
    return flat == list(range(1, len(flat))) + [0]


def show(state):
    board = state["board"]
    width = len(str(len(board) ** 2 - 1))
    for row in board:
        print(" ".join(str(t).rjust(width) if t else "_".rjust(width) for t in row))
    print(f"moves: {len(state['moves'])}/{state['limit']}" + ("  SOLVED" if solved(board) else ""))


def slide(state, letter):
    board, n = state["board"], len(state["board"])
    r, c = next((i, j) for i in range(n) for j in range(n) if board[i][j] == 0)
    dr, dc = STEP[letter]
    if not (0 <= r + dr < n and 0 <= c + dc < n):
        raise ValueError(f"cannot move the blank {letter}: edge of the board")
    board[r][c], board[r + dr][c + dc] = board[r + dr][c + dc], 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("help", "-h", "--help"):
        print(__doc__.strip())
        return 0
    state = load()
    if argv[1] == "show":
        show(state)
        return 0
    if argv[1] == "undo":
        if state["moves"]:
            slide(state, BACK[state["moves"].pop()])
            save(state)
        show(state)
        return 0
    if argv[1] == "move":
        letters = [m for arg in argv[2:] for m in arg.upper() if not m.isspace()]
        for letter in letters:
            if letter not in STEP:
                print(f"unknown move {letter!r}; use U, D, L or R", file=sys.stderr)
                return 2
            if solved(state["board"]):
                print("already solved", file=sys.stderr)
                break
            if len(state["moves"]) >= state["limit"]:
                print("move limit reached: undo some moves", file=sys.stderr)
                save(state)
                return 1
            try:
                slide(state, letter)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                save(state)
                return 1
            state["moves"].append(letter)
        save(state)
        show(state)
        return 0
    print(f"unknown command {argv[1]!r}; try `slide help`", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
