"""Curation of real job dirs made here: `litecoder collect` (Terminus-2 wrapper) with the
scripted teacher solving, looping and answering wrong, and Harbor's own `terminus-2` agent
(plain `harbor run`) against the same teacher endpoint; then all four dataset kinds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from conftest import run_cli
from support.teacher import CANARY_KEY, collect, serve_teacher

pytestmark = pytest.mark.docker


def task_folder(tasks: Path, name: str, *picked: Path) -> Path:
    folder = tasks.parent / name
    folder.mkdir()
    for task in picked:
        os.symlink(task, folder / task.name)
    return folder


@pytest.fixture(scope="module")
def jobs(tmp_path_factory, docker_ready) -> Path:
    """One folder holding every job: collect's (two solved, one looping, one wrong) and one
    plain `harbor run -a terminus-2` job."""
    from litecoder_harbor.gen.templates import iter_template_drafts
    from litecoder_harbor.tasks.writer import write_task

    root = tmp_path_factory.mktemp("curate")
    tasks = root / "tasks"
    tasks.mkdir()
    for draft in iter_template_drafts(2, 1, difficulty="easy"):
        write_task(draft, tasks)
    first, second = sorted(tasks.iterdir())
    out = root / "jobs"
    with serve_teacher(tasks) as (url, _):
        for model, folder in (
            ("openai/teacher", tasks),
            ("openai/teacher-loop", task_folder(tasks, "loop", first)),
            ("openai/teacher-wrong", task_folder(tasks, "wrong", second)),
        ):
            proc = collect(folder, out, url, model=model)
            assert proc.returncode == 0, proc.stdout + proc.stderr
        harbor = subprocess.run(
            [str(Path(sys.executable).parent / "harbor"), "run", "-p", str(first), "-a", "terminus-2",
             "-m", "openai/teacher", "--ak", f"api_base={url}", "-o", str(out), "--job-name",
             "plain-terminus-2", "-q", "-y"],
            env={**os.environ, "OPENAI_API_KEY": CANARY_KEY}, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert harbor.returncode == 0, harbor.stdout + harbor.stderr
    return out


def curate(kind: str, jobs: Path, out: Path, *extra: str):
    proc = run_cli(
        "curate", kind, str(jobs), "--out", str(out), "--cache", str(out.parent / "cache"), *extra
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(f"\n$ litecoder curate {kind}\n{proc.stdout}")
    return json.loads((out / "stats.json").read_text())


def load(out: Path, tmp_path: Path) -> datasets.Dataset:
    return datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf-cache"))


def test_sft_keeps_the_solved_trials_of_both_agents_and_counts_what_it_dropped(jobs, tmp_path):
    stats = curate("sft", jobs, tmp_path / "sft")

    rows = load(tmp_path / "sft", tmp_path)
    assert sorted(r["job"].startswith("plain") for r in rows) == [False, False, True]
    assert stats["trials_read"] == 5 and stats["skipped"] == {}
    assert stats["filters"]["dropped"]["looping"] == 1
    assert stats["filters"]["dropped"]["solved"] == 1  # the wrong answer
    assert stats["conversation_source"] == {"recorded": 2, "terminus-2 atif": 1}  # plain harbor run
    for row in rows:
        assert row["reward"] == 1.0 and row["scaffold"] == "terminus-2" and row["turns"] >= 2
        assert (
            row["messages"][0]["role"] == "user"
            and "Task Description:" in row["messages"][0]["content"]
        )
        replies = [json.loads(m["content"]) for m in row["messages"] if m["role"] == "assistant"]
        assert any(
            "bash /solution/solve.sh" in c["keystrokes"] for r in replies for c in r["commands"]
        )
        assert replies[-1]["task_complete"] is True
    assert stats["distinct_real_commands"] >= 1 and "bash" in stats["top_commands"]
    assert CANARY_KEY not in json.dumps(rows.to_list())


def test_preference_pairs_solved_trials_with_the_looping_and_the_wrong_one(jobs, tmp_path):
    curate("preference", jobs, tmp_path / "preference")
    rows = load(tmp_path / "preference", tmp_path)
    assert len(rows) == 3  # two solved runs of the first task against its loop, one against wrong
    for row in rows:
        assert row["rejected_trial"].startswith(row["task"].rsplit("/", 1)[-1])
        assert row["chosen_reward"] == 1.0 and row["rejected_reward"] == 0.0
        assert row["prompt"][0]["role"] == "user" and row["chosen"][-1]["role"] == "assistant"
    # the looping teacher was stopped after five `ls`
    assert sorted(row["rejected_turns"] for row in rows) == [3, 5, 5]


def test_world_model_and_rl_envs_come_from_the_same_jobs(jobs, tmp_path):
    stats = curate("world-model", jobs, tmp_path / "world-model")
    rows = load(tmp_path / "world-model", tmp_path)
    assert len(rows) >= 3 and all(r["observation"] and r["action"] for r in rows)
    assert stats["filters"]["dropped"]["looping"] == 1

    curate("rl-envs", jobs, tmp_path / "rl", "--include-unvalidated")
    index = pq.read_table(tmp_path / "rl" / "data").to_pylist()
    assert len(index) == 2 and {r["verdict"] for r in index} == {"unvalidated"}
    assert sorted(r["trials"] for r in index) == [2, 3]
    assert sorted(p.name for p in (tmp_path / "rl" / "tasks").iterdir()) == sorted(
        r["name"] for r in index
    )


@pytest.mark.parametrize("scaffold", ["terminus", "openhands", "claude_code"])
def test_each_sft_row_is_a_conversation_the_teacher_received(scaffold, request, tmp_path):
    """Under each scaffold, a curated row holds exactly what the model was sent (system prompt,
    tools, every turn) plus its reply, as the scripted teacher logged it."""
    from litecoder_harbor.collect.protocols import conversation

    run = request.getfixturevalue(f"collected_{scaffold}")
    stats = curate("sft", run.job_dir, tmp_path / "sft")
    rows = load(tmp_path / "sft", tmp_path)
    assert len(rows) == stats["filters"]["kept"] > 0
    assert stats["conversation_source"] == {"recorded": len(rows)}
    received = [
        conversation(
            "anthropic" if c["path"].endswith("/messages") else "openai", c["request"], c["reply"]
        )
        for c in run.calls
    ]
    for row in rows:
        sent = [c for c in received if [m.model_dump() for m in c.messages] == row["messages"]]
        assert sent, f"{row['trial']}: no request the teacher received matches the row"
        assert json.loads(row["tools"]) == sent[0].tools
        assert row["messages"][-1]["role"] == "assistant"
    if scaffold != "terminus":  # the in-container scaffolds send a system prompt and tools
        assert all(row["messages"][0]["role"] == "system" and row["tools"] != "[]" for row in rows)
