"""What a flywheel run shows at the end: one row per figure of every stage (a rich table on the
terminal, `RUN/summary.json`), the plots the stages drew, the `harbor view` commands that browse
its trajectories, and all of it as one self-contained HTML file (`RUN/report.html`: plots
embedded as data URIs, every text escaped, nothing fetched)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.table import Table

from litecoder_harbor.files import atomic_write

SUMMARY_FILE = "summary.json"
HTML_FILE = "report.html"


class StageFigures(BaseModel):
    stage: str
    seconds: float
    skipped: bool
    figures: dict[str, Any]


class FlywheelSummary(BaseModel):
    run_dir: Path
    stages: list[StageFigures]
    plots: list[Path]
    """PNG files under the run folder, in the order the stages drew them."""
    job_folders: list[Path]
    """Folders of Harbor job dirs, each one `harbor view` browses."""

    def viewer_commands(self) -> list[str]:
        return [f"harbor view {folder} --jobs" for folder in self.job_folders]


def shown_value(value: Any) -> str:
    """A figure as the table shows it: fractions as percentages, intervals as [low, high]."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(shown_value(v) for v in value) + "]"
    return str(value)


def rows(summary: FlywheelSummary) -> list[tuple[str, str, str]]:
    """(stage, figure, value), the stage's wall time first."""
    out = []
    for stage in summary.stages:
        wall = f"{stage.seconds:.0f} s" + (" (done before)" if stage.skipped else "")
        out.append((stage.stage, "wall time", wall))
        out.extend((stage.stage, name, shown_value(v)) for name, v in stage.figures.items())
    return out


def summary_table(summary: FlywheelSummary, shown=str) -> Table:
    table = Table(title=f"flywheel run {shown(summary.run_dir)}")
    for column in ("stage", "figure", "value"):
        table.add_column(column, overflow="fold")
    previous = None
    for stage, name, value in rows(summary):
        if previous is not None and stage != previous:
            table.add_section()
        table.add_row(stage if stage != previous else "", shown(name), shown(value))
        previous = stage
    return table


def write_summary(summary: FlywheelSummary) -> None:
    atomic_write(summary.run_dir / SUMMARY_FILE, summary.model_dump_json(indent=2) + "\n")
    atomic_write(summary.run_dir / HTML_FILE, render_html(summary))


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr.stage-start td { border-top: 2px solid #888; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figure img { max-width: 32em; border: 1px solid #ddd; }
figcaption, .note { font-size: 0.9em; color: #555; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; }
"""


def render_html(summary: FlywheelSummary) -> str:
    """The report as one HTML document that needs nothing besides itself."""
    e = html.escape
    body = [f"<h1>Flywheel run <code>{e(str(summary.run_dir))}</code></h1>"]
    body.append('<h2>Summary</h2>\n<table id="summary">')
    body.append("<thead><tr><th>stage</th><th>figure</th><th>value</th></tr></thead><tbody>")
    previous = None
    for stage, name, value in rows(summary):
        start = stage != previous
        css = ' class="stage-start"' if start and previous is not None else ""
        label = e(stage) if start else ""
        body.append(f"<tr{css}><td>{label}</td><td>{e(name)}</td><td>{e(value)}</td></tr>")
        previous = stage
    body.append("</tbody></table>")
    body.append("<h2>Plots</h2>")
    if not summary.plots:
        body.append('<p class="note">No plots were drawn.</p>')
    for plot in summary.plots:
        data = base64.b64encode(plot.read_bytes()).decode("ascii")
        name = _relative(plot, summary.run_dir)
        body.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{e(name)}">'
            f"<figcaption>{e(name)}</figcaption></figure>"
        )
    body.append("<h2>Trajectories</h2>")
    body.append(
        '<p class="note">Harbor\'s viewer browses every trial: its trajectory, terminal '
        "output, verifier log and reward. Run one of these and open the address it prints:</p>"
    )
    body.append("<pre>" + e("\n".join(summary.viewer_commands())) + "</pre>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Flywheel run {e(summary.run_dir.name)}</title><style>{_STYLE}</style></head>"
        "<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
