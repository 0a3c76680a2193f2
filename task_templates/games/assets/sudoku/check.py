"""Grade the completed grid: shape, every unit a permutation of 1-9, givens kept, and equal
to the unique solution the generator knows."""

import sys

sys.path.append("/tests")
from verifier_kit import Checks, expected, read_text  # noqa: E402

truth = expected()
checks = Checks()
grid = []


def load():
    lines = read_text(truth["answer"]).split()
    grid.extend(lines)
    return len(lines) == 9 and all(
        len(line) == 9 and line.isdigit() for line in lines
    ), f"{len(lines)} lines"


def units():
    rows = [[(r, c) for c in range(9)] for r in range(9)]
    cols = [[(r, c) for r in range(9)] for c in range(9)]
    boxes = [
        [(br + r, bc + c) for r in range(3) for c in range(3)]
        for br in (0, 3, 6)
        for bc in (0, 3, 6)
    ]
    diagonals = (
        [[(i, i) for i in range(9)], [(i, 8 - i) for i in range(9)]] if truth["diagonals"] else []
    )
    return {"rows": rows, "columns": cols, "boxes": boxes, "diagonals": diagonals}


def valid(cells):
    def check():
        bad = [
            k
            for k, unit in enumerate(cells)
            if sorted(grid[r][c] for r, c in unit) != list("123456789")
        ]
        return not bad, f"units {bad} repeat a digit"

    return check


def givens_kept():
    puzzle = truth["puzzle"].split()
    moved = [
        (r, c)
        for r in range(9)
        for c in range(9)
        if puzzle[r][c] != "." and puzzle[r][c] != grid[r][c]
    ]
    return not moved, f"givens changed at {moved[:5]}"


if checks.run("9 lines of 9 digits", load):
    for name, cells in units().items():
        if cells:
            checks.run(f"{name} hold 1-9 once each", valid(cells))
    checks.run("given digits kept", givens_kept)
    checks.run("the unique solution", lambda: grid == truth["solution"].split())
checks.finish()
