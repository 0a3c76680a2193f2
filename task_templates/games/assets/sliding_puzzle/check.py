"""Replay the moves the game recorded from the generated start board; the blank must only
make legal moves, stay within the move limit, and end with every tile home."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json  # noqa: E402

truth = expected()
checks = Checks()
state = {}
STEP = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


def load():
    state.update(read_json(truth["state_path"]))
    return isinstance(state.get("moves"), list)


def replay():
    board = [row[:] for row in truth["start"]]
    n = len(board)
    r, c = next((i, j) for i in range(n) for j in range(n) if board[i][j] == 0)
    for k, letter in enumerate(state["moves"]):
        if letter not in STEP:
            return False, f"move {k} is {letter!r}"
        dr, dc = STEP[letter]
        if not (0 <= r + dr < n and 0 <= c + dc < n):
            return False, f"move {k} ({letter}) leaves the board"
        board[r][c], board[r + dr][c + dc] = board[r + dr][c + dc], 0
        r, c = r + dr, c + dc
    replayed.extend(board)
    return True


replayed = []
goal = [[r * truth["size"] + c + 1 for c in range(truth["size"])] for r in range(truth["size"])]
goal[-1][-1] = 0
if checks.run("game state readable", load):
    checks.run(
        "moves within the limit",
        lambda: (len(state["moves"]) <= truth["limit"], f"{len(state['moves'])} moves"),
    )
    if checks.run("every recorded move is legal from the start board", replay):
        checks.run("replayed board is solved", lambda: replayed == goal)
        checks.run(
            "game's own board agrees with the replay", lambda: state.get("board") == replayed
        )
checks.finish()
