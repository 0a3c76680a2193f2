"""Training inputs read into one shape: rows of `messages` (the chat model of
`litecoder_harbor.chat`, as Qwen3's chat template takes it) and `tools` (JSON text).

SFT reads three layouts — the curated dataset (`messages` + `tools`), LiteCoder-Terminal-SFT's
ShareGPT rows (`conversations` of `from`/`value`) and Harbor's trace export (`conversations` of
`role`/`content`) — and DMPO reads preference pairs (`prompt`, `chosen`, `rejected`). Every
problem with a row is one `LitecoderError` naming the dataset, the row and what is wrong.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from litecoder_harbor.chat import SHAREGPT_FROM, ChatMessage
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.yamlfile import dotted

ROLE_OF_SHAREGPT = {name: role for role, name in SHAREGPT_FROM.items()} | {
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
}
"""ShareGPT speaker names (`human`, `gpt`, `observation`, ...) to chat roles."""

PREFERENCE_COLUMNS = ("prompt", "chosen", "rejected")


def load_rows(source: str, split: str):
    """A `datasets.Dataset` from a dataset folder (`data/*.parquet` + card) or a Hub id."""
    import datasets

    path = Path(source)
    if not path.exists() and (source.startswith((".", "/")) or source.count("/") != 1):
        raise LitecoderError(
            f"dataset {source}: no such folder", hint="give a dataset folder or a Hub id owner/name"
        )
    try:
        return datasets.load_dataset(source, split=split)
    except (OSError, ValueError, datasets.exceptions.DatasetNotFoundError) as exc:
        raise LitecoderError(f"dataset {source}: cannot load it ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def sft_conversations(dataset, source: str):
    """Rows of any SFT layout as `messages` + `tools` (+ `scaffold` when the dataset has it)."""
    columns = dataset.column_names
    if "messages" in columns:
        layout = "messages"
    elif "conversations" in columns:
        layout = "conversations"
    else:
        raise LitecoderError(
            f"dataset {source}: no `messages` or `conversations` column (columns: "
            f"{', '.join(columns)})",
            hint="a curated SFT dataset, LiteCoder-Terminal-SFT or a Harbor trace export",
        )
    has_tools = "tools" in columns

    def convert(row: dict, index: int) -> dict:
        raw = row[layout]
        if layout == "conversations":
            raw = [_from_conversation_turn(turn, source, index, n) for n, turn in enumerate(raw)]
        messages = chat_messages(raw, source, index, layout)
        if not any(message["role"] == "assistant" for message in messages):
            raise LitecoderError(
                f"dataset {source}: row {index}: no assistant turn",
                hint="every row needs at least one assistant message to learn from",
            )
        return {"messages": messages, "tools": _tools(row.get("tools") if has_tools else None)}

    keep = ["scaffold"] if "scaffold" in columns else []
    return dataset.map(
        convert,
        with_indices=True,
        remove_columns=[c for c in columns if c not in keep],
        features=_features(keep),
        desc="Reading conversations",
    )


def preference_pairs(dataset, source: str):
    """Preference rows (`prompt`, `chosen`, `rejected` message lists, `tools`) in the chat
    model; each side must hold at least one assistant turn (DMPO's turns are its assistant
    messages)."""
    columns = dataset.column_names
    missing = [c for c in PREFERENCE_COLUMNS if c not in columns]
    if missing:
        raise LitecoderError(
            f"dataset {source}: no {', '.join(f'`{c}`' for c in missing)} column "
            f"(columns: {', '.join(columns)})",
            hint="a preference dataset has prompt, chosen and rejected message lists",
        )
    has_tools = "tools" in columns

    def convert(row: dict, index: int) -> dict:
        pair = {name: chat_messages(row[name], source, index, name) for name in PREFERENCE_COLUMNS}
        for side in ("chosen", "rejected"):
            if not any(message["role"] == "assistant" for message in pair[side]):
                raise LitecoderError(f"dataset {source}: row {index}: {side}: no assistant turn")
        return pair | {"tools": _tools(row.get("tools") if has_tools else None)}

    features = _features([])
    for name in ("prompt", "chosen", "rejected"):
        features[name] = features["messages"]
    del features["messages"]
    return dataset.map(
        convert,
        with_indices=True,
        remove_columns=columns,
        features=features,
        desc="Reading preference pairs",
    )


def chat_messages(raw: Any, source: str, index: int, column: str) -> list[dict]:
    """Messages checked against `ChatMessage`, as the dicts chat templates render."""
    if not isinstance(raw, list) or not raw:
        raise LitecoderError(f"dataset {source}: row {index}: {column}: expected a non-empty list")
    messages = []
    for n, item in enumerate(raw):
        if isinstance(item, dict):
            item = {k: v for k, v in item.items() if v is not None}
        try:
            message = ChatMessage.model_validate(item)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            raise LitecoderError(
                f"dataset {source}: row {index}: {column}[{n}]"
                + (f".{dotted(error['loc'])}" if error["loc"] else "")
                + f": {error['msg']}"
            ) from None
        messages.append(message.model_dump())
    return messages


def _from_conversation_turn(turn: Any, source: str, index: int, n: int) -> dict:
    if isinstance(turn, dict) and "from" in turn:
        role = ROLE_OF_SHAREGPT.get(turn["from"])
        if role is None:
            raise LitecoderError(
                f"dataset {source}: row {index}: conversations[{n}].from: unknown speaker "
                f"{turn['from']!r}",
                hint=f"one of {', '.join(sorted(ROLE_OF_SHAREGPT))}",
            )
        return {"role": role, "content": turn.get("value")}
    return turn


def _tools(text: str | None) -> str:
    """Tools stay JSON text (one schema fits every tool); checked to parse as a list."""
    if not text:
        return "[]"
    try:
        tools = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LitecoderError(f"tools: not JSON ({exc.msg})") from None
    if not isinstance(tools, list):
        raise LitecoderError("tools: expected a JSON list of function-tool schemas")
    return text


def _features(keep: list[str]):
    from datasets import Features, List, Value

    call = {
        "id": Value("string"),
        "type": Value("string"),
        "function": {"name": Value("string"), "arguments": Value("string")},
    }
    message = {
        "role": Value("string"),
        "content": Value("string"),
        "tool_calls": List(call),
        "tool_call_id": Value("string"),
    }
    features = Features({"messages": List(message), "tools": Value("string")})
    for column in keep:
        features[column] = Value("string")
    return features


def apply_scaffold_weights(dataset, weights: dict[str, float], seed: int, source: str):
    """Rows repeated by their scaffold's weight: w copies in expectation (⌊w⌋ always, one more
    with probability w − ⌊w⌋, drawn from `seed`)."""
    if not weights:
        return dataset
    if "scaffold" not in dataset.column_names:
        raise LitecoderError(
            f"dataset.scaffold_weights: dataset {source} has no `scaffold` column",
            hint="weights apply to the curated SFT dataset",
        )
    present = set(dataset["scaffold"])
    unknown = sorted(set(weights) - present)
    if unknown:
        raise LitecoderError(
            f"dataset.scaffold_weights: {unknown[0]!r} matches no row",
            hint=f"scaffolds in {source}: {', '.join(sorted(map(str, present)))}",
        )
    negative = [name for name, weight in weights.items() if weight < 0]
    if negative:
        raise LitecoderError(f"dataset.scaffold_weights.{negative[0]}: must be >= 0")
    rng = random.Random(seed)
    indices = []
    for index, scaffold in enumerate(dataset["scaffold"]):
        weight = weights.get(scaffold, 1.0)
        copies = int(weight) + (rng.random() < weight - int(weight))
        indices += [index] * copies
    if not indices:
        raise LitecoderError("dataset.scaffold_weights: every row has weight 0")
    return dataset.select(indices)
