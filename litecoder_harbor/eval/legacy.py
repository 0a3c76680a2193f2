"""Terminal-Bench 1.0 through its own legacy harness, `tb` (PyPI `terminal-bench`), as its
leaderboard ran it: `tb run -d terminal-bench-core==0.1.1 -a <agent> -m <model>`.

`terminal-bench` 0.2.18 installs beside Harbor 0.24 in one virtualenv with no conflicting
requirement (`pip check` is clean), so `tb` is looked for beside this Python first, then on
PATH (a separate virtualenv's `bin/` works too). Its runs are `tb`'s own output folders, scored
by `tb` itself; `eval report` reads Harbor job dirs only.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.eval.benchmarks import Benchmark

DEFAULT_TB_AGENT = "terminus-2"


def find_tb() -> str:
    found = shutil.which("tb", path=str(Path(sys.executable).parent)) or shutil.which("tb")
    if found is None:
        raise LitecoderError(
            "--harness tb: the legacy `tb` command is not installed",
            hint="pip install 'terminal-bench==0.2.18' (it installs beside Harbor), or put the "
            "bin/ of a virtualenv that has it on PATH",
        )
    return found


def tb_command(
    bench: Benchmark,
    *,
    model: str,
    agent: str | None,
    k: int,
    n_concurrent: int,
    out: Path,
    run_id: str,
    api_base: str | None = None,
) -> list[str]:
    """The `tb run` command line for a benchmark the legacy harness knows."""
    if bench.legacy is None:
        raise LitecoderError(
            f"--harness tb: {bench.dataset} is not a legacy Terminal-Bench dataset",
            hint="the legacy harness runs Terminal-Bench 1.0 (--benchmark tb1) only",
        )
    command = [
        find_tb(), "run", "--dataset", bench.legacy, "--agent", agent or DEFAULT_TB_AGENT,
        "--model", model, "--n-attempts", str(k), "--n-concurrent", str(n_concurrent),
        "--output-path", str(out), "--run-id", run_id, "--no-upload-results",
    ]  # fmt: skip
    if api_base:
        command += ["--agent-kwarg", f"api_base={api_base}"]
    return command
