"""Ctrl-C or SIGTERM in the middle of a run: one line, the signal's exit code, and nothing left
behind on the Docker engine (containers, networks, the probe images validation built)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import docker
import pytest
from conftest import LITECODER

pytestmark = pytest.mark.docker


def engine_state(client) -> dict[str, set[str]]:
    return {
        "containers": {c.id for c in client.containers.list(all=True)},
        "networks": {n.id for n in client.networks.list()},
        "images": {i.id for i in client.images.list()},
    }


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_validate_cleans_up(signum, sample_task, tmp_path):
    client = docker.from_env()
    before = engine_state(client)
    proc = subprocess.Popen(
        [str(LITECODER), "validate", str(sample_task), "--jobs-dir", str(tmp_path / "jobs")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 180
        while not engine_state(client)["containers"] - before["containers"]:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no trial container started"
            time.sleep(0.5)
        time.sleep(2)  # let trials get going
        started = time.monotonic()
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"{signum.name}: stopped and cleaned up in {time.monotonic() - started:.1f} s")
    assert proc.returncode == 128 + signum, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), stderr
    assert "Traceback" not in stderr
    after = engine_state(client)
    for kind in ("containers", "networks", "images"):
        assert not after[kind] - before[kind], f"{kind} left behind: {after[kind] - before[kind]}"
