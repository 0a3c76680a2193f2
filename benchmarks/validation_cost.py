"""What validation costs, measured side by side on this machine.

    .venv/bin/python benchmarks/validation_cost.py [--family sales-rollup] [--difficulty easy] [--repeat 3]
    .venv/bin/python benchmarks/validation_cost.py --families 10

Default mode, for one generated task: the wall time of one plain `harbor run -a oracle` trial
(the CLI as a user runs it), against `litecoder validate` of the same task as a user types it
(the CLI, in a fresh jobs folder, so with an empty verdict cache) and through the Python API,
each with the full attack battery of the code under test. Each figure is the median of
--repeat runs; the ratio to the plain trial is the headline. Then a profile of the last API
validation: per probe, where its time went (container create/start, agent set-up and run,
grading, teardown), from Harbor's own timestamps in each trial's result.json.

--families N: one instance of each of the first N template families (difficulty rotating),
validated in one CLI run; prints the wall time and validated tasks per hour.

The code under test is whatever `litecoder_harbor` PYTHONPATH finds first, so the same script
compares two checkouts (run them interleaved: A, B, A, B). Every figure is printed with the
1-minute load average at its start, since other work on the machine skews it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.gen.templates import load_families
from litecoder_harbor.tasks.conventions import Difficulty
from litecoder_harbor.tasks.writer import write_tasks
from litecoder_harbor.validate import REPORT_NAME, validate_tasks
from litecoder_harbor.validate.attacks import ATTACKS

BIN = Path(sys.executable).parent
QUIET = {**os.environ, "HARBOR_TELEMETRY": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def timed(run, *args) -> tuple[float, str]:
    """Wall seconds of `run(*args)`, and the load average when it started."""
    at, started = load(), time.perf_counter()
    run(*args)
    return time.perf_counter() - started, at


def oracle_trial(task: Path, work: Path) -> None:
    harbor = [str(BIN / "harbor"), "run", "-p", str(task), "-a", "oracle", "-o", str(work), "-q"]
    subprocess.run(harbor, check=True, capture_output=True, env=QUIET)


def validate_cli(tasks: list[Path], work: Path) -> None:
    """`litecoder validate` as a user types it (exit 1 is a verdict, not a failure)."""
    command = [str(BIN / "litecoder"), "validate", *map(str, tasks), "--jobs-dir", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if done.returncode not in (0, 1):
        raise SystemExit(f"litecoder validate failed:\n{done.stderr[-2000:]}")


def validate_api(task: Path, work: Path) -> None:
    report = validate_tasks([task], jobs_dir=work, n_concurrent=len(ATTACKS) + 2)
    assert report.tasks[0].verdict is not None, report.tasks[0]


def _seconds(timing: dict | None, start: str = "started_at", end: str = "finished_at") -> float:
    if not timing or not timing.get(start) or not timing.get(end):
        return 0.0
    return (
        datetime.fromisoformat(timing[end]) - datetime.fromisoformat(timing[start])
    ).total_seconds()


def profile(job_dir: Path) -> None:
    """Per probe: Harbor's phase timings; `other` is the rest of the trial (collecting artifacts,
    stopping the agent's container, Harbor's bookkeeping). With separate grading, `grading`
    includes starting and stopping the verifier's own container."""
    report = json.loads((job_dir / REPORT_NAME).read_text())
    build = sum((t.get("build") or {}).get("seconds", 0.0) for t in report["tasks"])
    print(f"  image build (once per task): {build:.1f} s")
    print(
        f"  {'probe':<28} {'total':>6} {'env start':>9} {'agent setup':>11} {'agent':>6} {'grading':>8} {'other':>8}"
    )
    for task in report["tasks"]:
        for probe in task["probes"]:
            result = json.loads((Path(probe["trial_dir"]) / "result.json").read_text())
            phases = [
                _seconds(result.get(k))
                for k in ("environment_setup", "agent_setup", "agent_execution", "verifier")
            ]
            phases = [_seconds(result), *phases, _seconds(result) - sum(phases)]
            print(
                f"  {probe['probe']:<28} "
                + " ".join(f"{p:>{w}.1f}" for p, w in zip(phases, (6, 9, 11, 6, 8, 8), strict=True))
            )


def single_task(family: str, difficulty: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        draft = generate_drafts("template", 1, 0, family=family, difficulty=difficulty)[0]
        task = write_tasks([draft], root / "tasks")[0].path
        oracle_trial(task, root / "warm-up")  # warm the layer cache for everyone
        rows: dict[str, list[tuple[float, str]]] = {
            "harbor run -a oracle (1 trial)": [],
            "litecoder validate (CLI)": [],
            "validate_tasks (API)": [],
        }
        for i in range(repeat):
            rows["harbor run -a oracle (1 trial)"].append(
                timed(oracle_trial, task, root / f"oracle-{i}")
            )
            rows["litecoder validate (CLI)"].append(timed(validate_cli, [task], root / f"cli-{i}"))
            rows["validate_tasks (API)"].append(timed(validate_api, task, root / f"api-{i}"))
        base = statistics.median(t for t, _ in rows["harbor run -a oracle (1 trial)"])
        print(
            f"task: {task.name} ({os.cpu_count()} CPUs), {len(ATTACKS)} attacks, median of {repeat}"
        )
        for name, runs in rows.items():
            value = statistics.median(t for t, _ in runs)
            shown = ", ".join(f"{t:.1f} s ({at})" for t, at in runs)
            print(f"  {name:<32} {value:6.1f} s   ratio {value / base:.2f}   runs: {shown}")
        print(f"profile of the last API validation ({len(ATTACKS) + 2}+ probes):")
        profile(next((root / f"api-{repeat - 1}").glob("validate-*")))


def many_families(n: int) -> None:
    levels = list(Difficulty)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = sorted(load_families())[:n]
        drafts = [
            generate_drafts("template", 1, 7, family=name, difficulty=levels[i % 3].value)[0]
            for i, name in enumerate(names)
        ]
        dirs = [r.path for r in write_tasks(drafts, root / "tasks")]
        elapsed, at = timed(validate_cli, dirs, root / "jobs")
        report = json.loads(next((root / "jobs").glob(f"validate-*/{REPORT_NAME}")).read_text())
        trials = sum(len(t["probes"]) for t in report["tasks"])
        print(
            f"{len(dirs)} tasks (one per family), {trials} probe trials, {len(ATTACKS)} attacks: "
            f"{elapsed:.0f} s wall ({at}), {3600 * len(dirs) / elapsed:.0f} tasks/hour "
            f"on {os.cpu_count()} CPUs"
        )
        for task in report["tasks"]:
            print(f"  {task['task']:<44} {task['verdict']}  {task['reason'][:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", default="sales-rollup")
    parser.add_argument("--difficulty", default="easy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--families", type=int, default=0, help="validate N families instead")
    args = parser.parse_args()
    if args.families:
        many_families(args.families)
    else:
        single_task(args.family, args.difficulty, args.repeat)


if __name__ == "__main__":
    main()
