"""Solve a Sudoku (at hard difficulty an X-Sudoku, whose two diagonals also hold 1-9).

The generator fills a grid at random, then removes clues in random order as long as the puzzle
keeps exactly one solution, down to the difficulty's clue count. The checker verifies the
rules and the givens, and that the grid is the unique solution.
"""

from __future__ import annotations

import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

CLUES = {Difficulty.EASY: 40, Difficulty.MEDIUM: 31, Difficulty.HARD: 28}
PUZZLES = ["/app/puzzle.txt", "/app/sudoku/puzzle.txt", "/app/games/sudoku.txt"]
ANSWERS = ["/app/solution.txt", "/app/sudoku/solved.txt", "/app/answer.txt"]
OPENINGS = [
    "The newspaper's puzzle page is in `{puzzle}`.",
    "`{puzzle}` holds a Sudoku that needs solving.",
    "Solve the Sudoku stored in `{puzzle}`.",
]


def _units(diagonals: bool) -> list[list[int]]:
    rows = [[r * 9 + c for c in range(9)] for r in range(9)]
    cols = [[r * 9 + c for r in range(9)] for c in range(9)]
    boxes = [
        [(br + r) * 9 + bc + c for r in range(3) for c in range(3)]
        for br in (0, 3, 6)
        for bc in (0, 3, 6)
    ]
    diags = [[i * 10 for i in range(9)], [i * 8 + 8 for i in range(9)]] if diagonals else []
    return rows + cols + boxes + diags


def _solve(
    grid: list[int], units: list[list[int]], rng: random.Random | None, limit: int
) -> list[list[int]]:
    """Up to `limit` solutions of `grid` (0 = empty), by backtracking on the most constrained cell."""
    peers = [sorted({p for u in units if i in u for p in u} - {i}) for i in range(81)]
    grid, found = list(grid), []

    def search() -> None:
        best, best_options = -1, None
        for i in range(81):
            if grid[i] == 0:
                options = {1, 2, 3, 4, 5, 6, 7, 8, 9} - {grid[p] for p in peers[i]}
                if best_options is None or len(options) < len(best_options):
                    best, best_options = i, options
                    if len(options) <= 1:
                        break
        if best_options is None:
            found.append(list(grid))
            return
        options = sorted(best_options)
        if rng is not None:
            rng.shuffle(options)
        for digit in options:
            grid[best] = digit
            search()
            if len(found) >= limit:
                return
        grid[best] = 0

    search()
    return found


def _render(grid: list[int]) -> str:
    return (
        "\n".join("".join(str(d) if d else "." for d in grid[r * 9 : r * 9 + 9]) for r in range(9))
        + "\n"
    )


@register
class Sudoku(TemplateFamily):
    name = "sudoku"
    domain = Domain.GAMES
    description = (
        "Solve a Sudoku with a unique solution (an X-Sudoku at hard) into an exact text format."
    )
    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        diagonals = difficulty is Difficulty.HARD
        units = _units(diagonals)
        solution = _solve([0] * 81, units, rng, 1)[0]
        puzzle = list(solution)
        for cell in rng.sample(range(81), 81):
            if sum(1 for d in puzzle if d) <= CLUES[difficulty]:
                break
            kept, puzzle[cell] = puzzle[cell], 0
            if len(_solve(puzzle, units, None, 2)) != 1:
                puzzle[cell] = kept
        puzzle_path, answer = rng.choice(PUZZLES), rng.choice(ANSWERS)
        rules = [
            "every row, every column and every 3x3 box holds each digit 1-9 exactly once",
            "the given digits stay where they are",
        ]
        if diagonals:
            rules.append(
                "this is an X-Sudoku: both main diagonals also hold each digit 1-9 exactly once"
            )
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(puzzle=puzzle_path)
                + " It is 9 lines of 9 characters; `.` marks an empty square:",
                "",
                "```",
                _render(puzzle).rstrip(),
                "```",
                "",
                f"Write the completed grid to `{answer}` in the same layout (9 lines of 9 digits, no "
                "separators). Rules: "
                + "; ".join(rules)
                + ". The puzzle has exactly one solution.",
            ]
        )
        return Instance(
            instruction=instruction,
            files={"puzzle.txt": _render(puzzle)},
            dockerfile=f"COPY puzzle.txt {puzzle_path}\n",
            solution=self.asset("solve.sh")
            .replace("@PUZZLE@", puzzle_path)
            .replace("@ANSWER@", answer)
            .replace("@DIAGONALS@", str(diagonals)),
            checker=self.asset("check.py"),
            expected={
                "puzzle": _render(puzzle),
                "solution": _render(solution),
                "answer": answer,
                "diagonals": diagonals,
            },
            tags=["sudoku", "constraint-solving"] + (["x-sudoku"] if diagonals else []),
        )
