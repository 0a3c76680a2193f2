"""A trial's conversation as its model saw it.

The exact record comes from `litecoder collect` (`collect.recorded_conversation`). A trial made
by plain `harbor run` has only its ATIF trajectory, which leaves out the system prompt and the
tool definitions (Harbor issue #3333), so it is rebuilt:

- Terminus-2 sends no system prompt and no tools: its first user turn is its prompt template
  with the instruction, which ATIF keeps whole (step 1), and every later user turn is the
  observation ATIF keeps on the step before. Its replies are JSON; ATIF keeps them parsed
  (`Analysis:`/`Plan:` text and `bash_command` calls), so they are re-rendered as the JSON the
  template asks for, keys in the template's order. A reply that did not parse is kept raw.
- Any other agent: system and user steps, assistant steps with their tool calls, tool results
  answering them. The system prompt is unknown and the tools are those ATIF lists (often none);
  such rows are counted in the statistics under `conversation_source: atif`.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Literal

from harbor.models.trajectories import Step, Trajectory

Source = Literal["recorded", "terminus-2 atif", "atif"]
Message = dict[str, Any]
"""`litecoder_harbor.chat.ChatMessage` as a plain dict (what a dataset row holds); built
directly, as validating hundreds of thousands of model objects per run costs more than the
parsing."""
"""Where a conversation came from: the recorded requests, or rebuilt from the trajectory."""

TERMINUS_COMMAND_TOOL = "bash_command"
TERMINUS_DONE_TOOL = "mark_task_complete"


def text_of(message: object) -> str:
    """A step's message or an observation's content as text (multimodal parts: their text)."""
    if message is None:
        return ""
    if isinstance(message, str):
        return message
    return "".join(part.text or "" for part in message)  # type: ignore[attr-defined]


def message(role: str, content: str, tool_calls: list[dict] | None = None,
            tool_call_id: str | None = None) -> Message:  # fmt: skip
    return {"role": role, "content": content, "tool_calls": tool_calls or [],
            "tool_call_id": tool_call_id}  # fmt: skip


def from_trajectory(
    trajectory: Trajectory, scaffold: str
) -> tuple[list[Message], list[dict], Source]:
    """(messages, tools, where they came from) rebuilt from an ATIF trajectory."""
    if scaffold == "terminus-2":
        return _terminus(trajectory), [], "terminus-2 atif"
    return _generic(trajectory), list(trajectory.agent.tool_definitions or []), "atif"


def _terminus(trajectory: Trajectory) -> list[Message]:
    messages: list[Message] = []
    pending: str | None = None  # the observation that becomes the next user turn
    for step in trajectory.steps:
        if step.is_copied_context:
            continue
        if step.source != "agent":
            role = "system" if step.source == "system" else "user"
            if step.source == "system" and step.observation:
                continue  # a summarization marker, not something the model was sent
            messages.append(message(role, text_of(step.message)))
            pending = None
            continue
        if pending is not None:
            messages.append(message("user", pending))
        messages.append(message("assistant", _terminus_reply(step)))
        results = step.observation.results if step.observation else []
        pending = "\n".join(text_of(result.content) for result in results) if results else None
    return messages


def _terminus_reply(step: Step) -> str:
    """The JSON reply Terminus-2 parsed into this step."""
    message = text_of(step.message)
    calls = step.tool_calls or []
    if not calls and not message.startswith(("Analysis:", "Plan:")):
        return message  # a reply that did not parse, or raw-content mode: kept as sent
    analysis, _, plan = message.partition("\nPlan: ")
    if not message.startswith("Analysis:"):
        analysis, plan = "", message.removeprefix("Plan: ")
    commands = [
        (call.arguments.get("keystrokes", ""), call.arguments.get("duration", 1.0))
        for call in calls
        if call.function_name == TERMINUS_COMMAND_TOOL
    ]
    done = any(call.function_name == TERMINUS_DONE_TOOL for call in calls)
    return _terminus_json(analysis.removeprefix("Analysis: "), plan, commands, done)


def _terminus_json(
    analysis: str, plan: str, commands: list[tuple[object, object]], done: bool
) -> str:
    """The reply as `json.dumps(..., indent=2)` writes it, built from C-encoded pieces (the
    indenting encoder is pure Python, and there are hundreds of thousands of replies)."""
    dump = functools.partial(json.dumps, ensure_ascii=False)
    items = ",\n".join(
        f'    {{\n      "keystrokes": {dump(keys)},\n      "duration": {dump(wait)}\n    }}'
        for keys, wait in commands
    )
    listed = f"[\n{items}\n  ]" if commands else "[]"
    tail = ',\n  "task_complete": true' if done else ""
    return (
        f'{{\n  "analysis": {dump(analysis)},\n  "plan": {dump(plan)},\n'
        f'  "commands": {listed}{tail}\n}}'
    )


def _generic(trajectory: Trajectory) -> list[Message]:
    messages: list[Message] = []
    for step in trajectory.steps:
        if step.is_copied_context:
            continue
        if step.source != "agent":
            messages.append(
                message("system" if step.source == "system" else "user", text_of(step.message))
            )
            continue
        calls = [
            {"id": call.tool_call_id, "type": "function",
             "function": {"name": call.function_name,
                          "arguments": json.dumps(call.arguments, ensure_ascii=False)}}
            for call in step.tool_calls or []
        ]  # fmt: skip
        last = messages[-1] if messages else None
        if last is not None and last["role"] == "assistant" and not last["tool_calls"]:
            # one model reply that the agent logged as several steps (text, then a tool call)
            last["content"] = "\n".join(filter(None, [last["content"], text_of(step.message)]))
            last["tool_calls"] = calls
        else:
            messages.append(message("assistant", text_of(step.message), calls))
        results = step.observation.results if step.observation else []
        for index, result in enumerate(results):
            call_id = result.source_call_id or (calls[index]["id"] if index < len(calls) else None)
            content = text_of(result.content)
            if call_id is not None:
                messages.append(message("tool", content, tool_call_id=call_id))
            elif content:
                messages.append(message("user", content))
    return messages


def ending_with_the_model(messages: list[Message]) -> list[Message]:
    """What comes after the model's last reply (an observation it never saw) is dropped."""
    end = len(messages)
    while end and messages[end - 1]["role"] != "assistant":
        end -= 1
    return messages[:end]


def terminal_actions(messages: list[dict[str, Any]], scaffold: str) -> list[str]:
    """The shell text each assistant turn sent: Terminus-2's keystrokes, or the `command`
    argument of any tool call (OpenHands `execute_bash`, Claude Code `Bash`, ...)."""
    actions = []
    for message in messages:
        if message["role"] != "assistant":
            continue
        if message["tool_calls"]:
            for call in message["tool_calls"]:
                try:
                    arguments = json.loads(call["function"]["arguments"])
                except ValueError:
                    continue
                if isinstance(arguments, dict) and isinstance(arguments.get("command"), str):
                    actions.append(arguments["command"])
        elif scaffold == "terminus-2":
            reply = _first_json_object(message["content"])
            if isinstance(reply, dict):
                actions += [
                    command.get("keystrokes", "")
                    for command in reply.get("commands") or []
                    if isinstance(command, dict) and isinstance(command.get("keystrokes"), str)
                ]
    return actions


def _first_json_object(text: str) -> object:
    """The JSON object a reply holds, tolerating text around it as Terminus-2 does."""
    start = text.find("{")
    try:
        return json.JSONDecoder().raw_decode(text[start:])[0] if start >= 0 else None
    except ValueError:
        return None
