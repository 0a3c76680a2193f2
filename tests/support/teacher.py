"""The scripted teacher as a user starts it (`litecoder teacher serve`) and `litecoder collect`
against it: shared by the collect and curate Docker tests."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from pathlib import Path

from conftest import LITECODER, run_cli

CANARY_KEY = "sk-canary-0123456789abcdef"


@contextlib.contextmanager
def serve_teacher(tasks: Path, host: str = "127.0.0.1"):
    """`litecoder teacher serve` on a free port, as a user starts it; yields (url, log path)."""
    log = tasks.parent / f"teacher-{host}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(LITECODER), "teacher", "serve", "--tasks", str(tasks), "--host", host,
             "--port", "0"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (url := re.search(r"on (http://\S+/v1)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url.group(1), log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def collect(
    tasks: Path, out: Path, url: str, *extra: str, model="openai/teacher", scaffold="terminus-2"
):
    key = "ANTHROPIC_API_KEY" if scaffold == "claude-code" else "OPENAI_API_KEY"
    return run_cli(
        "collect", "--tasks", str(tasks), "--model", model, "--api-base", url,
        "--mix", f"{scaffold}=1", "--out", str(out), *extra,
        env={key: CANARY_KEY},
    )  # fmt: skip
