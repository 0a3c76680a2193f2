"""A DMPO run from a recipe: preference pairs, the SFT model as policy and reference, LoRA or
full fine-tuning, and the saved result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.train.data import load_rows, preference_pairs
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


def train_dmpo(
    recipe: Recipe,
    recipe_path: Path,
    *,
    dataset: str | None = None,
    output_dir: Path | None = None,
    resume: bool = False,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Run the recipe's DMPO on preference pairs; `model.name_or_path` is the SFT model (a
    merged SFT output folder or a Hub id), which is also the reference πref."""
    from litecoder_harbor.train.dmpo import DMPOTrainer

    source = dataset or recipe.dataset.path
    if source is None:
        raise LitecoderError(
            f"{recipe_path}: dataset.path: not set", hint="give --dataset DIR or a Hub id"
        )
    if recipe.dataset.scaffold_weights:
        raise LitecoderError(f"{recipe_path}: dataset.scaffold_weights: applies to SFT only")
    out = output_dir_for(recipe, recipe_path, output_dir)
    checkpoint = check_resume(out, resume)
    config = make_config("dmpo", recipe.training, out, recipe_path)
    tokenizer = load_tokenizer(recipe.model)
    pairs = preference_pairs(load_rows(source, recipe.dataset.split), source)

    config.model_init_kwargs = model_init_kwargs(recipe.model) | (config.model_init_kwargs or {})
    trainer = DMPOTrainer(
        model=recipe.model.name_or_path,
        args=config,
        train_dataset=pairs,
        processing_class=tokenizer,
        peft_config=lora_config(recipe.lora),
    )
    rows, truncated, dropped = trainer.dataset_report["train"]
    length_report(rows, truncated, dropped, config.max_length, log)
    trainer.train(resume_from_checkpoint=checkpoint)
    model_dir, merged_dir = save_result(trainer, recipe, out)
    return RunResult(
        output_dir=out,
        model_dir=model_dir,
        merged_dir=merged_dir,
        log_history=trainer.state.log_history,
        rows=rows,
        truncated=truncated,
        dropped=dropped,
    )
