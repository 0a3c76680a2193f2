"""The `litecoder` command as a user runs it: bad input, idempotent reruns, gen --validate."""

import json
import shutil

import pytest
from conftest import run_cli

from litecoder_harbor.validate.probes import ValidationReport, validate_by_execution

NO_DOCKER = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def one_error_line(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--backend", "llm"], {}, "unknown backend 'llm'"),
        (["--family", "nope"], {}, "unknown template family 'nope'"),
        (["--domain", "astrology"], {}, "unknown domain 'astrology'"),
        (["--difficulty", "extreme"], {}, "unknown difficulty 'extreme'"),
        (["--n", "0"], {}, "--n must be at least 1, got 0"),
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


@pytest.mark.docker
def test_gen_validate_runs_oracle_and_nop_per_task(tmp_path, docker_ready):
    out, jobs = tmp_path / "tasks", tmp_path / "jobs"
    proc = run_cli(
        "gen", "--out", str(out), "--n", "2", "--seed", "11", "--validate", "--jobs-dir", str(jobs)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2/2 task(s) passed validation" in proc.stdout
    (report_path,) = jobs.glob("validate-*/litecoder-validation.json")
    report = ValidationReport.model_validate_json(report_path.read_text())
    assert report.passed and len(report.tasks) == 2
    for task in report.tasks:
        assert {(p.agent, p.reward) for p in task.probes} == {("oracle", 1.0), ("nop", 0.0)}


@pytest.mark.docker
def test_validation_names_unsolvable_and_trivial_tasks(sample_task, tmp_path):
    unsolvable, trivial = tmp_path / "unsolvable", tmp_path / "trivial"
    for copy in (unsolvable, trivial):
        shutil.copytree(sample_task, copy)
    (unsolvable / "solution" / "solve.sh").write_text("#!/bin/bash\necho giving up\n")
    (trivial / "tests" / "check.py").write_text("import sys\nsys.exit(0)\n")

    report = validate_by_execution([unsolvable, trivial], jobs_dir=tmp_path / "jobs")
    verdicts = {task.task: (task.passed, task.reason) for task in report.tasks}
    assert verdicts["unsolvable"] == (False, "oracle scored 0.0 (must be 1.0)")
    assert verdicts["trivial"] == (False, "nop scored 1.0 (must be 0.0)")
    saved = json.loads((report.job_dir / "litecoder-validation.json").read_text())
    assert len(saved["tasks"]) == 2
