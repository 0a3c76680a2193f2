"""Replay the submitted moves on the generated level: legal steps and pushes only, every box
ending on a goal, the level file untouched."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
MOVES = {"u": (-1, 0), "d": (1, 0), "l": (0, -1), "r": (0, 1)}
walls, goals, boxes = set(), set(), set()
player = None
for r, line in enumerate(truth["level"].splitlines()):
    for c, ch in enumerate(line):
        if ch == "#":
            walls.add((r, c))
        if ch in ".*+":
            goals.add((r, c))
        if ch in "$*":
            boxes.add((r, c))
        if ch in "@+":
            player = (r, c)
answer = []


def load():
    text = read_text(truth["answer"]).strip().lower()
    answer.extend(text)
    return bool(text) and set(text) <= set(
        MOVES
    ), f"{len(text)} characters, letters {sorted(set(text))}"


def replay():
    global player
    for k, letter in enumerate(answer):
        dr, dc = MOVES[letter]
        nxt = (player[0] + dr, player[1] + dc)
        if nxt in walls:
            return False, f"move {k} walks into a wall"
        if nxt in boxes:
            beyond = (nxt[0] + dr, nxt[1] + dc)
            if beyond in walls or beyond in boxes:
                return False, f"move {k} pushes a box into a wall or another box"
            boxes.remove(nxt)
            boxes.add(beyond)
        player = nxt
    return True


if checks.run("answer is one line of u/d/l/r", load):
    checks.run(f"at most {truth['max_moves']} moves", lambda: len(answer) <= truth["max_moves"])
    if checks.run("every move is legal", replay):
        checks.run(
            "every box ends on a goal",
            lambda: (boxes == goals, f"{len(boxes - goals)} box(es) off goal"),
        )
checks.run("level file unchanged", lambda: read_text(truth["level_path"]) == truth["level"])
checks.finish()
