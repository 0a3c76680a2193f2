"""The index that lets probe agents find a task's reference solution from its instruction:
Harbor hands an agent only the instruction, so the engine writes instruction sha256 -> host
path of solution/solve.sh into the job dir before the probes run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def instruction_key(instruction: str) -> str:
    return hashlib.sha256(instruction.strip().encode()).hexdigest()


def solution_for(instruction: str, index: Path) -> str:
    return json.loads(index.read_text())[instruction_key(instruction)]


def write_solutions_index(task_dirs: list[Path], index: Path) -> Path:
    """Index the reference solution of every task in `task_dirs` at `index`."""
    index.write_text(
        json.dumps(
            {
                instruction_key((p / "instruction.md").read_text()): str(
                    p / "solution" / "solve.sh"
                )
                for p in task_dirs
            }
        )
    )
    return index
