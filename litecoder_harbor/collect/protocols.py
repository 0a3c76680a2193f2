"""The two chat protocols scaffolds speak, read into the project's one message model.

OpenAI chat completions (Terminus-2 and OpenHands through LiteLLM) are that model already,
except that content may come as a list of parts (joined with newlines into one text, as vLLM
does for a text-only chat). Anthropic's Messages API (Claude Code) maps one to one: `system`
becomes the first message, `tool_use` blocks tool calls with their input as JSON text,
`tool_result` blocks `tool` messages answering the call they name. Thinking blocks are not
part of the message model and are left out. A streamed reply is put back together from its
server-sent events first, so a recording holds the reply the client received either way.
"""

from __future__ import annotations

import json
from typing import Literal

from litecoder_harbor.chat import ChatMessage, Conversation, FunctionCall, ToolCall

Protocol = Literal["openai", "anthropic"]

_ROLES = {"developer": "system", "function": "tool"}
"""OpenAI roles the message model names otherwise."""


def protocol_of(path: str) -> Protocol | None:
    """The protocol of a model call by its URL path; None for anything else (model lists,
    token counts)."""
    route = path.split("?")[0].rstrip("/")
    if route.endswith("/chat/completions"):
        return "openai"
    if route.endswith("/messages"):
        return "anthropic"
    return None


def conversation(protocol: Protocol, request: dict, reply: dict) -> Conversation:
    """The request's conversation and tools with the reply as the last assistant message."""
    if protocol == "openai":
        messages = [_openai_message(m) for m in request.get("messages") or []]
        choices = reply.get("choices") or [{}]
        messages.append(_openai_message({"role": "assistant", **(choices[0].get("message") or {})}))
        return Conversation(messages=messages, tools=list(request.get("tools") or []))
    messages = []
    if system := _text(request.get("system")):
        messages.append(ChatMessage(role="system", content=system))
    for message in request.get("messages") or []:
        messages += _anthropic_messages(message)
    messages += _anthropic_messages({"role": "assistant", "content": reply.get("content")})
    tools = [_anthropic_tool(tool) for tool in request.get("tools") or []]
    return Conversation(messages=messages, tools=tools)


def _text(content: object) -> str:
    """Plain text of a content value: a string, or the text of its text parts and blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _openai_message(message: dict) -> ChatMessage:
    calls = [
        ToolCall(
            id=str(call.get("id", "")),
            function=FunctionCall(
                name=str(call["function"].get("name", "")),
                arguments=_arguments(call["function"].get("arguments")),
            ),
        )
        for call in message.get("tool_calls") or []
    ]
    role = str(message.get("role", ""))
    return ChatMessage(
        role=_ROLES.get(role, role),
        content=_text(message.get("content")),
        tool_calls=calls,
        tool_call_id=message.get("tool_call_id"),
    )


def _arguments(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value or {}, ensure_ascii=False)


def _anthropic_messages(message: dict) -> list[ChatMessage]:
    """One Messages API turn as chat messages, in the order of its blocks: text runs become
    messages of the turn's role, tool results `tool` messages, tool uses the calls of the
    assistant message they follow."""
    role = message.get("role")
    content = message.get("content")
    if isinstance(content, str):
        return [ChatMessage(role=role, content=content)]
    out: list[ChatMessage] = []
    texts: list[str] = []
    calls: list[ToolCall] = []

    def flush() -> None:
        if texts or calls:
            out.append(ChatMessage(role=role, content="\n".join(texts), tool_calls=list(calls)))
        texts.clear()
        calls.clear()

    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            calls.append(
                ToolCall(
                    id=str(block.get("id", "")),
                    function=FunctionCall(
                        name=str(block.get("name", "")), arguments=_arguments(block.get("input"))
                    ),
                )
            )
        elif kind == "tool_result":
            flush()
            result = block.get("content")
            out.append(
                ChatMessage(
                    role="tool", content=_text(result), tool_call_id=block.get("tool_use_id")
                )
            )
    flush()
    return out


def _anthropic_tool(tool: dict) -> dict:
    """An Anthropic tool as an OpenAI function tool; a server tool (no input schema) as is."""
    if "input_schema" not in tool:
        return tool
    function = {"name": tool.get("name"), "parameters": tool["input_schema"]}
    if "description" in tool:
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def sse_events(data: bytes) -> list[dict]:
    """The JSON payloads of a server-sent event stream's `data:` lines (`[DONE]` left out)."""
    events = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.startswith("data:"):
            continue
        payload = line[len("data:") :].strip()
        if payload and payload != "[DONE]":
            events.append(json.loads(payload))
    return events


def streamed_reply(protocol: Protocol, data: bytes) -> dict:
    """The reply a streamed response amounts to, shaped as the unstreamed one would be."""
    events = sse_events(data)
    return _openai_stream(events) if protocol == "openai" else _anthropic_stream(events)


def _openai_stream(chunks: list[dict]) -> dict:
    message: dict = {"role": "assistant", "content": None}
    calls: dict[int, dict] = {}
    finish = None
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                message["content"] = (message["content"] or "") + delta["content"]
            for part in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    part.get("index", 0),
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                call["id"] = part.get("id") or call["id"]
                function = part.get("function") or {}
                call["function"]["name"] += function.get("name") or ""
                call["function"]["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    if calls:
        message["tool_calls"] = [calls[index] for index in sorted(calls)]
    first = chunks[0] if chunks else {}
    return {
        "id": first.get("id"),
        "object": "chat.completion",
        "model": first.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }


def _anthropic_stream(events: list[dict]) -> dict:
    message: dict = {}
    blocks: dict[int, dict] = {}
    partial_json: dict[int, str] = {}
    for event in events:
        kind = event.get("type")
        if kind == "message_start":
            message = dict(event.get("message") or {})
        elif kind == "content_block_start":
            blocks[event["index"]] = dict(event.get("content_block") or {})
        elif kind == "content_block_delta":
            block, delta = blocks[event["index"]], event.get("delta") or {}
            if delta.get("type") == "text_delta":
                block["text"] = block.get("text", "") + delta.get("text", "")
            elif delta.get("type") == "thinking_delta":
                block["thinking"] = block.get("thinking", "") + delta.get("thinking", "")
            elif delta.get("type") == "input_json_delta":
                partial_json[event["index"]] = partial_json.get(event["index"], "") + delta.get(
                    "partial_json", ""
                )
        elif kind == "content_block_stop" and event["index"] in partial_json:
            text = partial_json.pop(event["index"])
            blocks[event["index"]]["input"] = json.loads(text) if text.strip() else {}
        elif kind == "message_delta":
            message.update(event.get("delta") or {})
    message["content"] = [blocks[index] for index in sorted(blocks)]
    return message
