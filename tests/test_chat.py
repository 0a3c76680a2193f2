"""The shared chat-message model: strict fields and the ShareGPT view."""

import json

import pytest
from pydantic import ValidationError

from litecoder_harbor.chat import ChatMessage, Conversation, to_sharegpt


def test_sharegpt_view_keeps_tool_calls_and_names_speakers():
    messages = [
        ChatMessage(role="system", content="be brief"),
        ChatMessage(role="user", content="list files"),
        ChatMessage(
            role="assistant",
            content="",
            tool_calls=[
                {"id": "c1", "function": {"name": 'run "x"', "arguments": '{"cmd": "ls"}'}}
            ],
        ),
        ChatMessage(role="tool", content="a.txt", tool_call_id="c1"),
    ]
    rows = to_sharegpt(messages)
    assert [row["from"] for row in rows] == ["system", "human", "gpt", "observation"]
    assert json.loads(rows[2]["value"].strip()) == {"name": 'run "x"', "arguments": {"cmd": "ls"}}
    assert Conversation(messages=messages).assistant_turns == 1


def test_unknown_role_or_field_is_refused():
    with pytest.raises(ValidationError):
        ChatMessage(role="robot", content="hi")
    with pytest.raises(ValidationError):
        ChatMessage(role="user", content="hi", name="x")
