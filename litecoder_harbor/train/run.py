"""What SFT and DMPO runs share: the output folder and resuming, the precision check, the
config, the tokenizer, the LoRA config and saving the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.train.recipe import LoraSection, ModelSection, Recipe


@dataclass
class RunResult:
    """Where a finished run put its model, and how its training went."""

    output_dir: Path
    model_dir: Path
    """The adapter (LoRA) or the full model, with the tokenizer."""
    merged_dir: Path | None
    """The base model with the adapter merged in (LoRA with `merge: true`)."""
    log_history: list[dict[str, Any]]
    rows: int
    truncated: int
    dropped: int


def output_dir_for(recipe: Recipe, recipe_path: Path, output_dir: Path | None) -> Path:
    """`--output-dir`, else the recipe's `training.output_dir`, else `outputs/<recipe name>`."""
    if output_dir is not None:
        return output_dir
    if recipe.training.get("output_dir"):
        return Path(recipe.training["output_dir"])
    return Path("outputs") / recipe_path.stem


def check_resume(output_dir: Path, resume: bool) -> str | None:
    """The checkpoint to resume from; a run never overwrites another's checkpoints unasked."""
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None
    if resume and last is None:
        raise LitecoderError(
            f"--resume: {output_dir} holds no checkpoint-* folder",
            hint="drop --resume to start a new run",
        )
    if not resume and last is not None:
        raise LitecoderError(
            f"--output-dir {output_dir}: holds checkpoints of an earlier run ({Path(last).name})",
            hint="pass --resume to continue it, or choose another --output-dir",
        )
    return last


def check_precision(training: dict[str, Any], recipe_path: Path) -> None:
    """bf16/fp16 mixed precision the machine cannot do, refused before any weight loads."""
    import torch

    cuda = torch.cuda.is_available()
    on_cpu = training.get("use_cpu") or not cuda
    for key in ("bf16", "bf16_full_eval"):
        if (
            training.get(key)
            and not (cuda and torch.cuda.is_bf16_supported())
            and not (training.get("use_cpu") and torch.backends.cpu.is_bf16_supported())
        ):
            where = "no CUDA GPU" if not cuda else "a GPU without bf16 support"
            raise LitecoderError(
                f"{recipe_path}: training.{key}: this machine has {where}",
                hint=f"set {key}=false (or use_cpu=true to run bf16 on the CPU)",
            )
    for key in ("fp16", "fp16_full_eval"):
        if training.get(key) and on_cpu:
            raise LitecoderError(
                f"{recipe_path}: training.{key}: fp16 mixed precision needs a CUDA GPU",
                hint=f"set {key}=false",
            )


def make_config(objective: str, training: dict[str, Any], output_dir: Path, recipe_path: Path):
    from litecoder_harbor.train.configs import config_class

    check_precision(training, recipe_path)
    kwargs = {**training, "output_dir": str(output_dir)}
    try:
        return config_class(objective)(**kwargs)
    except (ValueError, TypeError) as exc:
        raise LitecoderError(f"{recipe_path}: training: {_one_line(exc)}") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def load_tokenizer(model: ModelSection):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(
            model.name_or_path, revision=model.revision, trust_remote_code=model.trust_remote_code
        )
    except (OSError, ValueError) as exc:
        raise LitecoderError(
            f"model.name_or_path {model.name_or_path}: cannot load its tokenizer ({_one_line(exc)[:200]})"
        ) from None


def model_init_kwargs(model: ModelSection) -> dict[str, Any]:
    """How the trainer loads the weights (`from_pretrained`), so DeepSpeed ZeRO-3 and FSDP see
    the model created under their context; `training.model_init_kwargs` adds to these."""
    kwargs: dict[str, Any] = {"dtype": model.dtype, "trust_remote_code": model.trust_remote_code}
    if model.attn_implementation:
        kwargs["attn_implementation"] = model.attn_implementation
    if model.revision:
        kwargs["revision"] = model.revision
    return kwargs


def lora_config(lora: LoraSection | None):
    if lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        target_parameters=lora.target_parameters or None,
        task_type="CAUSAL_LM",
    )


def save_result(trainer, recipe: Recipe, output_dir: Path) -> tuple[Path, Path | None]:
    """The adapter or full model in `output_dir`; with LoRA and `merge`, the merged model in
    `output_dir/merged`, loadable with `AutoModelForCausalLM.from_pretrained` and servable."""
    trainer.save_model(str(output_dir))
    if recipe.lora is None or not recipe.lora.merge:
        return output_dir, None
    merged_dir = output_dir / "merged"
    if trainer.accelerator.is_main_process:
        model = trainer.accelerator.unwrap_model(trainer.model)
        merged = model.merge_and_unload()
        merged.save_pretrained(str(merged_dir))
        trainer.processing_class.save_pretrained(str(merged_dir))
    trainer.accelerator.wait_for_everyone()
    return output_dir, merged_dir


def length_report(rows: int, truncated: int, dropped: int, max_length: int | None, log) -> None:
    """One line on what `max_length` cut; every row dropped is an error (nothing to learn)."""
    if max_length is None or not (truncated or dropped):
        return
    if dropped == rows:
        raise LitecoderError(
            f"training.max_length {max_length}: every one of the {rows} rows was dropped: its "
            "prompt alone fills max_length, leaving no assistant token",
            hint="raise max_length",
        )
    log(
        f"max_length {max_length}: {truncated} of {rows} rows truncated, {dropped} dropped "
        "(prompt alone fills max_length)"
    )
