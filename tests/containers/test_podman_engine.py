"""Podman as the local engine: `doctor --env podman`, and every way a broken Podman set-up
ends in one line before anything is written or started. The verdicts on Podman are compared
with Docker's, probe by probe, in tests/validate/test_engine.py."""

import os
import sys

import pytest
from conftest import bare_task, run_cli

NO_SOCKET = {"CONTAINER_HOST": "unix:///nonexistent/podman.sock"}
NO_PODMAN = {"PATH": os.path.dirname(sys.executable)}  # the venv's scripts, no podman


def one_error_line(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, (proc.returncode, proc.stderr)
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def line_of(proc, name: str) -> str:
    return next(line for line in proc.stdout.splitlines() if name in line)


@pytest.mark.podman
def test_doctor_reports_the_podman_engine():
    proc = run_cli("doctor", "--env", "podman")
    assert proc.returncode == 0, proc.stdout
    assert line_of(proc, "Podman engine").startswith("ok")
    assert line_of(proc, "Podman compose frontend").startswith("ok")
    assert "podman-compose" in line_of(proc, "Podman compose frontend")
    assert line_of(proc, "image debian:bookworm-slim").startswith("ok")
    assert "Docker engine" not in proc.stdout


def test_doctor_names_the_fix_when_podmans_socket_is_gone():
    proc = run_cli("doctor", "--env", "podman", env=NO_SOCKET)
    assert proc.returncode == 1
    engine = line_of(proc, "Podman engine")
    assert engine.startswith("FAIL") and "fix: start its API socket" in engine


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        (["validate", "{tasks}", "--env", "podman", "--jobs-dir", "{out}"], NO_SOCKET, "Podman engine not reachable"),
        (["validate", "{tasks}", "--env", "podman", "--jobs-dir", "{out}"], NO_PODMAN, "podman is not on PATH"),
        (["collect", "--tasks", "{tasks}", "--model", "openai/m", "--env", "podman", "--out", "{out}"], NO_SOCKET, "Podman engine not reachable"),
        (["doctor", "--env", "modal"], {}, "--env modal: not a local engine"),
        (["images", "ensure", "--env", "e2b"], {}, "--env e2b: not a local engine"),
    ],
    ids=["validate-no-socket", "validate-no-podman", "collect-no-socket", "doctor", "images"],
)  # fmt: skip
def test_a_broken_podman_setup_is_one_line_and_nothing_runs(tmp_path, command, env, expected):
    tasks, out = bare_task(tmp_path / "tasks"), tmp_path / "out"
    args = [arg.format(tasks=tasks, out=out) for arg in command]
    assert expected in one_error_line(run_cli(*args, env=env))
    assert not out.exists()


@pytest.mark.podman
def test_a_podman_compose_harbor_cannot_drive_is_refused(tmp_path):
    fake = tmp_path / "bin" / "podman-compose"  # Debian 12's version, first on PATH
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'podman-compose version  1.0.3'\n")
    fake.chmod(0o755)
    proc = run_cli(
        "validate", str(bare_task(tmp_path / "tasks")), "--env", "podman",
        "--jobs-dir", str(tmp_path / "jobs"), env={"PATH": f"{fake.parent}:{os.environ['PATH']}"},
    )  # fmt: skip
    assert "podman-compose 1.0.3 is too old for Harbor" in one_error_line(proc)
    assert not (tmp_path / "jobs").exists()
