"""An evaluation report on disk: report.json and PNG plots (the pass@k curve and pass@1 per
category, one series per run, so base, SFT and DMPO read off one picture)."""

from __future__ import annotations

from pathlib import Path

from litecoder_harbor.eval.report import REPORT_FILE, EvalReport
from litecoder_harbor.files import atomic_write

PASS_AT_K_PLOT = "pass_at_k.png"
CATEGORY_PLOT = "pass_at_1_by_category.png"


def _png(figure) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()


def write_plots(report: EvalReport, out: Path) -> list[str]:
    """Both plots into `out`; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for run in report.runs:
        ks = sorted(run.pass_at_k)
        axes.plot(ks, [100 * run.pass_at_k[k] for k in ks], marker="o", label=run.label)
    axes.set_xlabel("k (attempts per task)")
    axes.set_ylabel("pass@k (%)")
    axes.set_ylim(-2, 102)  # points at 0 and 100 stay visible
    axes.set_xticks(sorted({k for run in report.runs for k in run.pass_at_k}))
    axes.set_title("pass@k (unbiased estimator, mean over tasks)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    atomic_write(out / PASS_AT_K_PLOT, _png(figure))
    plt.close(figure)

    categories = sorted({b.name for run in report.runs for b in run.by_category})
    figure, axes = plt.subplots(figsize=(max(6, 1.2 * len(categories)), 4))
    width = 0.8 / len(report.runs)
    for i, run in enumerate(report.runs):
        rates = {b.name: 100 * b.pass_at_1 for b in run.by_category}
        axes.bar(
            [c + i * width for c in range(len(categories))],
            [rates.get(name, 0.0) for name in categories],
            width,
            label=run.label,
        )
    axes.set_xticks([c + 0.4 - width / 2 for c in range(len(categories))], categories)
    axes.tick_params(axis="x", labelrotation=30)
    axes.set_ylabel("pass@1 (%)")
    axes.set_ylim(-2, 102)  # points at 0 and 100 stay visible
    axes.set_title("pass@1 by task category")
    axes.legend(fontsize="small")
    atomic_write(out / CATEGORY_PLOT, _png(figure))
    plt.close(figure)
    return [PASS_AT_K_PLOT, CATEGORY_PLOT]


def write_report(report: EvalReport, out: Path) -> EvalReport:
    """report.json and the plots into `out`; returns the report naming its plots."""
    out.mkdir(parents=True, exist_ok=True)
    report = report.model_copy(update={"plots": write_plots(report, out)})
    atomic_write(out / REPORT_FILE, report.model_dump_json(indent=2) + "\n")
    return report
