"""What validation costs, measured side by side on this machine.

    .venv/bin/python benchmarks/validation_cost.py [--family sales-rollup] [--difficulty easy] [--repeat 3]
    .venv/bin/python benchmarks/validation_cost.py --all-families

Default mode, for one generated task: the wall time of one plain `harbor run -a oracle` trial
(the CLI as a user runs it), against the wall time of `litecoder validate` on the same task
with oracle + nop + the 7 gaming/pre-seed attacks the issue names, and with the full battery.
Each figure is the median of --repeat runs in fresh job folders; the ratio is the headline.

--all-families: one instance of every template family (difficulty rotating), validated with
the full battery in one run; prints the wall time and the verdicts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.gen.templates import load_families
from litecoder_harbor.tasks.conventions import Difficulty
from litecoder_harbor.tasks.writer import write_tasks
from litecoder_harbor.validate import validate_tasks
from litecoder_harbor.validate.attacks import ATTACKS

REQUIRED = ["empty", "junk", "example-copy", "echo", "partial", "forge", "reward-preseed"]
HARBOR = Path(sys.executable).parent / "harbor"


def one_oracle_trial(task: Path, work: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(HARBOR), "run", "-p", str(task), "-a", "oracle", "-o", str(work), "-q"],
        check=True,
        capture_output=True,
        env={**os.environ, "HARBOR_TELEMETRY": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    return time.perf_counter() - started


def validation(task: Path, work: Path, attacks: list[str]) -> float:
    started = time.perf_counter()
    report = validate_tasks([task], jobs_dir=work, attacks=attacks, n_concurrent=len(attacks) + 2)
    assert report.tasks[0].verdict is not None, report.tasks[0]
    return time.perf_counter() - started


def single_task(family: str, difficulty: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        draft = generate_drafts("template", 1, 0, family=family, difficulty=difficulty)[0]
        task = write_tasks([draft], root / "tasks")[0].path
        validation(task, root / "warm-up", ["empty"])  # warm the layer cache for everyone
        rows = {
            "harbor run -a oracle (1 trial)": [],
            f"validate: oracle+nop+{len(REQUIRED)} attacks": [],
            f"validate: oracle+nop+{len(ATTACKS)} attacks": [],
        }
        for i in range(repeat):
            rows["harbor run -a oracle (1 trial)"].append(
                one_oracle_trial(task, root / f"oracle-{i}")
            )
            rows[f"validate: oracle+nop+{len(REQUIRED)} attacks"].append(
                validation(task, root / f"required-{i}", REQUIRED)
            )
            rows[f"validate: oracle+nop+{len(ATTACKS)} attacks"].append(
                validation(task, root / f"all-{i}", list(ATTACKS))
            )
        medians = {name: statistics.median(times) for name, times in rows.items()}
        base = medians["harbor run -a oracle (1 trial)"]
        print(f"task: {task.name} ({os.cpu_count()} CPUs), median of {repeat}")
        for name, value in medians.items():
            print(
                f"  {name:<36} {value:6.1f} s   ratio {value / base:.2f}   runs {[round(t, 1) for t in rows[name]]}"
            )


def all_families() -> None:
    levels = list(Difficulty)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = sorted(load_families())
        drafts = [
            generate_drafts("template", 1, 7, family=n, difficulty=levels[i % 3].value)[0]
            for i, n in enumerate(names)
        ]
        dirs = [r.path for r in write_tasks(drafts, root / "tasks")]
        started = time.perf_counter()
        report = validate_tasks(dirs, jobs_dir=root / "jobs", n_concurrent=8)
        elapsed = time.perf_counter() - started
        trials = sum(len(t.probes) for t in report.tasks)
        print(f"{len(dirs)} tasks (one per family), {trials} probe trials: {elapsed:.0f} s wall")
        for task in report.tasks:
            print(f"  {task.task:<44} {task.verdict}  {task.reason[:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", default="sales-rollup")
    parser.add_argument("--difficulty", default="easy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all-families", action="store_true")
    args = parser.parse_args()
    if args.all_families:
        all_families()
    else:
        single_task(args.family, args.difficulty, args.repeat)


if __name__ == "__main__":
    main()
