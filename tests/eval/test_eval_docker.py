"""`litecoder eval run` end to end through Harbor on the local Docker engine: a local
registry.json over two generated tasks with the scripted teacher as the model (all solved), the
task folder itself with a teacher that gives up (none solved; one task, to save container
time), k=2; and `--serve` on a tiny checkpoint."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import run_cli
from support.teacher import serve_teacher
from support.tiny_checkpoint import tiny_checkpoint

pytestmark = pytest.mark.docker

CANARY_KEY = "sk-canary-0123456789abcdef"
AGENT = ("--agent", "litecoder-terminus-2")  # tmux is in every task image: nothing to install


@pytest.fixture(scope="module")
def root(tmp_path_factory, docker_ready) -> Path:
    return tmp_path_factory.mktemp("eval")


@pytest.fixture(scope="module")
def tasks(root) -> Path:
    from litecoder_harbor.gen import write_template_tasks

    write_template_tasks(root / "tasks", "template", 2, 1, difficulty="easy")
    return root / "tasks"


@pytest.fixture(scope="module")
def registry(root, tasks) -> Path:
    path = root / "registry.json"
    entries = [{"name": t.name, "path": str(t)} for t in sorted(tasks.iterdir())]
    path.write_text(
        json.dumps([{"name": "heldout", "version": "1.0", "description": "", "tasks": entries}])
    )
    return path


@pytest.fixture(scope="module")
def teacher(tasks):
    with serve_teacher(tasks) as served:
        yield served


def eval_run(out: Path, *source: str, model: str, url: str):
    return run_cli(
        "eval", "run", *source, "--model", model, "--api-base", url, *AGENT, "-k", "2",
        "--out", str(out), env={"OPENAI_API_KEY": CANARY_KEY},
    )  # fmt: skip


def job_dirs(out: Path) -> list[Path]:
    return [p for p in out.glob("eval-*") if not p.name.endswith("-report")]


def report_of(out: Path) -> dict:
    [path] = out.glob("*-report/report.json")
    [run] = json.loads(path.read_text())["runs"]
    return run


@pytest.fixture(scope="module")
def solved(root, registry, teacher):
    out = root / "solved"
    source = ("--registry-path", str(registry), "-d", "heldout@1.0")
    proc = eval_run(out, *source, model="openai/teacher", url=teacher[0])
    return out, proc, source


@pytest.fixture(scope="module")
def gave_up(root, tasks, teacher):
    out = root / "gave-up"
    source = ("-p", str(tasks), "--n-tasks", "1")
    return out, eval_run(out, *source, model="openai/teacher-give-up", url=teacher[0])


def test_the_teacher_solves_every_trial(solved):
    out, proc, _ = solved
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = report_of(out)
    assert (run["tasks"], run["trials"], run["runs_per_task"]) == (2, 4, {"2": 2})
    assert run["pass_at_1"] == 1.0 and run["pass_at_k"] == {"1": 1.0, "2": 1.0}
    assert set(run["errors"].values()) == {0}
    assert run["input_tokens"] > 0
    assert not run["leaderboard_valid"]
    assert "not leaderboard-valid: -k 2 (at least 5)" in proc.stderr
    assert "pass@1" in proc.stdout and "100.0" in proc.stdout


def test_a_rerun_resumes_and_runs_nothing_again(solved, teacher):
    out, _, source = solved
    _, log = teacher
    calls = log.read_text().count(" turn ")
    again = eval_run(out, *source, model="openai/teacher", url=teacher[0])
    assert again.returncode == 0, again.stdout + again.stderr
    assert log.read_text().count(" turn ") == calls
    assert len(list(out.glob("eval-*/*/result.json"))) == 4


def test_a_teacher_that_gives_up_solves_nothing(gave_up):
    out, proc = gave_up
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = report_of(out)
    assert run["trials"] == 2 and run["pass_at_1"] == 0.0 and run["pass_at_k"]["2"] == 0.0
    assert set(run["errors"].values()) == {0}
    assert "a subset of the tasks" in proc.stderr


def test_no_key_is_written(solved, gave_up):
    for out in (solved[0], gave_up[0]):
        for path in out.rglob("*"):
            if path.is_file() and path.suffix != ".png":
                assert CANARY_KEY not in path.read_text(errors="replace"), path


def test_compare_the_two_runs(solved, gave_up, tmp_path):
    [first] = job_dirs(solved[0])
    [second] = job_dirs(gave_up[0])
    proc = run_cli("eval", "report", str(first), str(second), "--compare", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    [comparison] = json.loads((tmp_path / "report.json").read_text())["comparisons"]
    assert comparison["shared_tasks"] == 1 and comparison["difference"] == -1.0


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args and "pytest" not in args:
            found.append(args)
    return found


def test_serve_a_tiny_checkpoint_end_to_end_then_stop_it(tasks, tmp_path):
    checkpoint = tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "out"
    proc = run_cli(
        "eval", "run", "-p", str(tasks), "--n-tasks", "1", "--serve", str(checkpoint), *AGENT,
        "--ak", "max_turns=2", "-k", "1", "--out", str(out),
        env={"OPENAI_API_KEY": ""},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = report_of(out)
    assert (run["trials"], run["pass_at_1"]) == (1, 0.0)
    assert set(run["errors"].values()) == {0}
    assert run["models"] == [str(checkpoint)]  # served under its path
    api_base = re.search(r"on (http://127\.0\.0\.1:\d+/v1)", proc.stdout).group(1)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{api_base}/models", timeout=5)
    assert _processes_mentioning(str(checkpoint)) == []
