"""Supervised fine-tuning on TRL's `SFTTrainer`: multi-turn agent conversations, loss on the
assistant's tokens only (tool calls included; system, user and tool-result tokens excluded),
LoRA through PEFT or full fine-tuning, optional packing, per-scaffold weights.

We tokenize the rows ourselves, with the same chat template call TRL makes for
`assistant_only_loss`, so that a row without assistant tokens is named and what `max_length`
cuts is counted before training; TRL then truncates, packs and trains on the labelled rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.train.data import apply_scaffold_weights, load_rows, sft_conversations
from litecoder_harbor.train.recipe import Recipe
from litecoder_harbor.train.run import (
    RunResult,
    check_resume,
    length_report,
    load_tokenizer,
    lora_config,
    make_config,
    model_init_kwargs,
    output_dir_for,
    save_result,
)
from litecoder_harbor.train.tokens import tokenize_conversation, training_chat_template

IGNORE_INDEX = -100
"""The label of tokens that carry no loss (PyTorch's cross-entropy `ignore_index`)."""


def sft_dataset(conversations, tokenizer, chat_template: str, source: str):
    """`input_ids` and `labels` (the id on assistant tokens, −100 elsewhere) per row, plus
    `prompt_length`, the number of tokens before the first assistant token."""

    def tokenize(row: dict, index: int) -> dict:
        input_ids, assistant = tokenize_conversation(
            tokenizer, row["messages"], row["tools"], chat_template
        )
        if 1 not in assistant:
            raise LitecoderError(
                f"dataset {source}: row {index}: the chat template marks no assistant token"
            )
        labels = [t if a else IGNORE_INDEX for t, a in zip(input_ids, assistant, strict=True)]
        return {"input_ids": input_ids, "labels": labels, "prompt_length": assistant.index(1)}

    return conversations.map(
        tokenize,
        with_indices=True,
        remove_columns=conversations.column_names,
        desc="Tokenizing conversations",
    )


def train_sft(
    recipe: Recipe,
    recipe_path: Path,
    *,
    dataset: str | None = None,
    output_dir: Path | None = None,
    resume: bool = False,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Run the recipe's SFT and save the adapter (and the merged model) or the full model."""
    from trl import SFTTrainer

    source = dataset or recipe.dataset.path
    if source is None:
        raise LitecoderError(
            f"{recipe_path}: dataset.path: not set", hint="give --dataset DIR or a Hub id"
        )
    out = output_dir_for(recipe, recipe_path, output_dir)
    checkpoint = check_resume(out, resume)
    config = make_config("sft", recipe.training, out, recipe_path)
    tokenizer = load_tokenizer(recipe.model)
    if config.chat_template_path is not None:
        template_file = Path(config.chat_template_path)
        if template_file.suffix not in (".jinja", ".j2") or not template_file.is_file():
            raise LitecoderError(
                f"{recipe_path}: training.chat_template_path: {template_file} is not a .jinja file"
            )
        tokenizer.chat_template = template_file.read_text(encoding="utf-8")
    chat_template = training_chat_template(tokenizer, recipe.model.name_or_path)

    rows = sft_conversations(load_rows(source, recipe.dataset.split), source)
    rows = apply_scaffold_weights(rows, recipe.dataset.scaffold_weights, config.seed, source)
    tokenized = sft_dataset(rows, tokenizer, chat_template, source)
    truncated = dropped = 0
    if config.max_length is not None and not config.packing:
        lengths = [len(ids) for ids in tokenized["input_ids"]]
        truncated = sum(length > config.max_length for length in lengths)
        if config.truncation_mode == "keep_start":  # keep_end always keeps the last turn
            dropped = sum(p >= config.max_length for p in tokenized["prompt_length"])
        length_report(len(lengths), truncated, dropped, config.max_length, log)

    config.model_init_kwargs = model_init_kwargs(recipe.model) | (config.model_init_kwargs or {})
    trainer = SFTTrainer(
        model=recipe.model.name_or_path,
        args=config,
        train_dataset=tokenized.select_columns(["input_ids", "labels"]),
        processing_class=tokenizer,
        peft_config=lora_config(recipe.lora),
    )
    trainer.train(resume_from_checkpoint=checkpoint)
    model_dir, merged_dir = save_result(trainer, recipe, out)
    return RunResult(
        output_dir=out,
        model_dir=model_dir,
        merged_dir=merged_dir,
        log_history=trainer.state.log_history,
        rows=len(tokenized),
        truncated=truncated,
        dropped=dropped,
    )
