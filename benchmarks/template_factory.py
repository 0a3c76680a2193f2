"""Template factory figures: generation speed, command diversity, families per domain.

    .venv/bin/python benchmarks/template_factory.py [--n 1000] [--seed 0]

- generation speed: tasks/s for `gen --backend template --domain all` (drafts built and written
  to a temporary folder, no validation), best of three runs;
- distinct real commands: command words of every family's reference solution over many seeds
  and all difficulties, counted against the tldr-pages index (as LiteCoder-Terminal counts them);
- instruction uniqueness over the --n tasks;
- the families of each domain.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.gen.templates import load_families
from litecoder_harbor.shell_commands import real_commands_in
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.tasks.writer import write_tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    gen_times, write_times = [], []
    for _ in range(3):
        started = time.perf_counter()
        drafts = generate_drafts("template", args.n, args.seed, domain="all")
        generated = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            write_tasks(drafts, Path(out))
        gen_times.append(generated - started)
        write_times.append(time.perf_counter() - generated)
    best_gen, best_total = (
        min(gen_times),
        min(g + w for g, w in zip(gen_times, write_times, strict=True)),
    )
    print(
        f"generation: {args.n} tasks in {best_gen:.2f} s = {args.n / best_gen:.0f} tasks/s (drafts in memory)"
    )
    print(
        f"generation + write: {best_total:.2f} s = {args.n / best_total:.0f} tasks/s (task dirs on disk)"
    )
    print(f"distinct instructions: {len({d.instruction for d in drafts})} of {len(drafts)}")

    families = load_families()
    commands: Counter[str] = Counter()
    per_family: dict[str, set[str]] = {}
    for name in sorted(families):
        used: set[str] = set()
        for seed in range(10):
            for level in Difficulty:
                draft = generate_drafts("template", 1, seed, family=name, difficulty=level.value)[0]
                used |= real_commands_in(draft.solution)
        per_family[name] = used
        commands.update(used)
    print(f"distinct real commands in reference solutions: {len(commands)}")
    print("  " + " ".join(sorted(commands)))
    print("families per domain:")
    by_domain = defaultdict(list)
    for name, cls in families.items():
        by_domain[cls.domain].append(name)
    for domain in Domain:
        names = sorted(by_domain[domain])
        print(
            f"  {domain.value} ({len(names)}): "
            + ", ".join(f"{n} [{len(per_family[n])} cmds]" for n in names)
        )


if __name__ == "__main__":
    main()
