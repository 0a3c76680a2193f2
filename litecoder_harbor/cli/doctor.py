"""`litecoder doctor` and `litecoder images`: the machine's prerequisites and base images."""

from __future__ import annotations

from typing import Annotated

import typer

from litecoder_harbor.cli.output import console, log, one_line_errors, shown

STATUS_STYLE = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]"}

LocalEngineOption = Annotated[
    str, typer.Option("--env", help="The local engine: docker or podman.")
]

images_app = typer.Typer(help="Base images the task templates build on.", no_args_is_help=True)


@one_line_errors
def doctor(env: LocalEngineOption = "docker") -> None:
    """Check every prerequisite; exit non-zero when a required one is missing."""
    from litecoder_harbor.doctor import run_checks

    checks = run_checks(env)
    width = max(len(check.name) for check in checks)
    for check in checks:
        fix = f"  [bold]fix:[/] {check.fix}" if check.fix and check.status != "ok" else ""
        detail = shown(check.detail)  # may quote an engine's or endpoint's error
        line = f"{STATUS_STYLE[check.status]} {check.name:<{width}}  {detail}{fix}"
        console.print(line, soft_wrap=True, highlight=False)
    if any(check.status == "fail" and check.required for check in checks):
        raise typer.Exit(1)


@images_app.command("ensure")
@one_line_errors
def images_ensure(
    quiet: Annotated[bool, typer.Option(help="Print only what changed.")] = False,
    env: LocalEngineOption = "docker",
    layers: Annotated[
        bool, typer.Option(help="Also cache every domain's shared layers (slow the first time).")
    ] = True,
) -> None:
    """Make the templates' base images available (present, copied from Docker, pulled, or
    built offline) and cache every domain's shared layers."""
    from litecoder_harbor.containers.daemon import local_engine
    from litecoder_harbor.containers.images import (
        ensure_image,
        required_base_images,
        warm_layer_cache,
    )
    from litecoder_harbor.tasks.conventions import Domain

    local_engine(env)
    for tag in required_base_images():
        outcome = ensure_image(tag, log=log, engine=env)
        if outcome != "present" or not quiet:
            console.print(f"{tag}: {outcome}")
    if not layers:
        return
    built = warm_layer_cache(list(Domain), log=log, engine=env)
    if built or not quiet:
        console.print(f"domain layer cache: {len(built)} built, {len(Domain) - len(built)} present")
