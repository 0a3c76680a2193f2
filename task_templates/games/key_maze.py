"""Escape a maze with locked doors through its terminal game, within a step budget.

The maze is a perfect maze (one path between any two squares), so a door placed on the way to
the exit must be opened: its key lies somewhere reachable before it, usually off the way. The
generator knows the shortest escape (breadth-first search over square and keys held); at
hard difficulty the budget is exactly that length, so wandering loses.
"""

from __future__ import annotations

import json
import random
from collections import deque

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.tasks.model import TaskFile

SETTINGS = {  # cells wide, cells high, doors, budget slack (None: no budget)
    Difficulty.EASY: (6, 5, 0, None),
    Difficulty.MEDIUM: (9, 7, 1, 0.25),
    Difficulty.HARD: (13, 9, 2, 0.0),
}
STEP = {"N": (-1, 0), "S": (1, 0), "W": (0, -1), "E": (0, 1)}
STATE = "/var/lib/maze/state.json"
OPENINGS = [
    "You are trapped in the maze of the `maze` game installed here.",
    "The terminal game `maze` has put you at the start of a locked-door maze.",
    "Get out of the maze run by the `maze` command.",
]


def _carve(rng: random.Random, width: int, height: int) -> list[list[str]]:
    grid = [["#"] * (2 * width + 1) for _ in range(2 * height + 1)]
    stack, seen = [(0, 0)], {(0, 0)}
    grid[1][1] = "."
    while stack:
        r, c = stack[-1]
        options = [
            (r + dr, c + dc)
            for dr, dc in STEP.values()
            if 0 <= r + dr < height and 0 <= c + dc < width
        ]
        options = [cell for cell in options if cell not in seen]
        if not options:
            stack.pop()
            continue
        nr, nc = rng.choice(options)
        grid[r + nr + 1][c + nc + 1] = "."
        grid[2 * nr + 1][2 * nc + 1] = "."
        seen.add((nr, nc))
        stack.append((nr, nc))
    return grid


def _shortest(grid: list[str], start: tuple[int, int]) -> dict:
    """Breadth-first search over (square, keys held): distance to the exit, or path to a square."""
    first = (start, frozenset())
    parent = {first: None}
    queue = deque([first])
    while queue:
        node = queue.popleft()
        (r, c), keys = node
        if grid[r][c] == "E":
            moves = []
            while parent[node] is not None:
                node, letter = parent[node]
                moves.append(letter)
            return {"moves": "".join(reversed(moves))}
        for letter, (dr, dc) in STEP.items():
            cell = grid[r + dr][c + dc]
            if cell == "#" or (cell.isupper() and cell != "E" and cell.lower() not in keys):
                continue
            child = ((r + dr, c + dc), keys | {cell} if cell.islower() else keys)
            if child not in parent:
                parent[child] = (node, letter)
                queue.append(child)
    raise ValueError("maze has no escape")


def _reachable(
    grid: list[list[str]], start: tuple[int, int], closed: str = ""
) -> list[tuple[int, int]]:
    """Squares reachable from `start` when the doors in `closed` stay shut."""
    seen, queue = {start}, deque([start])
    while queue:
        r, c = queue.popleft()
        for dr, dc in STEP.values():
            cell = (r + dr, c + dc)
            if (
                cell not in seen
                and grid[cell[0]][cell[1]] != "#"
                and grid[cell[0]][cell[1]] not in closed
            ):
                seen.add(cell)
                queue.append(cell)
    return sorted(seen)


def _path(
    grid: list[list[str]], start: tuple[int, int], goal: tuple[int, int]
) -> list[tuple[int, int]]:
    parent, queue = {start: None}, deque([start])
    while queue:
        cell = queue.popleft()
        for dr, dc in STEP.values():
            nxt = (cell[0] + dr, cell[1] + dc)
            if nxt not in parent and grid[nxt[0]][nxt[1]] != "#":
                parent[nxt] = cell
                queue.append(nxt)
    path, cell = [], goal
    while cell is not None:
        path.append(cell)
        cell = parent[cell]
    return path[::-1]


@register
class KeyMaze(TemplateFamily):
    name = "key-maze"
    result_paths = ("/var/lib/maze",)
    domain = Domain.GAMES
    description = (
        "Escape a locked-door maze through the `maze` game, collecting keys, within a step budget."
    )
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        width, height, doors, slack = SETTINGS[difficulty]
        grid = _carve(rng, width, height)
        start = (1, 1)
        floor = _reachable(grid, start)
        far = sorted(floor, key=lambda cell: -len(_path(grid, start, cell)))[
            : max(3, len(floor) // 10)
        ]
        exit_cell = rng.choice(far)
        grid[exit_cell[0]][exit_cell[1]] = "E"
        route = _path(grid, start, exit_cell)
        corridor = [cell for cell in route[2:-2] if cell[0] % 2 == 1 and cell[1] % 2 == 1]
        for i in range(doors):
            door = corridor[(i + 1) * len(corridor) // (doors + 1)]
            grid[door[0]][door[1]] = "ABC"[i]
            before = [
                c
                for c in _reachable(grid, start, closed="ABC"[i])
                if grid[c[0]][c[1]] == "." and c != start
            ]
            options = [cell for cell in before if cell not in route] or before
            key = rng.choice(options)
            grid[key[0]][key[1]] = "abc"[i]
        rows = ["".join(row) for row in grid]
        shortest = len(_shortest(rows, start)["moves"])
        budget = None if slack is None else int(shortest * (1 + slack))
        rules = [
            "Walk with `maze go` followed by N, E, S or W letters (one square each); `maze map` shows the whole maze.",
            "Only the steps the game records count: every one of them must be legal.",
        ]
        if doors:
            rules.append(
                "Capital letters are locked doors; walking onto the lower-case letter picks up its key, "
                "after which the door opens."
            )
        if budget is not None:
            rules.append(
                f"You have {budget} steps at most — the game does not stop you, but more steps fail the task."
            )
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS),
                f"The maze is {len(rows[0])} columns by {len(rows)} rows and you start at row 1, column 1 "
                f"(0-based); the exit `E` is at row {exit_cell[0]}, column {exit_cell[1]}.",
                "",
                *[f"- {rule}" for rule in rules],
                "",
                f"The game keeps its state in `{STATE}`; when you finish, `maze status` must say ESCAPED.",
            ]
        )
        state = {"grid": rows, "pos": list(start), "keys": [], "moves": []}
        return Instance(
            instruction=instruction,
            files={
                "maze.py": TaskFile(content=self.asset("maze.py"), executable=True),
                "state.json": json.dumps(state),
            },
            dockerfile=f"COPY maze.py /usr/local/bin/maze\nCOPY state.json {STATE}\nRUN chmod 755 /usr/local/bin/maze\n",
            solution=self.asset("solve.sh"),
            checker=self.asset("check.py"),
            expected={
                "grid": rows,
                "start": list(start),
                "budget": budget,
                "shortest": shortest,
                "state_path": STATE,
            },
            tags=["maze", "search", "interactive"] + (["keys-and-doors"] if doors else []),
        )
