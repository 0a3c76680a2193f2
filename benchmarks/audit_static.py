"""The static audit over a folder of Harbor tasks: speed, memory, crashes, findings per rule.

    python benchmarks/audit_static.py TASKS_DIR
    python benchmarks/audit_static.py TASKS_DIR --sample 20 --seed 0 [--rule stale-reward]

The second form also prints a seeded random sample of findings per rule, each with its task,
file, line and that line's text, for judging the rules' precision by hand.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter, defaultdict
from pathlib import Path

from litecoder_harbor.tasks.discovery import task_dirs_in
from litecoder_harbor.validate import Finding, check_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", type=Path, help="a folder of task dirs")
    parser.add_argument("--sample", type=int, default=0, help="findings to print per rule")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rule", action="append", help="sample only these rules")
    args = parser.parse_args()

    tasks = task_dirs_in([args.tasks])
    started = time.perf_counter()
    found: list[tuple[Path, Finding]] = []
    for task in tasks:
        found += [(task, f) for f in check_task(task)]
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    per_rule = Counter(f.rule for _, f in found)
    tasks_per_rule = {r: len({t for t, f in found if f.rule == r}) for r in per_rule}
    print(f"tasks          {len(tasks)}")
    print(f"seconds        {seconds:.1f}")
    print(f"tasks/s        {len(tasks) / seconds:.0f}")
    print(f"peak RSS       {peak_mb:.0f} MB")
    print(f"crashes        {per_rule.get('rule-crashed', 0)} (rule-crashed findings)")
    print(f"{'rule':<22} {'findings':>9} {'tasks':>7}")
    for rule, count in per_rule.most_common():
        print(f"{rule:<22} {count:>9} {tasks_per_rule[rule]:>7}")
    if args.sample:
        print_sample(found, args.sample, args.seed, args.rule)


def print_sample(found, size: int, seed: int, only: list[str] | None) -> None:
    by_rule: dict[str, list[tuple[Path, Finding]]] = defaultdict(list)
    for task, f in found:
        if only is None or f.rule in only:
            by_rule[f.rule].append((task, f))
    for rule in sorted(by_rule):
        picked = random.Random(f"{seed}-{rule}").sample(
            by_rule[rule], min(size, len(by_rule[rule]))
        )
        print(f"\n== {rule}: {len(picked)} of {len(by_rule[rule])}")
        for task, f in picked:
            print(f"{task.name}/{f.file}:{f.line or '-'}  {f.message}")
            if f.line and (task / f.file).is_file():
                lines = (task / f.file).read_text(errors="replace").splitlines()
                print(f"    | {lines[f.line - 1].strip()[:160]}" if f.line <= len(lines) else "")


if __name__ == "__main__":
    main()
