"""Play a sliding-tile puzzle through its terminal game until every tile is home.

The game (`slide`, shipped in the image) records every move; the checker replays them from the
start board the generator scrambled. The start board comes from a random walk of the blank, so
a solution no longer than the walk always exists — the move limit is that length (with slack
at easy), which at hard difficulty on a 4x4 board rules out wandering: a search is needed.
"""

from __future__ import annotations

import json
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.tasks.model import TaskFile

SETTINGS = {  # board size, random-walk lengths, limit factor
    Difficulty.EASY: (3, range(12, 17), 3.0),
    Difficulty.MEDIUM: (3, range(24, 31), 1.0),
    Difficulty.HARD: (4, range(20, 25), 1.0),
}
STEP = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
OPENINGS = [
    "A sliding-tile puzzle is waiting in this container; the `slide` command plays it.",
    "Someone left a half-scrambled tile puzzle running: the terminal game `slide`.",
    "Your task is a game of `slide`, the sliding-tile puzzle installed on this machine.",
]
STATE = "/var/lib/slide/state.json"


def _scramble(rng: random.Random, size: int, length: int) -> list[list[int]]:
    """A random walk of the blank that never revisits a board, so the result lies far out."""
    board = [[r * size + c + 1 for c in range(size)] for r in range(size)]
    board[-1][-1] = 0
    r = c = size - 1
    seen = {str(board)}
    for _ in range(length):
        options = []
        for dr, dc in STEP.values():
            if 0 <= r + dr < size and 0 <= c + dc < size:
                board[r][c], board[r + dr][c + dc] = board[r + dr][c + dc], 0
                if str(board) not in seen:
                    options.append((dr, dc))
                board[r][c], board[r + dr][c + dc] = board[r + dr][c + dc], board[r][c]
                board[r][c] = 0
        if not options:
            break
        dr, dc = rng.choice(options)
        board[r][c], board[r + dr][c + dc] = board[r + dr][c + dc], 0
        r, c = r + dr, c + dc
        seen.add(str(board))
    return board


@register
class SlidingPuzzle(TemplateFamily):
    name = "sliding-puzzle"
    result_paths = ("/var/lib/slide",)
    domain = Domain.GAMES
    description = "Drive the `slide` tile-puzzle game to the solved board within a move limit."
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        size, walks, factor = SETTINGS[difficulty]
        walk = rng.choice(walks)
        goal = [[r * size + c + 1 for c in range(size)] for r in range(size)]
        goal[-1][-1] = 0
        board = _scramble(rng, size, walk)
        while board == goal:
            board = _scramble(rng, size, walk)
        limit = int(walk * factor)
        rows = "\n".join("    " + " ".join(f"{t:>2}" if t else " _" for t in row) for row in board)
        target = "\n".join("    " + " ".join(f"{t:>2}" if t else " _" for t in row) for row in goal)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS),
                f"The {size}x{size} board starts as (`_` is the blank):",
                "",
                rows,
                "",
                "Make it read, row by row,",
                "",
                target,
                "",
                "by sliding the blank with `slide move` (run `slide help`). "
                f"The game refuses to go past {limit} moves; `slide undo` takes one back, and only "
                "the moves left in the game's record count.",
                f"The game keeps its record in `{STATE}`; it must show a solved board when you finish.",
            ]
        )
        state = {"board": board, "moves": [], "limit": limit}
        return Instance(
            instruction=instruction,
            files={
                "slide.py": TaskFile(content=self.asset("slide.py"), executable=True),
                "state.json": json.dumps(state),
            },
            dockerfile=(
                "COPY slide.py /usr/local/bin/slide\n"
                f"COPY state.json {STATE}\n"
                "RUN chmod 755 /usr/local/bin/slide\n"
            ),
            solution=self.asset("solve.sh"),
            checker=self.asset("check.py"),
            expected={"start": board, "size": size, "limit": limit, "state_path": STATE},
            tags=["puzzle", "search", "interactive"],
        )
