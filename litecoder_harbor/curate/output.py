"""A Hugging Face dataset folder, written whole or not at all.

`data/train-00000-of-00001.parquet` (rows streamed in row groups, never one big table),
`README.md` (the dataset card: YAML front matter with configs, features, license, task
categories and tags, then the statistics), `stats.json` and `plots/`. It is built in a hidden
folder beside `--out` and swapped in at the end, so a failed or interrupted run leaves `--out`
as it was. `datasets.load_dataset(<folder>)` loads it; `--push-to-hub` commits it as one
commit.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write, swap_in_dir
from litecoder_harbor.hub import dataset_card

DATA_FILE = "data/train-00000-of-00001.parquet"
ROWS_PER_GROUP = 512
STAGING_PREFIX = ".curate-tmp-"

CHAT_MESSAGE = pa.struct(
    [
        ("role", pa.string()),
        ("content", pa.string()),
        (
            "tool_calls",
            pa.list_(
                pa.struct(
                    [
                        ("id", pa.string()),
                        ("type", pa.string()),
                        (
                            "function",
                            pa.struct([("name", pa.string()), ("arguments", pa.string())]),
                        ),
                    ]
                )
            ),
        ),
        ("tool_call_id", pa.string()),
    ]
)
"""`litecoder_harbor.chat.ChatMessage` as a parquet struct: one schema for every scaffold."""
MESSAGES = pa.list_(CHAT_MESSAGE)
SHAREGPT = pa.list_(pa.struct([("from", pa.string()), ("value", pa.string())]))


class DatasetFolder:
    """Stage a dataset folder, stream rows into its parquet file, then put it at `out`."""

    def __init__(self, out: Path, schema: pa.Schema):
        self.out = out
        self.schema = schema
        self.rows = 0
        if out.is_dir() and any(out.iterdir()) and not (out / "stats.json").is_file():
            raise LitecoderError(
                f"--out {out}: a folder that is not a dataset this command wrote; it would be "
                "replaced whole",
                hint="give a new folder, or an earlier `litecoder curate --out`",
            )
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out.parent))
        except OSError as exc:
            raise LitecoderError(
                f"--out {out}: cannot write there: {exc.strerror}",
                hint="choose a place you can write to",
            ) from None
        (self.stage / "data").mkdir()
        self._writer = pq.ParquetWriter(self.stage / DATA_FILE, schema, compression="zstd")
        self._pending: list[dict[str, Any]] = []

    def __enter__(self) -> DatasetFolder:
        return self

    def __exit__(self, kind, *_: object) -> None:
        if kind is not None:
            self._writer.close()
            shutil.rmtree(self.stage, ignore_errors=True)

    def add(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        self.rows += 1
        if len(self._pending) >= ROWS_PER_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema))
            self._pending = []

    def file(self, name: str) -> Path:
        """A path inside the staged folder for another file of the dataset (plots, tasks/)."""
        return self.stage / name

    def finish(
        self, *, title: str, kind_tags: list[str], license: str, body: str, stats: dict
    ) -> Path:
        """Write the card and `stats.json`, then swap the folder in at `out`."""
        self._flush()
        self._writer.close()
        front_matter = {
            "license": license,
            "task_categories": ["text-generation"],
            "tags": ["terminal", "agent", "harbor", "synthetic", *kind_tags],
            "pretty_name": title,
            "size_categories": [_size_category(self.rows)],
            "configs": [
                {
                    "config_name": "default",
                    "data_files": [{"split": "train", "path": "data/train-*"}],
                }
            ],
            "dataset_info": {"features": [_feature(f) for f in self.schema]},
        }
        atomic_write(self.stage / "README.md", dataset_card(front_matter, f"# {title}\n\n{body}"))
        atomic_write(self.stage / "stats.json", json.dumps(stats, indent=2, sort_keys=True) + "\n")
        swap_in_dir(self.stage, self.out, aside_prefix=STAGING_PREFIX)
        return self.out


def _feature(field: pa.Field) -> dict[str, Any]:
    """A parquet column as the card's `dataset_info.features` entry (the Hub's YAML layout)."""
    kind = field.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        inner = _feature(pa.field(field.name, kind.value_type))
        return {"name": field.name, "list": inner.get("struct", inner.get("dtype"))}
    if pa.types.is_struct(kind):
        return {
            "name": field.name,
            "struct": [_feature(kind.field(i)) for i in range(kind.num_fields)],
        }
    return {"name": field.name, "dtype": _DTYPES[kind]}


_DTYPES = {pa.string(): "string", pa.large_string(): "large_string", pa.int64(): "int64",
           pa.float64(): "float64", pa.bool_(): "bool"}  # fmt: skip


def _size_category(rows: int) -> str:
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ]
    return next((name for bound, name in bounds if rows < bound), "n>1M")
