"""`litecoder curate {sft,preference,rl-envs,world-model}`: Harbor job dirs → datasets."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from litecoder_harbor.cli.output import check_output_folder, console, one_line_errors

curate_app = typer.Typer(
    help="Turn Harbor job dirs into SFT, preference, RL-environment and world-model datasets.",
    no_args_is_help=True,
)


class SecretsPolicy(StrEnum):
    scrub = "scrub"
    drop = "drop"


JobDirs = Annotated[
    list[Path],
    typer.Argument(
        help="Harbor job dirs (or folders of them, as `litecoder collect --out`).",
        show_default=False,
    ),
]
Out = Annotated[Path, typer.Option(help="Dataset folder to write (replaced whole when done).")]
MinReward = Annotated[float, typer.Option(help="A trial is solved at this reward or more.")]
MaxTokens = Annotated[
    int | None, typer.Option(help="Drop trajectories longer than this many tokens.")
]
Tokenizer = Annotated[
    str,
    typer.Option(
        help="Token counter: `approx` (UTF-8 bytes / 4, no download) or a tokenizer folder / Hub id."
    ),
]
Secrets = Annotated[
    SecretsPolicy, typer.Option(help="Key-shaped text: scrub it (redacted) or drop the row.")
]
LoopWindow = Annotated[
    int, typer.Option(help="The same command or screen this many turns in a row is a loop.")
]
KeepDuplicates = Annotated[bool, typer.Option(help="Keep identical conversations.")]
Decontaminate = Annotated[
    list[Path] | None,
    typer.Option(
        "--decontaminate-against",
        help="Benchmark task dirs or a Harbor dataset on disk: drop tasks sharing a 13-gram of instruction.",
    ),
]
Cache = Annotated[
    Path | None, typer.Option(help="Record cache (default: ~/.cache/litecoder/curate).")
]
License = Annotated[str, typer.Option(help="License in the dataset card.")]
Push = Annotated[
    str | None, typer.Option(help="Also push the folder to this Hub dataset repo (org/name).")
]


def _options(out, min_reward, max_tokens, tokenizer, secrets, loop_window, keep_duplicates,
             decontaminate_against, cache, license, push_to_hub):  # fmt: skip
    from litecoder_harbor.curate import CurateOptions, default_cache_dir
    from litecoder_harbor.hub import check_repo_id

    check_output_folder(out, "--out")
    if cache is not None:
        check_output_folder(cache, "--cache")
    if push_to_hub:
        check_repo_id(push_to_hub)
    return CurateOptions(
        out=out,
        min_reward=min_reward,
        max_tokens=max_tokens,
        tokenizer=tokenizer,
        secrets=secrets.value,
        loop_window=loop_window,
        keep_duplicates=keep_duplicates,
        decontaminate_against=decontaminate_against or [],
        cache_dir=cache or default_cache_dir(),
        license=license,
        push_to_hub=push_to_hub,
        progress=_progress,
    )


def _progress(total: int):
    """A progress bar over the trials read; returns the callback that advances it."""
    from rich.progress import Progress

    bar = Progress(console=console, transient=True)
    task = bar.add_task("reading trials", total=total)
    bar.start()

    def advance(n: int) -> None:
        bar.advance(task, n)
        if bar.tasks[0].finished:
            bar.stop()

    if total == 0:
        bar.stop()
    return advance


def _show(result) -> None:
    from litecoder_harbor.curate import stats_table

    console.print(stats_table(result.summary))
    console.print(f"{result.rows} rows in {result.out}", highlight=False)
    if result.pushed:
        console.print(f"pushed: {result.pushed}", highlight=False)


@curate_app.command("sft")
@one_line_errors
def sft(
    job_dirs: JobDirs,
    out: Out,
    min_reward: MinReward = 1.0,
    max_tokens: MaxTokens = None,
    tokenizer: Tokenizer = "approx",
    secrets: Secrets = SecretsPolicy.scrub,
    loop_window: LoopWindow = 5,
    keep_duplicates: KeepDuplicates = False,
    decontaminate_against: Decontaminate = None,
    cache: Cache = None,
    license: License = "other",
    push_to_hub: Push = None,
    mix: Annotated[
        str | None,
        typer.Option(
            help="Resample the kept rows to these scaffold shares, e.g. "
            "terminus-2=0.866,openhands=0.071,claude-code=0.063 (the paper's)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the draw when resampling to --mix.")] = 0,
) -> None:
    """One row per solved, clean trial: the conversation as its model saw it."""
    from litecoder_harbor.collect import parse_mix
    from litecoder_harbor.curate import curate_sft

    options = _options(out, min_reward, max_tokens, tokenizer, secrets, loop_window,
                       keep_duplicates, decontaminate_against, cache, license, push_to_hub)  # fmt: skip
    target = parse_mix(mix) if mix is not None else None
    _show(curate_sft(job_dirs, options, mix=target, seed=seed))


@curate_app.command("preference")
@one_line_errors
def preference(
    job_dirs: JobDirs,
    out: Out,
    max_pairs_per_task: Annotated[int, typer.Option(help="Pairs kept per task at most.")] = 4,
    seed: Annotated[int, typer.Option(help="Seed of the draw of pairs.")] = 0,
    min_reward: MinReward = 1.0,
    max_tokens: MaxTokens = None,
    tokenizer: Tokenizer = "approx",
    secrets: Secrets = SecretsPolicy.scrub,
    loop_window: LoopWindow = 5,
    keep_duplicates: KeepDuplicates = False,
    decontaminate_against: Decontaminate = None,
    cache: Cache = None,
    license: License = "other",
    push_to_hub: Push = None,
) -> None:
    """Solved vs unsolved trajectories of the same task and scaffold, as DPO pairs."""
    from litecoder_harbor.curate import curate_preference

    options = _options(out, min_reward, max_tokens, tokenizer, secrets, loop_window,
                       keep_duplicates, decontaminate_against, cache, license, push_to_hub)  # fmt: skip
    _show(curate_preference(job_dirs, options, max_pairs_per_task=max_pairs_per_task, seed=seed))


@curate_app.command("world-model")
@one_line_errors
def world_model(
    job_dirs: JobDirs,
    out: Out,
    context_turns: Annotated[
        int, typer.Option(help="Turns of context kept before each action (0: none).")
    ] = 8,
    min_reward: MinReward = 1.0,
    max_tokens: MaxTokens = None,
    tokenizer: Tokenizer = "approx",
    secrets: Secrets = SecretsPolicy.scrub,
    loop_window: LoopWindow = 5,
    keep_duplicates: KeepDuplicates = False,
    decontaminate_against: Decontaminate = None,
    cache: Cache = None,
    license: License = "other",
    push_to_hub: Push = None,
) -> None:
    """(context, action) → the observation that followed, one row per answered model turn."""
    from litecoder_harbor.curate import curate_world_model

    options = _options(out, min_reward, max_tokens, tokenizer, secrets, loop_window,
                       keep_duplicates, decontaminate_against, cache, license, push_to_hub)  # fmt: skip
    _show(curate_world_model(job_dirs, options, context_turns=context_turns))


@curate_app.command("rl-envs")
@one_line_errors
def rl_envs(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Job dirs and task folders, in any mix.", show_default=False),
    ],
    out: Out,
    validation: Annotated[
        list[Path] | None,
        typer.Option(
            help="Validation reports (`litecoder validate --report`) holding the verdicts."
        ),
    ] = None,
    include_unvalidated: Annotated[bool, typer.Option(help="Also tasks no report judged.")] = False,
    min_reward: MinReward = 1.0,
    cache: Cache = None,
    license: License = "other",
    push_to_hub: Push = None,
) -> None:
    """The tasks as RL environments: a `tasks/` tree HarborSpec loads, plus an index."""
    from litecoder_harbor.curate import curate_rl_envs

    options = _options(out, min_reward, None, "approx", SecretsPolicy.scrub, 5, False, None,
                       cache, license, push_to_hub)  # fmt: skip
    _show(curate_rl_envs(paths, options, validation_reports=validation,
                         include_unvalidated=include_unvalidated))  # fmt: skip
