"""What every command shares: the consoles, the one-line error contract and common options."""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from litecoder_harbor.errors import Interrupted, LitecoderError

console = Console()
err_console = Console(stderr=True)


def log(line: str) -> None:
    console.print(f"[dim]{line}[/]", soft_wrap=True, highlight=False)


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
            f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True
        )
        raise typer.Exit(error.exit_code) from None

    return wrapper


EnvOption = Annotated[str, typer.Option("--env", help="Harbor environment type or module:Class.")]
JobsDirOption = Annotated[Path, typer.Option(help="Where Harbor writes validation jobs.")]
ConcurrencyOption = Annotated[int, typer.Option(help="Probe trials run at once.")]
