"""The scripted teacher as a user starts it (`litecoder teacher serve`, logging what it
receives) and `litecoder collect` against it: shared by the collect, curate and eval Docker
tests. `conftest` is imported lazily: it registers fixtures that import this module."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

CANARY_KEY = "sk-canary-0123456789abcdef"
"""The API key every collect here runs with; no file may hold it."""


@contextlib.contextmanager
def serve_teacher(tasks: Path, host: str = "127.0.0.1"):
    """`litecoder teacher serve` on a free port, as a user starts it, logging the requests it
    receives to `received(log)`; yields (url, log path)."""
    from conftest import LITECODER

    log = tasks.parent / f"teacher-{host}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(LITECODER), "teacher", "serve", "--tasks", str(tasks), "--host", host,
             "--port", "0", "--log-requests", str(log.with_suffix(".jsonl"))],
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


def received(log: Path) -> list[dict]:
    """The model calls the teacher has received so far, in order, each with its reply."""
    path = log.with_suffix(".jsonl")
    entries = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [e for e in entries if e["path"].endswith(("/chat/completions", "/messages"))]


def collect(
    tasks: Path, out: Path, url: str, *extra: str, model="openai/teacher", scaffold="terminus-2"
) -> subprocess.CompletedProcess:
    from conftest import run_cli  # conftest imports this module

    key = "ANTHROPIC_API_KEY" if scaffold == "claude-code" else "OPENAI_API_KEY"
    return run_cli(
        "collect", "--tasks", str(tasks), "--model", model, "--api-base", url,
        "--mix", f"{scaffold}=1", "--out", str(out), *extra,
        env={key: CANARY_KEY},
    )  # fmt: skip


def trials(out: Path, scaffold="terminus-2") -> list[Path]:
    return sorted(p.parent for p in out.glob(f"collect-{scaffold}-*/*/result.json"))
