"""The `litecoder` command line: one typer app wiring a command module per stage of the data
flow. Each command parses its arguments, calls the stage's public API and shows the result."""

from __future__ import annotations

import sys

import typer

# Typer carries its own copy of click; these are the errors its argument parsing raises.
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from litecoder_harbor.cli import (
    collect,
    curate,
    doctor,
    eval,
    flywheel,
    gen,
    publish,
    train,
    validate,
)
from litecoder_harbor.cli.output import err_console, shown

app = typer.Typer(
    name="litecoder",
    help="LiteCoder-Terminal on Harbor: synthesize, validate, collect, curate, train, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

app.command()(doctor.doctor)
app.add_typer(doctor.images_app, name="images")
app.command()(gen.families)
app.add_typer(gen.spec_app, name="spec")
app.command()(gen.gen)
app.command()(validate.validate)
app.command()(collect.collect)
app.add_typer(collect.teacher_app, name="teacher")
app.add_typer(curate.curate_app, name="curate")
app.add_typer(train.train_app, name="train")
app.add_typer(eval.eval_app, name="eval")
app.command()(publish.publish)
app.command()(flywheel.flywheel)
app.add_typer(publish.export_app, name="export")


def main() -> None:
    """The console script: a wrong option or value (`--n abc`, `--bogus`) is one line too."""
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()
        code = exc.exit_code
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "litecoder"
        err_console.print(
            f"[bold red]error:[/] {shown(exc.format_message())} (see `{where} --help`)",
            highlight=False,
            soft_wrap=True,
        )
        code = exc.exit_code
    sys.exit(code if isinstance(code, int) else 0)
