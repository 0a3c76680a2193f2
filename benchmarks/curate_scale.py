"""`litecoder curate sft` against Harbor's `harbor traces export --episodes last` on synthetic
job dirs shaped like LiteCoder-Terminal-SFT (11,255 Terminus-2 trials, turns drawn around a mean
of 27.4, terminal screens of realistic size, ≈ 600 MB of ATIF), side by side: wall time and
peak RSS (the whole process tree, sampled), and how both grow from 1k to 11k trials (50k with
`--sizes 1000,11255,50000`).

    python benchmarks/curate_scale.py [--cache-dir DIR] [--sizes 1000,11255] [--skip-harbor]

Job dirs are written once per size into `--cache-dir` (default: a folder in the system's temp
dir) and reused; our record cache is measured both cold (empty) and warm (a second run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from harbor.models.trajectories import Trajectory
from harbor.models.trial.result import TrialResult

BIN = Path(sys.executable).parent
MEAN_TURNS = 27.4
COMMANDS = ["ls -la", "cat config.yaml", "python3 run.py --check", "grep -rn TODO src/",
            "make -j2", "git status", "sed -n 1,40p main.c", "pytest -q", "find . -name '*.py'",
            "awk -F, '{print $2}' data.csv | sort | uniq -c", "curl -s localhost:8080/health"]  # fmt: skip
DOMAINS = ["ai_ml", "build_tools", "data_science", "networking", "security", "system_admin",
           "version_control", "coding", "scientific_computing", "games"]  # fmt: skip


def screen(rng: random.Random, command: str) -> str:
    """A terminal screen after `command`: the prompt, some output lines, blank padding."""
    lines = [f"root@3f2a9c1d:/app# {command}"]
    lines += [
        " ".join(rng.choice(["total", "drwxr-xr-x", "-rw-r--r--", "root", "4096", "src", "ok",
                             "PASSED", "main.py", "12:03", "error:", "line", "of", "/app/data"])  # fmt: skip
                 for _ in range(rng.randint(4, 14)))
        for _ in range(rng.randint(7, 36))
    ]  # fmt: skip
    return "New Terminal Output:\n" + "\n".join(lines) + "\nroot@3f2a9c1d:/app# " + "\n" * 20


def trajectory(rng: random.Random, instruction: str, turns: int) -> dict:
    steps = [{"step_id": 1, "source": "user", "message": f"You are an AI assistant tasked with "
              f"solving command-line tasks in a Linux environment. ...\n\nTask Description:\n"
              f"{instruction}\n\nCurrent terminal state:\nroot@3f2a9c1d:/app#\n"}]  # fmt: skip
    for i in range(turns):
        command = rng.choice(COMMANDS) + f" # {i}"
        done = i == turns - 1
        calls = [{"tool_call_id": f"call_{i}_1", "function_name": "bash_command",
                  "arguments": {"keystrokes": command + "\n", "duration": 0.1}}]  # fmt: skip
        if done:
            calls.append({"tool_call_id": f"call_{i}_task_complete", "function_name": "mark_task_complete", "arguments": {}})  # fmt: skip
        steps.append({
            "step_id": i + 2, "source": "agent", "model_name": "teacher",
            "message": f"Analysis: The output shows step {i} of the work; "
                       f"{rng.randint(1, 9)} checks remain and the build log has warnings.\n"
                       f"Plan: Run `{command}` next and inspect the result before editing files.",
            "tool_calls": calls,
            "observation": {"results": [{"source_call_id": f"call_{i}_1", "content": screen(rng, command)}]},
            "metrics": {"prompt_tokens": 1000 + 500 * i, "completion_tokens": 120},
        })  # fmt: skip
    return {"schema_version": "ATIF-v1.6", "agent": {"name": "terminus-2", "version": "2.0.0",
            "model_name": "openai/teacher"}, "steps": steps}  # fmt: skip


def make_job(folder: Path, n: int, seed: int = 0) -> Path:
    """A job dir of `n` Terminus-2 trials over n/2 tasks (k=2), 90 % solved (once per size)."""
    job = folder / f"job-{n}"
    if (job / ".complete").exists():
        return job
    shutil.rmtree(job, ignore_errors=True)
    rng = random.Random(seed)
    template = None
    for i in range(n):
        task = f"task-{DOMAINS[i % 10]}-{i // 2:05d}"
        name = f"{task}__{i:06d}"
        trial = job / name
        (trial / "agent").mkdir(parents=True)
        turns = max(2, min(300, round(rng.gammavariate(2.0, MEAN_TURNS / 2.0))))
        instruction = f"In /app, repair the {DOMAINS[i % 10]} project number {i // 2}: " + " ".join(
            rng.choice(
                ["fix", "the", "config", "so", "tests", "pass", "and", "write", "a", "report"]
            )
            for _ in range(60)
        )
        traj = trajectory(rng, instruction, turns)
        (trial / "agent" / "trajectory.json").write_text(json.dumps(traj))
        if template is None:
            Trajectory.model_validate(traj)  # the generator writes valid ATIF
            template = _result_template()
        result = dict(template, task_name=task, trial_name=name, trial_uri=trial.as_uri())
        result["verifier_result"] = {"rewards": {"reward": 1.0 if rng.random() < 0.9 else 0.0}}
        (trial / "result.json").write_text(json.dumps(result))
        (trial / "config.json").write_text(json.dumps(result["config"]))
    (job / ".complete").touch()
    return job


def _result_template() -> dict:
    return json.loads(
        TrialResult.model_validate(
            {
                "task_name": "t",
                "trial_name": "t__0",
                "trial_uri": "file:///t",
                "task_id": {"path": "/t"},
                "task_checksum": "0" * 64,
                "config": {
                    "task": {"path": "/nowhere/t"},
                    "trial_name": "t__0",
                    "agent": {"name": "terminus-2", "model_name": "openai/teacher"},
                },
                "agent_info": {
                    "name": "terminus-2",
                    "version": "2.0.0",
                    "model_info": {"name": "teacher", "provider": "openai"},
                },
                "agent_result": {"n_input_tokens": 1, "n_output_tokens": 1},
                "started_at": "2026-01-01T00:00:00Z",
                "finished_at": "2026-01-01T00:10:00Z",
            }  # fmt: skip
        ).model_dump_json()
    )


def measure(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS and peak PSS of the process tree in MiB); the command must
    succeed. RSS counts pages that worker processes share with their parent once per process;
    PSS splits them, so its sum is what the tree really holds."""
    start = time.monotonic()
    proc = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            try:
                tree = [p.memory_full_info() for p in [proc, *proc.children(recursive=True)]]
                peak = max(peak, sum(m.rss for m in tree))
                peak_pss = max(peak_pss, sum(m.pss for m in tree))
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()[-2000:]}")
    return wall, peak / 2**20, peak_pss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "curate-scale"
    )
    parser.add_argument("--sizes", default="1000,11255")
    parser.add_argument("--skip-harbor", action="store_true")
    args = parser.parse_args()
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        job = make_job(args.cache_dir, n)
        atif = sum(p.stat().st_size for p in job.glob("*/agent/trajectory.json")) / 2**20
        work = Path(tempfile.mkdtemp(prefix="curate-scale-"))
        try:
            ours = [str(BIN / "litecoder"), "curate", "sft", str(job), "--out", str(work / "sft"),
                    "--cache", str(work / "cache")]  # fmt: skip
            cold = measure(ours)
            warm = measure(ours)
            harbor = (float("nan"),) * 3
            if not args.skip_harbor:
                harbor = measure([str(BIN / "harbor"), "traces", "export", "-p", str(job),
                                  "--episodes", "last", "-o", str(work / "harbor")])  # fmt: skip
            rows.append((n, atif, cold, warm, harbor))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        load = os.getloadavg()[0]
        print(f"{n} trials, {atif:.0f} MiB ATIF, load average {load:.1f}: curate sft cold "
              f"{fmt(cold)}, warm {fmt(warm)}; harbor {fmt(harbor)}", flush=True)  # fmt: skip
    print("\nwall s / peak RSS MiB / peak PSS MiB, each summed over the process tree")
    print("| trials | ATIF MiB | curate sft, cold cache | curate sft, warm cache "
          "| harbor traces export --episodes last |")  # fmt: skip
    print("|---|---|---|---|---|")
    for n, atif, cold, warm, harbor in rows:
        print(f"| {n:,} | {atif:.0f} | {fmt(cold)} | {fmt(warm)} | {fmt(harbor)} |")


def fmt(figures: tuple[float, float, float]) -> str:
    return "{:.1f} s / {:.0f} / {:.0f}".format(*figures)


if __name__ == "__main__":
    main()
