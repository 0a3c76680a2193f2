"""Replay the steps the game recorded on the generated maze: no step through a wall or a locked
door, the exit reached, and (when the task sets a budget) no more steps than allowed."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_json  # noqa: E402

truth = expected()
checks = Checks()
STEP = {"N": (-1, 0), "S": (1, 0), "W": (0, -1), "E": (0, 1)}
state = {}
end = {}


def load():
    state.update(read_json(truth["state_path"]))
    return isinstance(state.get("moves"), list)


def replay():
    grid, (r, c), keys = truth["grid"], truth["start"], set()
    for k, letter in enumerate(state["moves"]):
        if letter not in STEP:
            return False, f"step {k} is {letter!r}"
        dr, dc = STEP[letter]
        cell = grid[r + dr][c + dc]
        if cell == "#":
            return False, f"step {k} goes through a wall"
        if cell.isupper() and cell != "E" and cell.lower() not in keys:
            return False, f"step {k} goes through locked door {cell}"
        r, c = r + dr, c + dc
        if cell.islower():
            keys.add(cell)
    end.update(pos=[r, c], cell=grid[r][c])
    return True


if checks.run("game state readable", load):
    if checks.run("every recorded step is legal", replay):
        checks.run("the exit is reached", lambda: end["cell"] == "E")
        checks.run("the game agrees on the position", lambda: state.get("pos") == end["pos"])
    if truth["budget"] is not None:
        checks.run(
            f"at most {truth['budget']} steps",
            lambda: (len(state["moves"]) <= truth["budget"], f"{len(state['moves'])} steps"),
        )
checks.run("the maze itself is unchanged", lambda: state.get("grid") == truth["grid"])
checks.finish()
