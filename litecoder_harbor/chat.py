"""The chat-message model every later stage speaks: collection records model requests in it,
curation writes dataset rows in it, training reads it.

It is the OpenAI chat layout that TRL and Qwen3's chat template take: `role`, `content`,
assistant `tool_calls` (arguments as JSON text, so one parquet schema fits every tool) and the
`tool_call_id` a tool result answers. Anthropic's content blocks map onto it one to one:
`tool_use` → a tool call, `tool_result` → a `tool` message.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]

SHAREGPT_FROM: dict[str, str] = {
    "system": "system",
    "user": "human",
    "assistant": "gpt",
    "tool": "observation",
}
"""ShareGPT speaker names by role; LiteCoder-Terminal-SFT's rows use `human` and `gpt`."""


class FunctionCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: str
    """The arguments as JSON text, exactly as the model produced them."""


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None


class Conversation(BaseModel):
    """One episode as the model saw it: the messages and the tools it was offered."""

    model_config = ConfigDict(extra="forbid")

    messages: list[ChatMessage]
    tools: list[dict] = Field(default_factory=list)
    """OpenAI function-tool schemas (`{"type": "function", "function": {...}}`); empty when the
    scaffold offers none (Terminus-2 speaks JSON in plain text)."""

    @property
    def assistant_turns(self) -> int:
        return sum(message.role == "assistant" for message in self.messages)


def to_sharegpt(messages: list[ChatMessage]) -> list[dict[str, str]]:
    """`from`/`value` pairs; tool calls are appended to the assistant text as JSON lines so no
    action is lost in the flat layout."""
    return sharegpt_of([message.model_dump() for message in messages])


def sharegpt_of(messages: list[dict]) -> list[dict[str, str]]:
    """`to_sharegpt` on messages already dumped to dicts (dataset rows), without validating
    each one again."""
    rows = []
    for message in messages:
        value = message["content"]
        for call in message["tool_calls"]:
            name = json.dumps(call["function"]["name"])
            value += f'\n{{"name": {name}, "arguments": {call["function"]["arguments"]}}}'
        rows.append({"from": SHAREGPT_FROM[message["role"]], "value": value})
    return rows
