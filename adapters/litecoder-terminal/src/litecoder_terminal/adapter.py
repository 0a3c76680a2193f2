"""LiteCoder-Terminal has no upstream files to convert: its tasks come from litecoder-harbor's
template factory, seeded, so the benchmark is a fixed sequence — task i is the factory's draw
for seed i over all ten domains in rotation — and every run writes the same bytes.

Each task gets the adapter-level fields of `task-template/task.toml` (`source`, `[task]` name
and authors, `[metadata]` merged in); instruction, environment, solution, tests and resources
come from the task's template family. The other files of `task-template/` are the layout every
generated task has (the adapter's tests check it).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from harbor.models.task.config import Author

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.tasks.model import TaskDraft
from litecoder_harbor.tasks.writer import write_tasks

BENCHMARK_SIZE = 100
"""Tasks in the adapted benchmark (seeds 0..99); `--limit` takes the first N of them."""
SEED = 0
TEMPLATE = Path(__file__).parent / "task-template" / "task.toml"
SEED_SUFFIX = re.compile(r"-s(\d+)$")


class LiteCoderTerminalAdapter:
    def __init__(
        self,
        output_dir: Path,
        limit: int | None = None,
        overwrite: bool = False,
        task_ids: list[str] | None = None,
        **kwargs,
    ):
        self.output_dir = output_dir
        self.limit = limit
        self.overwrite = overwrite
        self.task_ids = task_ids

    def drafts(self) -> list[TaskDraft]:
        """The benchmark's tasks, the first `limit` of them or those named in `task_ids`."""
        if self.limit is not None and not 1 <= self.limit <= BENCHMARK_SIZE:
            raise LitecoderError(f"--limit {self.limit}: must be between 1 and {BENCHMARK_SIZE}")
        if not self.task_ids:
            return [
                _with_template(d)
                for d in generate_drafts("template", self.limit or BENCHMARK_SIZE, SEED)
            ]
        # An id ends in its seed, so only the drafts up to the largest one are made.
        seeds = [
            int(m.group(1)) if (m := SEED_SUFFIX.search(t)) else BENCHMARK_SIZE
            for t in self.task_ids
        ]
        size = min(max(seeds) + 1, BENCHMARK_SIZE)
        drafts = {d.name: d for d in generate_drafts("template", size, SEED)}
        unknown = [t for t in self.task_ids if t not in drafts]
        if unknown:
            raise LitecoderError(
                f"--task-ids {unknown[0]}: not a task of the benchmark",
                hint=f"ids look like {next(iter(drafts))}, seeds 0-{BENCHMARK_SIZE - 1}",
            )
        return [_with_template(drafts[t]) for t in dict.fromkeys(self.task_ids)][: self.limit]

    def run(self) -> None:
        results = write_tasks(self.drafts(), self.output_dir, overwrite=self.overwrite)
        for result in results:
            print(f"{result.status:>9}  {result.name}")


def _with_template(draft: TaskDraft) -> TaskDraft:
    template = tomllib.loads(TEMPLATE.read_text())
    config = draft.config.model_copy(deep=True)
    config.source = template["source"]
    config.task.name = template["task"]["name"].format(task_id=draft.name)
    config.task.authors = [Author(**a) for a in template["task"]["authors"]]
    config.metadata = {**config.metadata, **template["metadata"]}
    return draft.model_copy(update={"config": config})
