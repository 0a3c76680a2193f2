"""`--serve`'s server lifecycle with a stand-in server command (no model, no container): it is
waited for, stopped with its whole process group on SIGTERM, and one that dies is one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from support.tiny_checkpoint import tiny_checkpoint

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.eval import serve as serve_module
from litecoder_harbor.eval import served


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("tiny") / "model")


def run_with_stand_in(checkpoint, log_dir, server_code: str) -> subprocess.Popen:
    """A process that runs `served` with `server_code` as the server (it writes its pid and
    its child's, then never answers) and reports nothing until it ends."""
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from litecoder_harbor.eval import serve
        serve.server_command = lambda checkpoint, port: (
            "stand-in", [sys.executable, "-c", {server_code!r}])
        with serve.served(Path({str(checkpoint)!r}), Path({str(log_dir)!r}), log=print):
            pass
    """)
    return subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead but not yet reaped by its parent
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_sigterm_while_waiting_stops_the_server_and_its_children(checkpoint, tmp_path):
    pids = tmp_path / "pids"
    server = (
        "import os, subprocess, sys, time;"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}');"
        "time.sleep(600)"
    )
    proc = run_with_stand_in(checkpoint, tmp_path / "logs", server)
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    survivors = [pid for pid in map(int, pids.read_text().split()) if alive(pid)]
    for pid in survivors:  # so a failure leaves nothing behind either
        os.kill(pid, signal.SIGKILL)
    assert "Interrupted" in stderr  # raised out of the wait, through the clean-up
    assert survivors == []


def test_a_server_that_exits_is_one_clear_error(checkpoint, tmp_path, monkeypatch):
    monkeypatch.setattr(
        serve_module,
        "server_command",
        lambda c, p: ("stand-in", [sys.executable, "-c", "print('CUDA out of memory'); exit(3)"]),
    )
    with (
        pytest.raises(LitecoderError, match="stand-in exited with code 3 before answering: "
                      "CUDA out of memory"),
        served(checkpoint, tmp_path, log=lambda line: None),
    ):  # fmt: skip
        pass
