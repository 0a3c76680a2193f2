"""What every command shares: the consoles, the one-line error contract and common options."""

from __future__ import annotations

import functools
import os
import re
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from litecoder_harbor.errors import Interrupted, LitecoderError

console = Console()
err_console = Console(stderr=True)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (ESC starts CSI/OSC sequences, BEL ends OSC, CR rewrites the line) and
the bidirectional overrides that reorder what a terminal shows."""

MAX_COUNT = 100_000
"""Upper bound of every count option: beyond it a typo, not a plan (and hours of work)."""


def shown(text: object) -> str:
    """`text` from a task, a model or a container, made safe to print on one line: runs of
    whitespace become one space, control characters appear as escapes (`\\x1b`) instead of
    acting on the terminal, and rich markup in it is inert."""
    flat = " ".join(str(text).split())
    return escape(_CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), flat))


def log(line: str) -> None:
    console.print(f"[dim]{shown(line)}[/]", soft_wrap=True, highlight=False)


def check_output_folder(path: Path, option: str) -> None:
    """`path` is, or can be made, a folder this user writes in: checked before any work, so a
    run never ends with its results nowhere to go. Writes nothing."""
    if path.exists() and not path.is_dir():
        raise LitecoderError(f"{option} {path}: is a file, not a folder")
    _check_writable_in(path, path, option)


def check_output_file(path: Path, option: str) -> None:
    """`path` is, or can be made, a file this user writes (a folder there is an error)."""
    if path.is_dir():
        raise LitecoderError(
            f"{option} {path}: is a folder, not a file",
            hint=f"give a file name, e.g. {path / 'report.json'}",
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise LitecoderError(f"{option} {path}: the file is not writable")
    _check_writable_in(path.parent, path, option)


def _check_writable_in(folder: Path, path: Path, option: str) -> None:
    """The nearest folder that exists at or above `folder` takes a new file (probed with an
    anonymous temporary file: permissions, read-only mounts and quotas all answer honestly)."""
    existing = folder
    while not os.path.exists(existing):
        existing = existing.parent
    if not existing.is_dir():
        raise LitecoderError(f"{option} {path}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise LitecoderError(
            f"{option} {path}: cannot write in {existing}: {exc.strerror}",
            hint="choose a place you can write to",
        ) from None


def check_count(value: int | None, option: str, *, least: int = 1) -> None:
    """A count option lies in [least, MAX_COUNT] (None: not given)."""
    if value is not None and not least <= value <= MAX_COUNT:
        raise LitecoderError(f"{option} {value}: must be between {least} and {MAX_COUNT:,}")


def one_line_errors(command: Callable) -> Callable:
    """Bad input ends in one line on stderr naming what is wrong and how to fix it, exit 2;
    Ctrl-C or SIGTERM in one line too, with the shell's exit code for the signal."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            error: LitecoderError = Interrupted(signal.SIGINT)
        except LitecoderError as exc:
            error = exc
        err_console.print(
            f"[bold red]error:[/] {shown(error)}", markup=True, highlight=False, soft_wrap=True
        )
        raise typer.Exit(error.exit_code) from None

    return wrapper


EnvOption = Annotated[str, typer.Option("--env", help="Harbor environment type or module:Class.")]
JobsDirOption = Annotated[Path, typer.Option(help="Where Harbor writes validation jobs.")]
ConcurrencyOption = Annotated[int, typer.Option(help="Probe trials run at once.")]
