"""`litecoder flywheel`: every stage in one resumable run, then the summary and the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from litecoder_harbor.cli.output import (
    check_count,
    check_output_folder,
    console,
    log,
    one_line_errors,
    shown,
)
from litecoder_harbor.errors import LitecoderError


@one_line_errors
def flywheel(
    out: Annotated[Path, typer.Option(help="The run folder: one subfolder per stage.")],
    n: Annotated[int, typer.Option("--n", help="Train tasks to generate.")] = 6,
    n_test: Annotated[int, typer.Option(help="Held-out test tasks to generate.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of the task draw and the pairs.")] = 0,
    k: Annotated[int, typer.Option("-k", help="Teacher attempts per task and scaffold.")] = 2,
    difficulty: Annotated[str, typer.Option(help="easy | medium | hard.")] = "easy",
    holdout_families: Annotated[
        str,
        typer.Option(help="Comma-separated families held out of training, evaluated on."),
    ] = "sales-rollup,cmake-repair",
    model: Annotated[
        str | None,
        typer.Option(help="Teacher model, LiteLLM style (default: the scripted teacher)."),
    ] = None,
    api_base: Annotated[
        str | None, typer.Option(help="The teacher's OpenAI-compatible endpoint (vLLM, ...).")
    ] = None,
    claude_code_domain: Annotated[
        str,
        typer.Option(
            help="Scripted teacher: the domain whose tasks also run under Claude Code (baked "
            "into their image); `none` for Terminus-2 only."
        ),
    ] = "data_science",
    base_model: Annotated[
        str,
        typer.Option(help="Model folder SFT starts from; `tiny`: build the tiny offline Qwen3."),
    ] = "tiny",
    sft_recipe: Annotated[Path, typer.Option(help="SFT recipe.")] = Path("training/sft-tiny.yaml"),
    dmpo_recipe: Annotated[Path, typer.Option(help="DMPO recipe.")] = Path(
        "training/dmpo-tiny.yaml"
    ),
    train_override: Annotated[
        list[str] | None,
        typer.Option(help="Recipe override key=value for both recipes (repeatable)."),
    ] = None,
    benchmark: Annotated[
        str | None,
        typer.Option(help="Evaluate on this benchmark (tb2, ...) instead of the held-out split."),
    ] = None,
    eval_k: Annotated[int, typer.Option(help="Evaluation trials per task.")] = 2,
    eval_max_turns: Annotated[int, typer.Option(help="Evaluated agent's turn cap.")] = 2,
    eval_agent_timeout_sec: Annotated[
        float | None,
        typer.Option(help="Evaluated agent's timeout per trial (0: the tasks' own)."),
    ] = 60.0,
    n_concurrent: Annotated[int, typer.Option(help="Trials run at once.")] = 4,
) -> None:
    """Generate, validate, collect, curate, train and evaluate in one run; rerun to resume."""
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
    from litecoder_harbor.flywheel import (
        HTML_FILE,
        SUMMARY_FILE,
        FlywheelOptions,
        run_flywheel,
        summary_table,
    )

    for value, option in ((n, "--n"), (n_test, "--n-test"), (k, "-k"), (eval_k, "--eval-k"),
                          (eval_max_turns, "--eval-max-turns"), (n_concurrent, "--n-concurrent")):  # fmt: skip
        check_count(value, option)
    if seed < 0:
        raise LitecoderError(f"--seed {seed}: must be >= 0")
    if eval_agent_timeout_sec is not None and eval_agent_timeout_sec < 0:
        raise LitecoderError(f"--eval-agent-timeout-sec {eval_agent_timeout_sec:g}: must be >= 0")
    check_output_folder(out, "--out")
    options = FlywheelOptions(
        n=n,
        n_test=n_test,
        seed=seed,
        k=k,
        difficulty=difficulty,
        holdout_families=[f.strip() for f in holdout_families.split(",") if f.strip()],
        model=model,
        api_base=api_base,
        claude_code_domain=None if claude_code_domain == "none" else claude_code_domain,
        base_model=base_model,
        sft_recipe=sft_recipe,
        dmpo_recipe=dmpo_recipe,
        train_overrides=train_override or [],
        benchmark=benchmark,
        eval_k=eval_k,
        eval_max_turns=eval_max_turns,
        eval_agent_timeout_sec=eval_agent_timeout_sec or None,
        n_concurrent=n_concurrent,
    )
    _check_choices(options)
    summary = run_flywheel(out, options, log=log, console=console)
    console.print(summary_table(summary, shown=shown))
    for plot in summary.plots:
        console.print(f"plot: {plot}", highlight=False)
    for command in summary.viewer_commands():
        console.print(f"trajectories: {command}", highlight=False)
    console.print(
        f"summary: {out / SUMMARY_FILE}; report: {out / HTML_FILE} (open it in a browser)",
        highlight=False,
    )


def _check_choices(options) -> None:
    """Names the stages would refuse only after earlier stages ran, refused now."""
    from litecoder_harbor.collect import check_model_access
    from litecoder_harbor.eval import DatasetChoice, check_api_base
    from litecoder_harbor.gen import generate_drafts
    from litecoder_harbor.tasks.conventions import Difficulty, Domain
    from litecoder_harbor.train import load_recipe

    if options.difficulty not in {d.value for d in Difficulty}:
        raise LitecoderError(f"--difficulty {options.difficulty!r}: use easy, medium or hard")
    if options.claude_code_domain is not None and options.claude_code_domain not in {
        d.value for d in Domain
    }:
        raise LitecoderError(
            f"--claude-code-domain {options.claude_code_domain!r}: not a domain",
            hint=f"one of: {', '.join(d.value for d in Domain)}, or none",
        )
    options.check()
    holdout = frozenset(options.holdout_families)
    generate_drafts("template", 1, options.seed, holdout=holdout, split="train")
    if options.benchmark is None:
        generate_drafts("template", 1, options.seed, holdout=holdout, split="test")
    else:
        DatasetChoice(benchmark=options.benchmark).to_harbor()
    load_recipe(options.sft_recipe, "sft", options.train_overrides)
    load_recipe(options.dmpo_recipe, "dmpo", options.train_overrides)
    if options.model is not None:
        check_api_base(options.api_base)
        check_model_access(options.model, options.api_base, ["terminus-2"], log)
