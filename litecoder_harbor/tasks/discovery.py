"""Finding task dirs on disk: what `validate`, `collect` and the scripted teacher read."""

from __future__ import annotations

from pathlib import Path

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.tasks.writer import check_with_harbor


def tasks_under(folder: Path) -> list[Path]:
    """The task dirs directly in `folder`. Hidden folders are never tasks: they are what a
    killed writer leaves (the writer's `.litecoder-tmp-*` staging, a work dir's `.tmp-*`)."""
    return sorted(
        toml.parent for toml in folder.glob("*/task.toml") if not toml.parent.name.startswith(".")
    )


def task_dirs_in(paths: list[Path]) -> list[Path]:
    """Each path is a task dir or a folder of them; anything else is an error naming it."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise LitecoderError(f"{path} does not exist")
        if (path / "task.toml").exists():
            found.append(path)
            continue
        children = tasks_under(path) if path.is_dir() else []
        if not children:
            raise LitecoderError(
                f"{path} is neither a task dir (no task.toml) nor a folder of task dirs"
            )
        found += children
    return found


def find_tasks(tasks_dir: Path) -> list[Path]:
    """The task dirs in `tasks_dir`, each loaded by Harbor now: a malformed one is an error
    naming its file, not a task silently left out or a column of errored trials later."""
    if not tasks_dir.is_dir():
        raise LitecoderError(f"--tasks {tasks_dir} is not a folder")
    tasks = tasks_under(tasks_dir)
    if not tasks:
        raise LitecoderError(f"--tasks {tasks_dir}: no Harbor task dirs in it (no */task.toml)")
    for task in tasks:
        check_with_harbor(task)
    return tasks
