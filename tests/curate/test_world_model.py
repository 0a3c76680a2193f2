"""World-model rows: the context up to an action, the action, the observation that followed."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from support.harbor_jobs import terminus_trajectory, write_task, write_trial

from litecoder_harbor.curate import CurateOptions, curate_world_model

INSTRUCTION = "Repair the build in /app so that make succeeds."


def test_each_answered_turn_is_a_row_with_a_bounded_context(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    commands = ["ls", "cat Makefile", "make", "make test"]
    write_trial(tmp_path / "jobs" / "job", "build__a", task=task, reward=0.0,  # unsolved rows count too
                trajectory=terminus_trajectory(INSTRUCTION, commands, [f"screen {c}" for c in commands]))  # fmt: skip

    result = curate_world_model(
        [tmp_path / "jobs"],
        CurateOptions(out=tmp_path / "out", cache_dir=None, plots=False),
        context_turns=1,
    )

    rows = pq.read_table(result.out / "data").to_pylist()
    assert [r["step"] for r in rows] == [0, 1, 2, 3, 4]  # the final reply got no answer it saw
    third = rows[2]
    assert json.loads(third["action"])["commands"][0]["keystrokes"] == "make\n"
    assert third["observation"] == "screen make"
    roles = [m["role"] for m in third["messages"]]
    assert roles == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]  # prompt, one turn before, the action
    assert third["messages"][0]["content"].startswith("You are an AI assistant")
    assert third["messages"][-1]["content"] == third["action"]
    assert rows[0]["messages"][-1]["role"] == "assistant" and len(rows[0]["messages"]) == 2
