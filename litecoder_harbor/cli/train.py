"""`litecoder train sft|dmpo|tiny-model`: fine-tune from a recipe in `training/`, and build the
tiny offline model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from litecoder_harbor.cli.output import check_output_folder, console, log, one_line_errors

train_app = typer.Typer(
    help="Fine-tune Qwen-family agents: SFT (TRL + PEFT) and DMPO.", no_args_is_help=True
)

ConfigOption = Annotated[
    Path, typer.Option("--config", help="Recipe YAML, e.g. training/qwen3-4b-sft.yaml.")
]
DatasetOption = Annotated[
    str | None,
    typer.Option(help="Dataset folder or Hub id (overrides the recipe's dataset.path)."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(help="Where checkpoints and the model go (default: outputs/<recipe name>)."),
]
OverridesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Recipe overrides, key=value: training.learning_rate=1e-5, lora.r=8, lora=null."
    ),
]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Continue from the last checkpoint in the output dir.")
]


@train_app.command("sft")
@one_line_errors
def sft(
    config: ConfigOption,
    overrides: OverridesArgument = None,
    dataset: DatasetOption = None,
    output_dir: OutputOption = None,
    resume: ResumeOption = False,
) -> None:
    """Supervised fine-tuning on multi-turn agent conversations (loss on assistant tokens)."""
    _train("sft", config, overrides, dataset, output_dir, resume, metric="loss")


@train_app.command("dmpo")
@one_line_errors
def dmpo(
    config: ConfigOption,
    overrides: OverridesArgument = None,
    dataset: DatasetOption = None,
    output_dir: OutputOption = None,
    resume: ResumeOption = False,
) -> None:
    """Direct Multi-Turn Preference Optimization on preference pairs, from the SFT model."""
    _train("dmpo", config, overrides, dataset, output_dir, resume, metric="rewards/margins")


def _train(
    kind: str,
    config: Path,
    overrides: list[str] | None,
    dataset: str | None,
    output_dir: Path | None,
    resume: bool,
    metric: str,
) -> None:
    from litecoder_harbor.train import load_recipe, train_dmpo, train_sft

    _quiet_libraries()
    recipe = load_recipe(config, kind, overrides or [])
    if output_dir is not None:
        check_output_folder(output_dir, "--output-dir")
    trainer = train_sft if kind == "sft" else train_dmpo
    result = trainer(recipe, config, dataset=dataset, output_dir=output_dir, resume=resume, log=log)
    _show(result, metric)


@train_app.command("tiny-model")
@one_line_errors
def tiny_model(
    out: Annotated[Path, typer.Option(help="Folder to write the model and tokenizer to.")],
    dataset: Annotated[
        str | None,
        typer.Option(help="SFT dataset (folder or Hub id) whose text trains the tokenizer."),
    ] = None,
) -> None:
    """A tiny random Qwen3 with a local BPE tokenizer and Qwen3's chat template (offline runs)."""
    from litecoder_harbor.train import build_tiny_model, load_rows, sft_conversations

    _quiet_libraries()
    check_output_folder(out, "--out")
    texts = None
    if dataset is not None:
        rows = sft_conversations(load_rows(dataset, "train"), dataset)
        texts = [m["content"] for row in rows["messages"] for m in row]
    build_tiny_model(out, texts)
    console.print(f"tiny Qwen3 written to {out}", highlight=False)


def _quiet_libraries() -> None:
    """Deprecation notices from transformers and TRL and a progress bar per dataset pass would
    bury our lines (and a one-line error); the training progress bar stays."""
    import warnings

    import datasets

    warnings.filterwarnings("ignore", category=FutureWarning)
    datasets.disable_progress_bars()


def _show(result, metric: str) -> None:
    values = [entry[metric] for entry in result.log_history if metric in entry]
    if values:
        console.print(f"{metric}: first {values[0]:.4f}, last {values[-1]:.4f}", highlight=False)
    console.print(f"model: {result.model_dir}", highlight=False)
    if result.merged_dir is not None:
        console.print(f"merged model: {result.merged_dir}", highlight=False)
