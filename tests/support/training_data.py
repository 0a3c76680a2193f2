"""Tiny, offline training inputs in the layouts the training stage reads: curated SFT rows
(messages + tools) and preference pairs of tool-using episodes, written as HF dataset folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "bash",
            "description": "Run a shell command.",
            "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}},
        },
    }
]
SYSTEM = "You solve command-line tasks."


def call(cmd: str, n: int) -> dict:
    return {
        "id": f"call_{n}",
        "type": "function",
        "function": {"name": "bash", "arguments": json.dumps({"cmd": cmd})},
    }


def episode(task: int, *, good: bool = True) -> list[dict]:
    """A tool-using episode: user request, two tool calls with results, a final answer."""
    first, second = (f"ls /app/{task}", f"cat /app/{task}/out.txt") if good else ("rm -rf /", "ls")
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Report what task {task} wrote."},
        {"role": "assistant", "content": "Look first.", "tool_calls": [call(first, 0)]},
        {"role": "tool", "content": "out.txt", "tool_call_id": "call_0"},
        {"role": "assistant", "content": "Read it.", "tool_calls": [call(second, 1)]},
        {"role": "tool", "content": f"result {task}", "tool_call_id": "call_1"},
        {"role": "assistant", "content": f"Task {task} wrote: result {task}." if good else "Done."},
    ]


def write_dataset(folder: Path, rows: list[dict]) -> Path:
    """An HF dataset folder as the curate stage writes it: data/*.parquet and a card."""
    from datasets import Dataset

    (folder / "data").mkdir(parents=True)
    Dataset.from_list(rows).to_parquet(str(folder / "data" / "train-00000-of-00001.parquet"))
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# test data\n")
    return folder


def sft_rows(n: int = 12) -> list[dict]:
    from litecoder_harbor.chat import ChatMessage, to_sharegpt

    rows = []
    for i in range(n):
        messages = episode(i % 4)
        rows.append(
            {
                "messages": messages,
                "tools": json.dumps(TOOLS),
                "conversations": to_sharegpt([ChatMessage.model_validate(m) for m in messages]),
                "scaffold": "openhands" if i % 3 == 0 else "terminus-2",
                "model": "teacher",
                "task": f"task-{i % 4}",
                "reward": 1.0,
                "turns": 3,
            }
        )
    return rows


def preference_rows(n: int = 8) -> list[dict]:
    rows = []
    for i in range(n):
        good, bad = episode(i % 4), episode(i % 4, good=False)
        rows.append(
            {
                "prompt": good[:2],
                "chosen": good[2:],
                "rejected": bad[2:5],  # a shorter trajectory: it ends on its second assistant turn
                "tools": json.dumps(TOOLS),
                "chosen_turns": 3,
                "rejected_turns": 2,
                "task": f"task-{i % 4}",
                "scaffold": "openhands",
            }
        )
    return rows


# Fixtures for tests/train, bound by name in its modules (a conftest.py there would shadow the
# top-level one that `from conftest import run_cli` means). Each is written once per session,
# under the session's base temp folder, whichever module asks first.


def _once(tmp_path_factory, name: str, write) -> Path:
    path = tmp_path_factory.getbasetemp() / name
    if not path.exists():
        write(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from litecoder_harbor.train import build_tiny_model

    texts = [m["content"] for row in sft_rows() for m in row["messages"]]
    return _once(tmp_path_factory, "tiny-qwen3", lambda path: build_tiny_model(path, texts))


@pytest.fixture(scope="session")
def sft_data(tmp_path_factory) -> Path:
    return _once(tmp_path_factory, "sft-data", lambda path: write_dataset(path, sft_rows()))


@pytest.fixture(scope="session")
def preference_data(tmp_path_factory) -> Path:
    return _once(
        tmp_path_factory, "preference-data", lambda path: write_dataset(path, preference_rows())
    )
