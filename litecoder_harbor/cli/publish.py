"""`litecoder publish` and `litecoder export tb1`: hand a task set to others."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from litecoder_harbor.cli.output import (
    ConcurrencyOption,
    EnvOption,
    JobsDirOption,
    check_count,
    check_output_folder,
    console,
    log,
    one_line_errors,
    shown,
)

export_app = typer.Typer(help="Write tasks in other harnesses' formats.", no_args_is_help=True)

TasksOption = Annotated[Path, typer.Option("--tasks", help="A folder of Harbor task dirs.")]


@one_line_errors
def publish(
    tasks: TasksOption,
    name: Annotated[str, typer.Option(help="The dataset's name, org/name.")],
    version: Annotated[str, typer.Option(help="The dataset's version (PEP 440).")],
    out: Annotated[Path, typer.Option(help="DIST: where the publishable dataset is written.")],
    validate: Annotated[
        bool, typer.Option(help="Validate the tasks first (cached verdicts cost nothing).")
    ] = False,
    allow_unvalidated: Annotated[
        bool,
        typer.Option(help="Also publish tasks never validated (the card says so)."),
    ] = False,
    push_to_hub: Annotated[
        str | None, typer.Option(help="Also push DIST to this HF dataset repo (org/name).")
    ] = None,
    license: Annotated[str, typer.Option(help="The dataset's licence, for its card.")] = "mit",
    env: EnvOption = "docker",
    jobs_dir: JobsDirOption = Path("jobs"),
    n_concurrent: ConcurrencyOption = 8,
) -> None:
    """Publish the sound tasks of a folder as a Harbor dataset (manifest, registry, card)."""
    from litecoder_harbor.hub import check_repo_id
    from litecoder_harbor.jobs import EnvironmentSpec
    from litecoder_harbor.publish import (
        check_dist,
        check_name,
        check_version,
        gate,
        publish_dataset,
        publish_to_harbor_hub,
        push_to_hf_hub,
    )
    from litecoder_harbor.tasks.discovery import find_tasks

    check_name(name)
    check_version(version)
    if push_to_hub is not None:
        check_repo_id(push_to_hub)
    check_count(n_concurrent, "--n-concurrent")
    task_dirs = find_tasks(tasks)
    check_dist(tasks, out)
    check_output_folder(out, "--out")
    environment = EnvironmentSpec.parse(env)
    if validate:
        _validate(task_dirs, environment, jobs_dir, n_concurrent)
    entries = gate(task_dirs, org=name.split("/")[0], jobs_dir=jobs_dir, environment=environment)
    result = publish_dataset(
        entries,
        name=name,
        version=version,
        out=out,
        allow_unvalidated=allow_unvalidated,
        license=license,
    )
    table = Table(title=f"{name}@{version}")
    for column in ("task", "verdict", "published"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(
            shown(entry.task_dir.name),
            shown(entry.status),
            "yes" if entry in result.tasks else "no",
        )
    console.print(table)
    what = "wrote" if result.changed else "unchanged:"
    console.print(
        f"{what} {shown(out)}: {len(result.tasks)} task(s) published, {len(result.left_out)} left out",
        highlight=False,
    )
    console.print(
        f"run it: harbor run --registry-path {shown(out / 'registry.json')} "
        f"-d {result.registry_name}@{version} -a oracle",
        highlight=False,
        soft_wrap=True,
    )
    if push_to_hub is not None:
        url = push_to_hf_hub(out, push_to_hub, name=name, version=version)
        console.print(f"HF Hub: pushed to {shown(url)}", highlight=False, soft_wrap=True)
    hub = publish_to_harbor_hub(out, version)
    if hub.missing is not None:
        console.print(
            f"Harbor Hub: {shown(hub.missing)}; then run: {shown(' '.join(hub.command))}",
            highlight=False,
            soft_wrap=True,
        )
    elif hub.returncode:
        console.print(
            f"Harbor Hub: `{shown(' '.join(hub.command))}` failed (exit {hub.returncode})"
        )
        raise typer.Exit(1)


def _validate(task_dirs, environment, jobs_dir: Path, n_concurrent: int) -> None:
    from litecoder_harbor.cli.validate import show_report
    from litecoder_harbor.containers.images import ensure_engine
    from litecoder_harbor.validate import validate_tasks

    check_output_folder(jobs_dir, "--jobs-dir")
    ensure_engine(environment, [], log=log)
    report = validate_tasks(
        task_dirs, environment=environment, jobs_dir=jobs_dir, n_concurrent=n_concurrent, log=log
    )
    show_report(report, executed=True)


@export_app.command("tb1")
@one_line_errors
def export_tb1(
    tasks: TasksOption,
    out: Annotated[Path, typer.Option(help="Where the TB1 task dirs are written.")],
) -> None:
    """Terminal-Bench 1.0 task dirs (task.yaml, run-tests.sh, ...) for the legacy `tb` harness."""
    from litecoder_harbor.publish import check_apart, export_tb1
    from litecoder_harbor.tasks.discovery import find_tasks

    task_dirs = find_tasks(tasks)
    check_apart(tasks, out)
    check_output_folder(out, "--out")
    written = export_tb1(task_dirs, out)
    console.print(f"wrote {len(written)} TB1 task(s) to {shown(out)}", highlight=False)
