"""Conversations to token ids with the assistant tokens marked, through the model's own chat
template (Qwen3's renders `tools` and tool calls natively).

The mask comes from the template's `{% generation %}` markers. Qwen3's released templates have
none; TRL ships marked training variants of them (`get_training_chat_template`), which render the
same text, so we use the tokenizer's template when it is marked and TRL's variant otherwise.
"""

from __future__ import annotations

import json

from litecoder_harbor.errors import LitecoderError


def training_chat_template(tokenizer, model: str) -> str:
    """The chat template with `{% generation %}` markers for `tokenizer` (of `model`)."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = tokenizer.chat_template
    if not template:
        raise LitecoderError(f"model {model}: the tokenizer has no chat template")
    if has_generation_markers(template):
        return template
    try:
        return get_training_chat_template(tokenizer)
    except ValueError:
        raise LitecoderError(
            f"model {model}: its chat template has no {{% generation %}} markers and TRL has no "
            "training variant of it",
            hint="give the tokenizer a chat template whose assistant output sits inside {% generation %} markers",
        ) from None


def tokenize_conversation(
    tokenizer, messages: list[dict], tools: str, chat_template: str
) -> tuple[list[int], list[int]]:
    """Token ids of the rendered conversation and, per token, 1 when an assistant wrote it
    (tool calls and the end-of-turn token included), 0 otherwise."""
    out = tokenizer.apply_chat_template(
        messages,
        tools=json.loads(tools) or None,
        chat_template=chat_template,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    return list(out["input_ids"]), list(out["assistant_masks"])
