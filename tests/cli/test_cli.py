"""The `litecoder` command as a user runs it: bad input, idempotent reruns, gen --validate."""

from pathlib import Path

import pytest
from conftest import run_cli
from typer.testing import CliRunner

from litecoder_harbor.cli.main import app
from litecoder_harbor.gen.templates import (
    FAMILIES,
    Instance,
    TemplateFamily,
    load_families,
    register,
)
from litecoder_harbor.tasks.conventions import Domain
from litecoder_harbor.validate import TaskReport, ValidationReport, Verdict

NO_DOCKER = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def one_error_line(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--backend", "magic"], {}, "unknown backend 'magic' (use one of: template, llm)"),
        (["--backend", "llm"], {}, "--backend llm needs --spec FILE"),
        (["--family", "nope"], {}, "unknown template family 'nope'"),
        (["--domain", "astrology"], {}, "unknown domain 'astrology'"),
        (["--difficulty", "extreme"], {}, "unknown difficulty 'extreme'"),
        (["--n", "0"], {}, "--n 0: must be between 1 and 100,000"),
        (["--seed", "-3"], {}, "--seed must be >= 0"),
        (["--validate", "--env", "dokker"], {}, "unknown environment type 'dokker'"),
        (["--validate"], NO_DOCKER, "Docker engine not reachable"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, env, expected):
    out = tmp_path / "tasks"
    proc = run_cli("gen", "--out", str(out), "--n", "2", *args, env=env)
    assert proc.returncode != 0
    assert expected in one_error_line(proc)
    assert not out.exists()


def test_missing_docker_error_says_how_to_fix(tmp_path):
    proc = run_cli("gen", "--out", str(tmp_path / "t"), "--validate", env=NO_DOCKER)
    assert "start it with" in one_error_line(proc)


def test_out_holding_other_files_is_refused_untouched(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    proc = run_cli("gen", "--out", str(tmp_path), "--n", "1")
    assert proc.returncode != 0
    assert "holds non-task files (notes.txt)" in one_error_line(proc)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]

    a_file = tmp_path / "notes.txt"
    proc = run_cli("gen", "--out", str(a_file), "--n", "1")
    assert "is a file, not a folder" in one_error_line(proc)


def test_rerun_is_idempotent_and_other_content_needs_overwrite(tmp_path):
    out = tmp_path / "tasks"
    first = run_cli("gen", "--out", str(out), "--n", "3", "--seed", "4")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("written") == 3
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}

    again = run_cli("gen", "--out", str(out), "--n", "3", "--seed", "4")
    assert again.returncode == 0 and again.stdout.count("unchanged") == 3
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before

    victim = sorted(out.iterdir())[0]
    (victim / "instruction.md").write_text("edited by hand\n")
    refused = run_cli("gen", "--out", str(out), "--n", "3", "--seed", "4")
    assert "already exists with different content" in one_error_line(refused)
    assert (victim / "instruction.md").read_text() == "edited by hand\n"
    replaced = run_cli("gen", "--out", str(out), "--n", "3", "--seed", "4", "--overwrite")
    assert replaced.returncode == 0 and "replaced" in replaced.stdout
    assert (victim / "instruction.md").read_text() != "edited by hand\n"


def test_families_lists_the_registry():
    proc = run_cli("families")
    assert proc.returncode == 0
    assert "sales-rollup" in proc.stdout and "data_science" in proc.stdout


def test_doctor_passes_here_and_names_the_fix_when_docker_is_gone(docker_ready):
    ok = run_cli("doctor")
    assert ok.returncode == 0, ok.stdout
    for name in (
        "Python",
        "Harbor",
        "Docker engine",
        "Docker Compose plugin",
        "debian:bookworm-slim",
        "GPU",
        "LLM endpoint",
    ):
        assert name in ok.stdout

    broken = run_cli("doctor", env=NO_DOCKER)
    assert broken.returncode == 1
    engine = next(line for line in broken.stdout.splitlines() if "Docker engine" in line)
    assert engine.startswith("FAIL") and "fix: start it with" in engine


def test_doctor_reports_an_unreachable_llm_endpoint(docker_ready):
    proc = run_cli("doctor", env={"LITECODER_API_BASE": "http://127.0.0.1:9/v1"})
    line = next(line for line in proc.stdout.splitlines() if "LLM endpoint" in line)
    assert line.startswith("FAIL") and "127.0.0.1:9" in line
    assert proc.returncode == 0, "an optional check does not fail the doctor"


class NothingWorks(TemplateFamily):
    """A family whose reference solution does nothing: every instance is unsolvable."""

    name = "zz-nothing-works"
    domain = Domain.GAMES
    description = "test family"

    def generate(self, rng, difficulty):
        word = rng.choice(["alpha", "beta", "gamma"])
        return Instance(
            instruction=f"Write `{word}` to `/app/word.txt`.",
            solution="true\n",
            checker=f"import sys\ntry:\n    ok = open('/app/word.txt').read().strip() == {word!r}\n"
            "except OSError:\n    ok = False\nsys.exit(0 if ok else 1)\n",
            expected={},
        )


@pytest.fixture
def nothing_works():
    load_families()
    register(NothingWorks)
    yield NothingWorks
    FAMILIES.pop(NothingWorks.name)


@pytest.mark.docker
def test_gen_validate_keeps_sound_tasks_and_moves_rejects_aside(
    tmp_path, docker_ready, nothing_works
):
    out, jobs = tmp_path / "tasks", tmp_path / "jobs"
    sound = CliRunner().invoke(
        app,
        [
            "gen",
            "--out",
            str(out),
            "--n",
            "1",
            "--seed",
            "11",
            "--family",
            "sales-rollup",
            "--validate",
            "--jobs-dir",
            str(jobs),
        ],
    )
    assert sound.exit_code == 0, sound.output
    assert "1/1 task(s) passed" in sound.output
    (kept,) = out.iterdir()

    bad = CliRunner().invoke(
        app,
        [
            "gen",
            "--out",
            str(out),
            "--n",
            "1",
            "--seed",
            "3",
            "--family",
            NothingWorks.name,
            "--validate",
            "--jobs-dir",
            str(jobs),
        ],
    )
    assert bad.exit_code == 1, bad.output
    assert [p.name for p in out.iterdir()] == [kept.name]
    rejects = tmp_path / "tasks-rejects"
    (rejected,) = (p for p in rejects.iterdir() if p.is_dir())
    report = TaskReport.model_validate_json(
        (rejects / f"{rejected.name}.validation.json").read_text()
    )
    assert report.verdict == Verdict.UNSOLVABLE and "oracle scored 0.0" in report.reason


def test_validate_reports_static_findings_without_docker(tmp_path):
    fixture = Path(__file__).parents[1] / "fixtures" / "broken" / "missing-copy"
    report_file = tmp_path / "report.json"
    proc = run_cli(
        "validate", str(fixture), "--static-only", "--report", str(report_file), env=NO_DOCKER
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "copy-source-missing environment/Dockerfile:4" in proc.stdout
    saved = ValidationReport.model_validate_json(report_file.read_text())
    assert saved.tasks[0].verdict is None and not saved.passed
    assert (
        run_cli("validate", str(fixture), "--static-only", "--keep-going", env=NO_DOCKER).returncode
        == 0
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["/nonexistent/task"], "/nonexistent/task does not exist"),
        (["--attacks", "empty,teleport", "--static-only", "broken"], "unknown attack 'teleport'"),
        (["tampering/reward-preseed/tests"], "neither a task dir"),
    ],
)
def test_validate_bad_input_is_one_line(args, expected, tmp_path):
    proc = run_cli("validate", *args, cwd=Path(__file__).parents[1] / "fixtures")
    assert proc.returncode != 0
    assert expected in one_error_line(proc)
