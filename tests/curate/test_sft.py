"""SFT rows: the conversation as the model saw it, in the row contract other stages read."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from conftest import run_cli
from support.harbor_jobs import (
    TERMINUS_PROMPT,
    terminus_trajectory,
    tool_trajectory,
    write_task,
    write_trial,
)

import litecoder_harbor.curate.reading as reading
from litecoder_harbor.chat import ChatMessage, Conversation, FunctionCall, ToolCall
from litecoder_harbor.curate import SFT_SCHEMA, CurateOptions, curate_sft, resample_to_mix

INSTRUCTION = "Repair the build in /app so that make succeeds."


def rows_of(tmp_path, **options):
    result = curate_sft(
        [tmp_path / "jobs"],
        CurateOptions(out=tmp_path / "out", cache_dir=None, plots=False, **options),
    )
    return pq.read_table(result.out / "data").to_pylist()


def test_a_plain_terminus_2_run_is_rebuilt_as_its_prompt_json_replies_and_screens(tmp_path):
    task = write_task(
        tmp_path / "tasks",
        "build",
        INSTRUCTION,
        domain="build_tools",
        family="make-fix",
        difficulty="hard",
    )
    write_trial(tmp_path / "jobs" / "job", "build__a", task=task,
                trajectory=terminus_trajectory(INSTRUCTION, ["ls", "make"], ["a b", "built"]))  # fmt: skip

    [row] = rows_of(tmp_path)

    assert set(row) == set(SFT_SCHEMA.names)
    messages = row["messages"]
    assert [m["role"] for m in messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert messages[0]["content"] == TERMINUS_PROMPT.format(instruction=INSTRUCTION)
    first = json.loads(messages[1]["content"])
    assert first == {
        "analysis": "step 0.",
        "plan": "run ls.",
        "commands": [{"keystrokes": "ls\n", "duration": 0.1}],
    }
    assert messages[2]["content"] == "a b" and messages[4]["content"] == "built"
    assert json.loads(messages[5]["content"])["task_complete"] is True
    assert messages[6]["content"] == "Are you sure?"  # the screen after the final reply is not kept
    assert row["tools"] == "[]" and row["turns"] == 4
    assert row["conversations"][0] == {"from": "human", "value": messages[0]["content"]}
    assert row["conversations"][1]["from"] == "gpt"
    assert (row["scaffold"], row["model"], row["task"], row["domain"], row["family"], row["difficulty"]) == (
        "terminus-2", "openai/teacher", "build", "build_tools", "make-fix", "hard",
    )  # fmt: skip
    assert (row["reward"], row["trial"], row["job"]) == (1.0, "build__a", "job")


def test_a_tool_calling_agent_is_rebuilt_from_atif_with_tool_calls_and_results(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    write_trial(tmp_path / "jobs" / "job", "build__cc", task=task, agent="claude-code",
                trajectory=tool_trajectory(INSTRUCTION, ["make"]))  # fmt: skip

    [row] = rows_of(tmp_path)

    user, call, result, done = row["messages"]
    assert user == {"role": "user", "content": INSTRUCTION, "tool_calls": [], "tool_call_id": None}
    assert call["tool_calls"] == [
        {
            "id": "toolu_0",
            "type": "function",
            "function": {"name": "Bash", "arguments": '{"command": "make"}'},
        }
    ]
    assert (result["role"], result["tool_call_id"], result["content"]) == (
        "tool",
        "toolu_0",
        "out 0",
    )
    assert done["content"] == "Done."
    assert row["scaffold"] == "claude-code" and row["turns"] == 2
    assert '{"name": "Bash", "arguments": {"command": "make"}}' in row["conversations"][1]["value"]


def test_a_recorded_conversation_is_used_exactly_when_collect_left_one(tmp_path, monkeypatch):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    write_trial(tmp_path / "jobs" / "job", "build__oh", task=task, agent="openhands",
                trajectory=tool_trajectory(INSTRUCTION, ["make"], agent="openhands", tool="execute_bash"))  # fmt: skip
    tools = [
        {"type": "function", "function": {"name": "execute_bash", "parameters": {"type": "object"}}}
    ]
    recorded = Conversation(
        messages=[
            ChatMessage(role="system", content="You are OpenHands."),
            ChatMessage(role="user", content=INSTRUCTION),
            ChatMessage(role="assistant", content="", tool_calls=[
                ToolCall(id="c1", function=FunctionCall(name="execute_bash", arguments='{"command":"make"}'))]),
            ChatMessage(role="tool", content="ok", tool_call_id="c1"),
            ChatMessage(role="assistant", content="Finished."),
        ],
        tools=tools,
    )  # fmt: skip
    monkeypatch.setattr(reading, "recorded_conversation", lambda trial_dir: recorded)

    result = curate_sft(
        [tmp_path / "jobs"], CurateOptions(out=tmp_path / "out", cache_dir=None, plots=False)
    )

    [row] = pq.read_table(result.out / "data").to_pylist()
    assert [ChatMessage.model_validate(m) for m in row["messages"]] == recorded.messages
    assert json.loads(row["tools"]) == tools
    assert result.summary["conversation_source"] == {"recorded": 1}


def mixed_job(tmp_path, terminus: int, claude_code: int) -> None:
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    for i in range(terminus):
        write_trial(tmp_path / "jobs" / "job", f"build__t{i}", task=task,
                    trajectory=terminus_trajectory(INSTRUCTION, [f"make -j{i}"]))  # fmt: skip
    for i in range(claude_code):
        write_trial(tmp_path / "jobs" / "job", f"build__c{i}", task=task, agent="claude-code",
                    trajectory=tool_trajectory(INSTRUCTION, [f"make -j{i}"]))  # fmt: skip


def test_resampling_keeps_the_largest_subset_with_the_target_shares():
    records = [{"scaffold": "terminus-2", "i": i} for i in range(10)]
    records += [{"scaffold": "openhands", "i": i} for i in range(4)]
    picked = resample_to_mix(records, {"terminus-2": 0.8, "openhands": 0.2}, seed=0)
    # terminus-2 limits: 10 / 0.8 = 12.5 rows at most -> 12, split 9.6 / 2.4 -> 10 / 2
    assert [r["scaffold"] for r in picked].count("terminus-2") == 10
    assert [r["scaffold"] for r in picked].count("openhands") == 2
    assert picked == sorted(picked, key=records.index)  # reading order is kept
    assert picked == resample_to_mix(records, {"terminus-2": 0.8, "openhands": 0.2}, seed=0)
    draws = {
        tuple(r["i"] for r in resample_to_mix(records, {"terminus-2": 0.8, "openhands": 0.2}, s))
        for s in range(20)
    }
    assert len(draws) > 1  # the seed picks which rows
    assert resample_to_mix(records, {"terminus-2": 0.5, "claude-code": 0.5}, seed=0) == []


def test_curate_sft_mix_resamples_and_reports_what_it_left_out(tmp_path):
    mixed_job(tmp_path, terminus=3, claude_code=1)
    proc = run_cli("curate", "sft", str(tmp_path / "jobs"), "--out", str(tmp_path / "out"),
                   "--mix", "terminus-2=0.5,claude-code=0.5", "--seed", "3")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = pq.read_table(tmp_path / "out" / "data").to_pylist()
    assert sorted(r["scaffold"] for r in rows) == ["claude-code", "terminus-2"]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["filters"]["kept"] == 2 and stats["filters"]["dropped"]["scaffold mix"] == 2
    assert stats["rows"] == 2


def test_curate_sft_mix_is_checked_before_reading(tmp_path):
    mixed_job(tmp_path, terminus=1, claude_code=0)
    proc = run_cli("curate", "sft", str(tmp_path / "jobs"), "--out", str(tmp_path / "out"),
                   "--mix", "terminus-2=0.5,gpt=0.5")  # fmt: skip
    assert proc.returncode == 2 and not (tmp_path / "out").exists()
    assert proc.stderr.strip().splitlines() == [
        "error: --mix: unknown scaffold 'gpt' (use terminus-2, openhands, claude-code)"
    ]
