"""Interrupting a `litecoder` run once its trials' containers are up, and what it leaves on the
Docker engine afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass

import docker


def engine_state(client) -> dict[str, set[str]]:
    return {
        "containers": {c.id for c in client.containers.list(all=True)},
        "networks": {n.id for n in client.networks.list()},
        "images": {i.id for i in client.images.list()},
    }


@dataclass
class Interrupted:
    returncode: int
    stderr: str
    seconds_to_stop: float
    left_behind: dict[str, set[str]]


def interrupt_once_running(
    command: list[str], signum: signal.Signals, env: dict[str, str] | None = None
) -> Interrupted:
    """Start `command`, send `signum` two seconds after its first container appears, and wait
    for it to end; report what it left on the engine that was not there before."""
    client = docker.from_env()
    before = engine_state(client)
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {}), "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 180
        while not engine_state(client)["containers"] - before["containers"]:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no trial container started"
            time.sleep(0.5)
        time.sleep(2)  # let the trials get going
        started = time.monotonic()
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    after = engine_state(client)
    return Interrupted(
        returncode=proc.returncode,
        stderr=stderr,
        seconds_to_stop=time.monotonic() - started,
        left_behind={kind: after[kind] - before[kind] for kind in after},
    )


def assert_clean_interruption(result: Interrupted, signum: signal.Signals) -> None:
    """One `error: interrupted` line, the shell's exit code for the signal, nothing left."""
    assert result.returncode == 128 + signum, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), result.stderr
    for kind, left in result.left_behind.items():
        assert not left, f"{kind} left behind: {left}"
