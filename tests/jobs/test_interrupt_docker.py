"""Ctrl-C or SIGTERM in the middle of a run: one line, the signal's exit code, and nothing left
behind on the Docker engine (containers, networks, the probe images validation built)."""

from __future__ import annotations

import signal

import pytest
from conftest import LITECODER
from support.interrupt import assert_clean_interruption, interrupt_once_running

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_validate_cleans_up(signum, sample_task, tmp_path):
    command = [str(LITECODER), "validate", str(sample_task), "--jobs-dir", str(tmp_path / "jobs")]
    result = interrupt_once_running(command, signum)
    print(f"{signum.name}: stopped and cleaned up in {result.seconds_to_stop:.1f} s")
    assert_clean_interruption(result, signum)
