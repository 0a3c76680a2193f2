"""Wall time of teacher collection with the scripted teacher, on this machine.

    .venv/bin/python benchmarks/collect_wall.py [--n 6] [--concurrency 1 3] [--seed 0]

Generates --n easy template tasks, serves the scripted teacher in-process, and for each
concurrency runs `litecoder collect` with the Terminus-2 scaffold (k=1) into a fresh jobs
folder. Prints, per concurrency: the wall time of the whole command, trials per minute, and the
median and maximum wall time of one trial (Harbor's started_at -> finished_at: image build from
the cached domain layers, container start, the agent's turns, grading, teardown).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harbor.models.trial.result import TrialResult

from litecoder_harbor.collect.scripted_teacher import TaskIndex, TeacherServer
from litecoder_harbor.gen.templates import iter_template_drafts
from litecoder_harbor.tasks.writer import write_task

LITECODER = Path(sys.executable).parent / "litecoder"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    os.environ.setdefault("HARBOR_TELEMETRY", "0")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("OPENAI_API_KEY", "no-key")
    with tempfile.TemporaryDirectory() as tmp:
        tasks = Path(tmp) / "tasks"
        tasks.mkdir()
        for draft in iter_template_drafts(args.n, args.seed, difficulty="easy"):
            write_task(draft, tasks)
        server = TeacherServer(TaskIndex(tasks)).start()
        print(f"{args.n} tasks: {', '.join(sorted(p.name for p in tasks.iterdir()))}")
        for concurrency in args.concurrency:
            out = Path(tmp) / f"jobs-{concurrency}"
            started = time.perf_counter()
            code = os.spawnv(
                os.P_WAIT,
                str(LITECODER),
                [str(LITECODER), "collect", "--tasks", str(tasks), "--model", "openai/teacher",
                 "--api-base", server.url, "--mix", "terminus-2=1", "--out", str(out),
                 "--n-concurrent", str(concurrency)],
            )  # fmt: skip
            wall = time.perf_counter() - started
            results = [
                TrialResult.model_validate_json(p.read_text()) for p in out.glob("*/*/result.json")
            ]
            per_trial = [(r.finished_at - r.started_at).total_seconds() for r in results]
            solved = sum((r.verifier_result.rewards or {}).get("reward") == 1.0 for r in results)
            print(
                f"concurrency {concurrency}: exit {code}, {len(results)} trials, {solved} solved, "
                f"{wall:.1f} s wall, {len(results) / wall * 60:.1f} trials/min, per trial median "
                f"{statistics.median(per_trial):.1f} s, max {max(per_trial):.1f} s"
            )
        server.stop()


if __name__ == "__main__":
    main()
