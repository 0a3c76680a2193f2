"""The `litecoder` command line: one typer app, one subcommand per stage of the data flow."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from litecoder_harbor.errors import LitecoderError

app = typer.Typer(
    name="litecoder",
    help="LiteCoder-Terminal on Harbor: synthesize, validate, collect, curate, train, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
images_app = typer.Typer(help="Base images the task templates build on.", no_args_is_help=True)
app.add_typer(images_app, name="images")

console = Console()
err_console = Console(stderr=True)

STATUS_STYLE = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]"}


def _log(line: str) -> None:
    console.print(f"[dim]{line}[/]", soft_wrap=True, highlight=False)


def one_line_errors(command: Callable) -> Callable:
    """Bad input ends in one line on stderr naming what is wrong and how to fix it, exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LitecoderError as exc:
            err_console.print(
                f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None

    return wrapper


@app.command()
@one_line_errors
def doctor() -> None:
    """Check every prerequisite; exit non-zero when a required one is missing."""
    from litecoder_harbor.doctor import run_checks

    checks = run_checks()
    width = max(len(check.name) for check in checks)
    for check in checks:
        fix = f"  [bold]fix:[/] {check.fix}" if check.fix and check.status != "ok" else ""
        line = f"{STATUS_STYLE[check.status]} {check.name:<{width}}  {check.detail}{fix}"
        console.print(line, soft_wrap=True, highlight=False)
    if any(check.status == "fail" and check.required for check in checks):
        raise typer.Exit(1)


@images_app.command("ensure")
@one_line_errors
def images_ensure(
    quiet: Annotated[bool, typer.Option(help="Print only what changed.")] = False,
) -> None:
    """Make the templates' base images available (present, pulled, or built offline) and
    cache every domain's shared layers."""
    from litecoder_harbor.gen.domains import Domain
    from litecoder_harbor.images import ensure_image, required_base_images, warm_layer_cache

    for tag in required_base_images():
        outcome = ensure_image(tag, log=_log)
        if outcome != "present" or not quiet:
            console.print(f"{tag}: {outcome}")
    built = warm_layer_cache(list(Domain), log=_log)
    if built or not quiet:
        console.print(f"domain layer cache: {len(built)} built, {len(Domain) - len(built)} present")


@app.command()
@one_line_errors
def families() -> None:
    """List the template families with their domain and a one-line description."""
    from litecoder_harbor.gen.templates import load_families

    table = Table(title="template families")
    for column in ("family", "domain", "description"):
        table.add_column(column)
    for family in sorted(load_families().values(), key=lambda f: (f.domain, f.name)):
        table.add_row(family.name, family.domain.value, family.description)
    console.print(table)


@app.command()
@one_line_errors
def gen(
    out: Annotated[Path, typer.Option(help="Folder to write the Harbor task dirs into.")],
    backend: Annotated[str, typer.Option(help="Where tasks come from: template.")] = "template",
    n: Annotated[int, typer.Option("--n", help="How many tasks.")] = 10,
    seed: Annotated[int, typer.Option(help="Task i uses seed + i: same seed, same tasks.")] = 0,
    domain: Annotated[str | None, typer.Option(help="One domain, or all (default).")] = None,
    family: Annotated[str | None, typer.Option(help="One template family.")] = None,
    difficulty: Annotated[
        str | None, typer.Option(help="easy | medium | hard (default: mixed).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace tasks whose content differs.")] = False,
    validate: Annotated[
        bool, typer.Option(help="Run oracle (must score 1) and nop (must score 0).")
    ] = False,
    env: Annotated[
        str, typer.Option("--env", help="Harbor environment type or module:Class.")
    ] = "docker",
    jobs_dir: Annotated[Path, typer.Option(help="Where Harbor writes validation jobs.")] = Path(
        "jobs"
    ),
    n_concurrent: Annotated[int, typer.Option(help="Trials run at once during validation.")] = 4,
) -> None:
    """Generate tasks into --out, optionally proving each one by execution."""
    from litecoder_harbor.gen import generate_drafts
    from litecoder_harbor.tasks.writer import check_task_folder, remove_debris, write_tasks

    check_task_folder(out)
    drafts = generate_drafts(backend, n, seed, domain=domain, family=family, difficulty=difficulty)
    if validate:
        _preflight(env, drafts)
    if out.exists():
        remove_debris(out)
    results = write_tasks(drafts, out, overwrite=overwrite)

    table = Table(title=f"{len(results)} task(s) in {out}")
    for column in ("task", "family", "difficulty", "status"):
        table.add_column(column)
    for draft, result in zip(drafts, results, strict=True):
        meta = draft.config.metadata["litecoder"]
        table.add_row(
            result.name, meta["family"], draft.config.metadata["difficulty"], result.status
        )
    console.print(table)

    if validate:
        _validate([result.path for result in results], env, jobs_dir, n_concurrent)


def _preflight(env: str, drafts: list) -> None:
    """Everything validation needs, checked before a single file is written."""
    from litecoder_harbor.gen.domains import Domain
    from litecoder_harbor.jobs.runner import environment_config

    environment_config(env)
    if env == "docker":
        from litecoder_harbor.engine import require_docker
        from litecoder_harbor.images import ensure_image, required_base_images, warm_layer_cache

        require_docker()
        for tag in required_base_images():
            ensure_image(tag, log=_log)
        warm_layer_cache(sorted({Domain(d.config.metadata["category"]) for d in drafts}), log=_log)


def _validate(task_dirs: list[Path], env: str, jobs_dir: Path, n_concurrent: int) -> None:
    from litecoder_harbor.validate.probes import validate_by_execution

    report = validate_by_execution(
        task_dirs, environment=env, jobs_dir=jobs_dir, n_concurrent=n_concurrent
    )
    table = Table(title=f"validation ({env}) — {report.job_dir}")
    for column in ("task", "oracle", "nop", "verdict", "reason"):
        table.add_column(column, overflow="fold")
    for task in report.tasks:
        rewards = {probe.agent: probe.reward for probe in task.probes}
        table.add_row(
            task.task,
            str(rewards.get("oracle")),
            str(rewards.get("nop")),
            "[green]pass[/]" if task.passed else "[red]FAIL[/]",
            task.reason,
        )
    console.print(table)
    n_ok = sum(task.passed for task in report.tasks)
    console.print(f"{n_ok}/{len(report.tasks)} task(s) passed validation")
    if not report.passed:
        raise typer.Exit(1)
