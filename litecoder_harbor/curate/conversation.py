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

import json
from typing import Literal

from harbor.models.trajectories import Step, Trajectory

from litecoder_harbor.chat import ChatMessage, Conversation, FunctionCall, ToolCall

Source = Literal["recorded", "terminus-2 atif", "atif"]
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


def from_trajectory(trajectory: Trajectory, scaffold: str) -> tuple[Conversation, Source]:
    if scaffold == "terminus-2":
        return _terminus(trajectory), "terminus-2 atif"
    return _generic(trajectory), "atif"


def _terminus(trajectory: Trajectory) -> Conversation:
    messages: list[ChatMessage] = []
    pending: str | None = None  # the observation that becomes the next user turn
    for step in trajectory.steps:
        if step.is_copied_context:
            continue
        if step.source != "agent":
            role = "system" if step.source == "system" else "user"
            if step.source == "system" and step.observation:
                continue  # a summarization marker, not something the model was sent
            messages.append(ChatMessage(role=role, content=text_of(step.message)))
            pending = None
            continue
        if pending is not None:
            messages.append(ChatMessage(role="user", content=pending))
        messages.append(ChatMessage(role="assistant", content=_terminus_reply(step)))
        results = step.observation.results if step.observation else []
        pending = "\n".join(text_of(result.content) for result in results) if results else None
    return Conversation(messages=messages)


def _terminus_reply(step: Step) -> str:
    """The JSON reply Terminus-2 parsed into this step."""
    message = text_of(step.message)
    calls = step.tool_calls or []
    if not calls and not message.startswith(("Analysis:", "Plan:")):
        return message  # a reply that did not parse, or raw-content mode: kept as sent
    analysis, _, plan = message.partition("\nPlan: ")
    if not message.startswith("Analysis:"):
        analysis, plan = "", message.removeprefix("Plan: ")
    reply: dict[str, object] = {
        "analysis": analysis.removeprefix("Analysis: "),
        "plan": plan,
        "commands": [
            {
                "keystrokes": call.arguments.get("keystrokes", ""),
                "duration": call.arguments.get("duration", 1.0),
            }
            for call in calls
            if call.function_name == TERMINUS_COMMAND_TOOL
        ],
    }
    if any(call.function_name == TERMINUS_DONE_TOOL for call in calls):
        reply["task_complete"] = True
    return json.dumps(reply, indent=2, ensure_ascii=False)


def _generic(trajectory: Trajectory) -> Conversation:
    messages: list[ChatMessage] = []
    for step in trajectory.steps:
        if step.is_copied_context:
            continue
        if step.source != "agent":
            role = "system" if step.source == "system" else "user"
            messages.append(ChatMessage(role=role, content=text_of(step.message)))
            continue
        calls = [
            ToolCall(
                id=call.tool_call_id,
                function=FunctionCall(
                    name=call.function_name,
                    arguments=json.dumps(call.arguments, ensure_ascii=False),
                ),
            )
            for call in step.tool_calls or []
        ]
        last = messages[-1] if messages else None
        if last is not None and last.role == "assistant" and not last.tool_calls:
            # one model reply that the agent logged as several steps (text, then a tool call)
            last.content = "\n".join(filter(None, [last.content, text_of(step.message)]))
            last.tool_calls = calls
        else:
            messages.append(
                ChatMessage(role="assistant", content=text_of(step.message), tool_calls=calls)
            )
        results = step.observation.results if step.observation else []
        for index, result in enumerate(results):
            call_id = result.source_call_id or (calls[index].id if index < len(calls) else None)
            content = text_of(result.content)
            if call_id is not None:
                messages.append(ChatMessage(role="tool", content=content, tool_call_id=call_id))
            elif content:
                messages.append(ChatMessage(role="user", content=content))
    return Conversation(messages=messages, tools=list(trajectory.agent.tool_definitions or []))


def ending_with_the_model(conversation: Conversation) -> Conversation:
    """What comes after the model's last reply (an observation it never saw) is dropped."""
    messages = list(conversation.messages)
    while messages and messages[-1].role != "assistant":
        messages.pop()
    return Conversation(messages=messages, tools=conversation.tools)


def terminal_actions(conversation: Conversation, scaffold: str) -> list[str]:
    """The shell text each assistant turn sent: Terminus-2's keystrokes, or the `command`
    argument of any tool call (OpenHands `execute_bash`, Claude Code `Bash`, ...)."""
    actions = []
    for message in conversation.messages:
        if message.role != "assistant":
            continue
        if message.tool_calls:
            for call in message.tool_calls:
                try:
                    arguments = json.loads(call.function.arguments)
                except ValueError:
                    continue
                if isinstance(arguments, dict) and isinstance(arguments.get("command"), str):
                    actions.append(arguments["command"])
        elif scaffold == "terminus-2":
            reply = _first_json_object(message.content)
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
