"""The `litecoder` command line: one typer app wiring a command module per stage of the data
flow. Each command parses its arguments, calls the stage's public API and shows the result."""

from __future__ import annotations

import typer

from litecoder_harbor.cli import collect, doctor, gen, validate

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
