"""`litecoder validate`: prove tasks by execution and attack their verifiers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from litecoder_harbor.cli.output import (
    EnvOption,
    JobsDirOption,
    check_count,
    check_output_file,
    check_output_folder,
    console,
    log,
    one_line_errors,
    shown,
)

if TYPE_CHECKING:
    from litecoder_harbor.validate import ValidationReport

VERDICT_STYLE = {"sound": "green", "broken": "red", "unsolvable": "red", "trivial": "red"}


@one_line_errors
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Task dirs, or folders of task dirs.")],
    env: EnvOption = "docker",
    jobs_dir: JobsDirOption = Path("jobs"),
    n_concurrent: Annotated[
        int | None,
        typer.Option(help="Probe trials run at once (default: every probe of one task)."),
    ] = None,
    static_only: Annotated[bool, typer.Option(help="Only the static checks; no Docker.")] = False,
    attacks: Annotated[
        str | None, typer.Option(help="Comma-separated attacks to run (default: all).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the JSON report here.")] = None,
    keep_going: Annotated[bool, typer.Option(help="Exit 0 even when tasks fail.")] = False,
) -> None:
    """Prove tasks by execution and attack their verifiers; judge each one."""
    # Harbor's agent registry imports litellm, whose cost-map fetch retries for seconds offline
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from litecoder_harbor.containers.images import ensure_engine
    from litecoder_harbor.jobs import EnvironmentSpec
    from litecoder_harbor.tasks.discovery import task_dirs_in
    from litecoder_harbor.validate import choose_attacks, validate_tasks

    if n_concurrent is not None:
        check_count(n_concurrent, "--n-concurrent")
    if report is not None:
        check_output_file(report, "--report")
    if not static_only:
        check_output_folder(jobs_dir, "--jobs-dir")
    chosen = choose_attacks(attacks)
    task_dirs = task_dirs_in(paths)
    environment = EnvironmentSpec.parse(env)
    if not static_only:
        ensure_engine(environment, [], log=log)
    result = validate_tasks(
        task_dirs,
        environment=environment,
        jobs_dir=jobs_dir,
        **({} if n_concurrent is None else {"n_concurrent": n_concurrent}),
        execute=not static_only,
        attacks=chosen,
        log=log,
    )
    show_report(result, executed=not static_only)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(result.model_dump_json(indent=2))
    if not result.passed and not keep_going:
        raise typer.Exit(1)


def show_report(report: ValidationReport, *, executed: bool) -> None:
    """The verdict table, every static finding, and the count that passed."""
    table = Table(
        title=f"validation ({report.environment if executed else 'static only'})"
        + (f" — {report.job_dir}" if report.job_dir else "")
    )
    columns = ("task", "verdict", "grading", "oracle", "nop", "attacks won", "static", "reason")
    for column in columns:
        table.add_column(column, overflow="fold")
    for task in report.tasks:
        rewards = {p.probe: p.reward for p in task.probes}
        verdict = task.verdict.value if task.verdict else "-"
        static = ", ".join(sorted({f.rule for f in task.static_errors})) or "ok"
        table.add_row(
            shown(task.task),
            f"[{VERDICT_STYLE.get(verdict, 'yellow')}]{verdict}[/]",
            task.grading.value if task.grading else "-",
            str(rewards.get("oracle", "-")),
            str(rewards.get("nop", "-")),
            ", ".join(task.winning_attacks) or "none",
            static,
            shown(task.reason),
        )
    console.print(table)
    for task in report.tasks:
        for finding in task.static:
            console.print(
                f"[dim]{shown(task.task)}:[/] {shown(finding)}", soft_wrap=True, highlight=False
            )
    console.print(
        f"{sum(t.passed for t in report.tasks)}/{len(report.tasks)} task(s) passed ({report.seconds:.0f} s)"
    )
