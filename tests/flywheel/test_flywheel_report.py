"""The flywheel's HTML report, opened in a real headless browser (Debian's chromium, driven by
playwright): it renders without a console or page error, shows the summary table and every plot
(embedded, loaded), and text from tasks or models is shown, never run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from litecoder_harbor.flywheel import FlywheelSummary, StageFigures, render_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'>"


def plot(path: Path, colour: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(3, 2))
    axes.bar(["base", "trained"], [0.25, 0.5], color=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("run")
    summary = FlywheelSummary(
        run_dir=run,
        stages=[
            StageFigures(
                stage="gen",
                seconds=1.2,
                skipped=False,
                figures={"train tasks": 6, "train families": f"sales-rollup, {HOSTILE}"},
            ),
            StageFigures(
                stage="eval",
                seconds=300.0,
                skipped=True,
                figures={"base pass@1": 0.25, "base pass@1 CI": [0.0, 0.5]},
            ),
        ],
        plots=[
            plot(run / "curate" / "sft" / "plots" / "turns.png", "tab:blue"),
            plot(run / "eval" / "report" / "pass_at_k.png", "tab:orange"),
        ],
        job_folders=[run / "collect" / "terminus-2", run / "eval" / "base"],
    )
    path = run / "report.html"
    path.write_text(render_html(summary))
    for png in summary.plots:  # everything the page shows is inside it
        png.unlink()
    return path


def test_the_report_needs_nothing_besides_itself(report):
    text = report.read_text()
    assert "data:image/png;base64," in text
    assert "<script" not in text and "onerror='" not in text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in text
    assert f"harbor view {report.parent / 'collect' / 'terminus-2'} --jobs" in text


def test_chromium_renders_it_without_errors(report, tmp_path):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium") == CHROMIUM, "scripts/setup.sh installs Debian's chromium"
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            cells = page.locator("#summary tbody tr td").all_inner_texts()
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth])"
            )
            pwned = page.evaluate("window.pwned")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert "train tasks" in cells and "6" in cells and "[0, 0.5]" in cells
    assert "300 s (done before)" in cells
    assert any(HOSTILE in cell for cell in cells)  # shown as text
    assert pwned is None  # and never run
    assert len(images) == 2 and all(done and width > 0 for done, width in images)
