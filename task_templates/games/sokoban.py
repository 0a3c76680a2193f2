"""Solve a Sokoban level and write the moves; the checker replays them push by push.

Levels are made backwards: boxes start on their goals and the player walks the room pulling
them away (the reverse of pushing), so every level is solvable by construction. More boxes
and more inner walls make the search harder.
"""

from __future__ import annotations

import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SETTINGS = {  # interior width, height, boxes, inner walls, reverse steps
    Difficulty.EASY: (6, 5, 1, 2, 60),
    Difficulty.MEDIUM: (7, 6, 2, 4, 150),
    Difficulty.HARD: (8, 6, 3, 6, 500),
}
DIRECTIONS = {"u": (-1, 0), "d": (1, 0), "l": (0, -1), "r": (0, 1)}
LEVELS = ["/app/level.txt", "/app/puzzle/level.txt", "/app/sokoban/level01.txt"]
ANSWERS = ["/app/solution.txt", "/app/moves.txt", "/app/answer.txt"]
OPENINGS = [
    "There is a Sokoban level in `{level}`.",
    "`{level}` holds a warehouse puzzle in the classic Sokoban text format.",
    "A Sokoban level has been saved to `{level}`.",
]
MAX_MOVES = 1500


def _render(height, width, walls, goals, boxes, player) -> str:
    lines = []
    for r in range(height + 2):
        row = ""
        for c in range(width + 2):
            cell = (r, c)
            if cell in walls:
                row += "#"
            elif cell == player:
                row += "+" if cell in goals else "@"
            elif cell in boxes:
                row += "*" if cell in goals else "$"
            else:
                row += "." if cell in goals else " "
        lines.append(row.rstrip())
    return "\n".join(lines) + "\n"


def _pull_back(rng: random.Random, width: int, height: int, n_boxes: int, n_walls: int, steps: int):
    walls = {
        (r, c)
        for r in range(height + 2)
        for c in range(width + 2)
        if r in (0, height + 1) or c in (0, width + 1)
    }
    interior = [(r, c) for r in range(1, height + 1) for c in range(1, width + 1)]
    walls |= set(rng.sample(interior, n_walls))
    free = [cell for cell in interior if cell not in walls]
    goals = set(rng.sample(free, n_boxes))
    boxes = set(goals)
    player = rng.choice([cell for cell in free if cell not in boxes])
    pushes = 0
    for _ in range(steps):
        move = rng.choice(sorted(DIRECTIONS))
        dr, dc = DIRECTIONS[move]
        target = (player[0] + dr, player[1] + dc)
        if target in walls or target in boxes:
            continue
        behind = (player[0] - dr, player[1] - dc)
        if behind in boxes and rng.random() < 0.7:  # pull the box along
            boxes.remove(behind)
            boxes.add(player)
            pushes += 1
        player = target
    return walls, goals, boxes, player, pushes


@register
class Sokoban(TemplateFamily):
    name = "sokoban"
    domain = Domain.GAMES
    description = "Find a move sequence that pushes every box of a Sokoban level onto a goal."
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        width, height, n_boxes, n_walls, steps = SETTINGS[difficulty]
        while True:
            walls, goals, boxes, player, pushes = _pull_back(
                rng, width, height, n_boxes, n_walls, steps
            )
            if not boxes & goals and pushes >= 4 * n_boxes:
                break
        level = _render(height, width, walls, goals, boxes, player)
        level_path, answer = rng.choice(LEVELS), rng.choice(ANSWERS)
        legend = [
            "`#` wall",
            "`@` you",
            "`$` box",
            "`.` goal",
            "`*` box on a goal",
            "`+` you on a goal",
            "space: floor",
        ]
        rng.shuffle(legend)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(level=level_path)
                + f" It has {n_boxes} box{'es' if n_boxes > 1 else ''} and as many goals.",
                f"Legend: {', '.join(legend)}.",
                "",
                "```",
                level.rstrip("\n"),
                "```",
                "",
                "Rules: you move one square up, down, left or right; walking into a box pushes it "
                "one square the same way, which is only allowed if the square beyond is floor or a "
                "goal (not a wall, not another box). You cannot pull boxes.",
                "",
                f"Write `{answer}`: one line of moves using the letters `u`, `d`, `l`, `r` "
                f"(upper case also accepted), at most {MAX_MOVES} moves, that leaves every box on a "
                "goal. Moves into a wall, or pushes that are not allowed, make the answer invalid.",
                f"Do not modify `{level_path}`.",
            ]
        )
        return Instance(
            instruction=instruction,
            files={"level.txt": level},
            dockerfile=f"COPY level.txt {level_path}\n",
            solution=self.asset("solve.sh")
            .replace("@LEVEL@", level_path)
            .replace("@ANSWER@", answer),
            checker=self.asset("check.py"),
            expected={
                "level": level,
                "level_path": level_path,
                "answer": answer,
                "max_moves": MAX_MOVES,
            },
            tags=["puzzle", "search", "sokoban"],
        )
