"""The whole flywheel in one run: generate → validate → collect → curate → train → evaluate, each
stage through that stage's own public API, into `RUN/<stage>/`, resumable, with a summary of
every stage's figures and an HTML report. The public API of the flywheel.

The defaults run offline on a CPU: template tasks, the scripted teacher served locally (under
Terminus-2 and, on one domain, Claude Code), the tiny Qwen3 trained with SFT then DMPO, and base
vs trained evaluated on families held out of everything the teacher saw.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from litecoder_harbor.flywheel.options import FlywheelOptions, check_same_run
from litecoder_harbor.flywheel.report import (
    HTML_FILE,
    SUMMARY_FILE,
    FlywheelSummary,
    StageFigures,
    render_html,
    summary_table,
    write_summary,
)
from litecoder_harbor.flywheel.stages import STAGES, Run, collect_job_folders, run_stage

__all__ = [
    "HTML_FILE",
    "STAGES",
    "SUMMARY_FILE",
    "FlywheelOptions",
    "FlywheelSummary",
    "StageFigures",
    "prepare_run",
    "render_html",
    "run_flywheel",
    "summary_table",
]


def prepare_run(run_dir: Path, options: FlywheelOptions) -> None:
    """Everything checked before any stage runs: the options, and that `run_dir` is new or a
    run made with the same options (recorded in run.json on first use)."""
    options.check()
    check_same_run(run_dir, options)


def run_flywheel(
    run_dir: Path,
    options: FlywheelOptions,
    *,
    log: Callable[[str], None] = print,
    console: Console | None = None,
) -> FlywheelSummary:
    """Run (or resume) every stage, then write summary.json and report.html."""
    prepare_run(run_dir, options)
    run = Run(run_dir, options, log=log, console=console)
    results = [run_stage(run, name, work) for name, work in STAGES]
    summary = FlywheelSummary(
        run_dir=run_dir,
        stages=[
            StageFigures(stage=r.name, seconds=r.seconds, skipped=r.skipped, figures=r.figures)
            for r in results
        ],
        plots=_plots(run_dir),
        job_folders=[*collect_job_folders(run), *_eval_folders(run_dir)],
    )
    write_summary(summary)
    return summary


def _plots(run_dir: Path) -> list[Path]:
    """The curated datasets' plots, then the evaluation's."""
    return sorted((run_dir / "curate").glob("*/plots/*.png")) + sorted(
        (run_dir / "eval" / "report").glob("*.png")
    )


def _eval_folders(run_dir: Path) -> list[Path]:
    return [p for p in (run_dir / "eval" / "base", run_dir / "eval" / "trained") if p.is_dir()]
