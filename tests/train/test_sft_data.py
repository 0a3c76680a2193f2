"""SFT inputs: the three row layouts read alike, scaffold weights, and labels on exactly the
assistant's tokens."""

from __future__ import annotations

import json
from collections import Counter

from datasets import Dataset
from support import training_data
from support.training_data import TOOLS, episode, sft_rows
from transformers import AutoTokenizer

from litecoder_harbor.train import sft_conversations, sft_dataset
from litecoder_harbor.train.data import apply_scaffold_weights
from litecoder_harbor.train.tokens import training_chat_template

# Fixtures shared by tests/train (no conftest.py there: see support/training_data.py).
tiny_model = training_data.tiny_model


def test_labels_cover_exactly_the_assistant_turns(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    rows = sft_conversations(Dataset.from_list(sft_rows(2)), "test")
    tokenized = sft_dataset(rows, tokenizer, training_chat_template(tokenizer, "tiny"), "test")
    row = tokenized[0]
    labelled = [
        t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label != -100
    ]
    assert all(label in (-100, t) for t, label in zip(row["input_ids"], row["labels"], strict=True))

    call = '<tool_call>\n{{"name": "bash", "arguments": {{"cmd": "{}"}}}}\n</tool_call><|im_end|>\n'
    expected = (
        "Look first.\n"
        + call.format("ls /app/0")
        + "Read it.\n"
        + call.format("cat /app/0/out.txt")
        + "Task 0 wrote: result 0.<|im_end|>\n"
    )
    assert tokenizer.decode(labelled) == expected
    # the rest is exactly system, tools, user and tool results
    unlabelled = tokenizer.decode(
        [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label == -100]
    )
    assert "<tool_response>\nout.txt\n</tool_response>" in unlabelled
    assert "Report what task 0 wrote." in unlabelled and "<tools>" in unlabelled
    assert row["prompt_length"] == row["labels"].index(labelled[0])


def test_sharegpt_and_trace_export_rows_read_as_messages():
    turns = [("system", "sys"), ("human", "do it"), ("gpt", "done")]
    sharegpt = Dataset.from_list(
        [{"id": 0, "conversations": [{"from": f, "value": v} for f, v in turns]}]
    )
    trace = Dataset.from_list(
        [
            {
                "conversations": [
                    {"role": "user", "content": "do it"},
                    {"role": "assistant", "content": "done"},
                ],
                "agent": "terminus-2",
                "episode": "episode-0",
            }
        ]
    )
    (from_sharegpt,) = sft_conversations(sharegpt, "sharegpt")["messages"]
    (from_trace,) = sft_conversations(trace, "trace")["messages"]
    assert [(m["role"], m["content"]) for m in from_sharegpt] == [
        ("system", "sys"),
        ("user", "do it"),
        ("assistant", "done"),
    ]
    assert [(m["role"], m["content"]) for m in from_trace] == [
        ("user", "do it"),
        ("assistant", "done"),
    ]


def test_curated_rows_keep_tool_calls_and_tools():
    (row,) = sft_conversations(Dataset.from_list(sft_rows(1)), "curated")
    assert json.loads(row["tools"]) == TOOLS
    assert row["messages"][2]["tool_calls"][0]["function"]["name"] == "bash"
    assert row["messages"][3]["tool_call_id"] == "call_0"
    assert row["scaffold"] == "openhands"
    assert len(row["messages"]) == len(episode(0))


def test_scaffold_weights_repeat_rows_in_expectation():
    rows = Dataset.from_list([{"scaffold": "a"}] * 100 + [{"scaffold": "b"}] * 100)
    weighted = apply_scaffold_weights(rows, {"a": 2.0, "b": 0.5}, seed=0, source="test")
    counts = Counter(weighted["scaffold"])
    assert counts["a"] == 200
    assert 35 <= counts["b"] <= 65
    again = apply_scaffold_weights(rows, {"a": 2.0, "b": 0.5}, seed=0, source="test")
    assert again["scaffold"] == weighted["scaffold"]
