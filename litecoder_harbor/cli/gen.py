"""`litecoder gen`, `litecoder families` and `litecoder spec check`: making tasks."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from litecoder_harbor.cli.output import (
    ConcurrencyOption,
    EnvOption,
    JobsDirOption,
    check_count,
    check_output_folder,
    console,
    err_console,
    log,
    one_line_errors,
    shown,
)
from litecoder_harbor.cli.validate import show_report
from litecoder_harbor.errors import Interrupted, LitecoderError

BACKEND_OPTIONS = {
    "template": (
        "--family",
        "--domain",
        "--difficulty",
        "--overwrite",
        "--validate",
        "--holdout-families",
        "--split",
    ),
    "llm": ("--spec", "--api-base", "--work", "--force-new", "--prepare"),
}
"""The options only one backend reads; the other would silently ignore them."""

spec_app = typer.Typer(help="Domain specifications for the LLM backend.", no_args_is_help=True)


@one_line_errors
def families() -> None:
    """List the template families with their domain and a one-line description."""
    from litecoder_harbor.gen import load_families

    table = Table(title="template families")
    for column in ("family", "domain", "description"):
        table.add_column(column)
    for family in sorted(load_families().values(), key=lambda f: (f.domain, f.name)):
        table.add_row(family.name, family.domain.value, family.description)
    console.print(table)


@spec_app.command("check")
@one_line_errors
def spec_check(
    path: Annotated[Path, typer.Argument(help="The domain spec (YAML).")],
    n: Annotated[
        int | None, typer.Option("--n", help="Plan this many tasks (default: the spec's tasks).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the plan's sub-topic order.")] = 0,
) -> None:
    """Check a domain spec and show how a run of --n tasks would be split."""
    from litecoder_harbor.gen import Stage, load_spec, plan_tasks
    from litecoder_harbor.llm.secrets import without_userinfo
    from litecoder_harbor.tasks.conventions import Difficulty

    check_count(n, "--n")
    spec = load_spec(path)
    slots = plan_tasks(spec, n, seed)
    planned = Counter((s.domain, s.difficulty) for s in slots)
    levels = list(Difficulty)

    table = Table(title=f"{path}: {len(slots)} task(s) planned, seed {seed}")
    for column in ("domain", "share", "sub-topics", "tasks", *levels):
        left = column in ("domain", "share")
        table.add_column(column, justify="left" if left else "right", no_wrap=left)
    for entry in spec.domains:
        share = f"{entry.tasks} of {spec.tasks}" if entry.tasks else f"weight {entry.weight or 1:g}"
        counts = [planned[entry.domain, level] for level in levels]
        table.add_row(
            entry.domain.value,
            share,
            str(len(entry.subtopics)),
            str(sum(counts)),
            *map(str, counts),
        )
    table.add_section()
    totals = [sum(planned[e.domain, level] for e in spec.domains) for level in levels]
    mix = [
        f"{t} ({spec.difficulty.fraction(level):.0%})"
        for t, level in zip(totals, levels, strict=True)
    ]
    table.add_row(
        "total", "", str(sum(len(e.subtopics) for e in spec.domains)), str(len(slots)), *mix
    )
    console.print(table)

    stages: dict = {}  # model -> the stages it serves, in pipeline order
    for stage in Stage:
        stages.setdefault(spec.models.for_stage(stage), []).append(stage.value)
    models = Table(title="stage models")
    for column in ("stages", "provider", "model", "api base", "api key", "USD/Mtok in, out"):
        models.add_column(column, overflow="fold")
    for ref, names in stages.items():
        key = "[green]set[/]" if os.environ.get(ref.key_env) else "[yellow]not set[/]"
        price = ref.price and f"{ref.price.input_usd_per_mtok:g}, {ref.price.output_usd_per_mtok:g}"
        models.add_row(
            ", ".join(names),
            shown(ref.provider),
            shown(ref.model),
            shown(without_userinfo(ref.api_base)) if ref.api_base else "[dim]provider default[/]",
            f"{shown(ref.key_env)} ({key})",
            price or "[dim]none: counts as free[/]",
        )
    console.print(models)
    b = spec.budgets
    console.print(
        f"budgets: {b.max_tokens_per_call} tokens per call, ${b.max_total_cost_usd:g} in total, "
        f"{b.max_repair_rounds} repair round(s) per stage, "
        f"{b.max_sampling_attempts} sampling attempt(s) per slot",
        highlight=False,
    )


@one_line_errors
def gen(
    out: Annotated[Path, typer.Option(help="Folder to write the Harbor task dirs into.")],
    backend: Annotated[
        str, typer.Option(help="Where tasks come from: template, or llm (needs --spec).")
    ] = "template",
    n: Annotated[
        int | None, typer.Option("--n", help="How many tasks (default 10; llm: the spec's).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Task i uses seed + i: same seed, same tasks.")] = 0,
    domain: Annotated[str | None, typer.Option(help="One domain, or all (default).")] = None,
    family: Annotated[str | None, typer.Option(help="One template family.")] = None,
    difficulty: Annotated[
        str | None, typer.Option(help="easy | medium | hard (default: mixed).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace tasks whose content differs.")] = False,
    holdout_families: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated families held out for evaluation: never in the train split, "
            "the only ones in the test split."
        ),
    ] = None,
    split: Annotated[
        str | None, typer.Option(help="train (default) or test, with --holdout-families.")
    ] = None,
    validate: Annotated[
        bool,
        typer.Option(help="Gate on `litecoder validate`: rejected tasks move to <out>-rejects/."),
    ] = False,
    env: EnvOption = "docker",
    jobs_dir: JobsDirOption = Path("jobs"),
    n_concurrent: ConcurrencyOption = 8,
    spec: Annotated[
        Path | None, typer.Option(help="llm: the domain spec (see `litecoder spec check`).")
    ] = None,
    api_base: Annotated[
        str | None, typer.Option(help="llm: endpoint URL for every stage's model (e.g. vLLM).")
    ] = None,
    work: Annotated[
        Path | None, typer.Option(help="llm: the resumable work dir (default <out>-work).")
    ] = None,
    force_new: Annotated[
        bool, typer.Option(help="llm: start over in a work dir made by another run.")
    ] = False,
    prepare: Annotated[
        bool,
        typer.Option(
            help="llm: an agent prepares every task's starting state in a container, which "
            "becomes its environment (default: as the spec's `prepare` says)."
        ),
    ] = False,
) -> None:
    """Generate tasks into --out, optionally proving each one by execution."""
    from litecoder_harbor.gen import BACKENDS, rejects_dir, set_aside_rejects, write_template_tasks
    from litecoder_harbor.jobs import EnvironmentSpec
    from litecoder_harbor.validate import validate_tasks

    given = {
        "--family": family is not None,
        "--domain": domain is not None,
        "--difficulty": difficulty is not None,
        "--overwrite": overwrite,
        "--validate": validate,
        "--holdout-families": holdout_families is not None,
        "--split": split is not None,
        "--spec": spec is not None,
        "--api-base": api_base is not None,
        "--work": work is not None,
        "--force-new": force_new,
        "--prepare": prepare,
    }
    _check_backend_options(backend, (*BACKENDS, "llm"), given)
    check_count(n, "--n")
    check_count(n_concurrent, "--n-concurrent")
    check_output_folder(out, "--out")
    if validate:
        check_output_folder(jobs_dir, "--jobs-dir")
    if backend == "llm":
        work = work or out.parent / f"{out.name}-work"
        check_output_folder(work, "--work")
    environment = EnvironmentSpec.parse(env)
    if backend == "llm":
        return _gen_llm(
            spec,
            out,
            work,
            n,
            seed,
            api_base,
            environment,
            min(n_concurrent, 4),
            force_new,
            prepare,
        )
    drafts, results = write_template_tasks(
        out,
        backend,
        10 if n is None else n,
        seed,
        domain=domain,
        family=family,
        difficulty=difficulty,
        holdout=frozenset(f.strip() for f in (holdout_families or "").split(",") if f.strip()),
        split=split or "train",
        overwrite=overwrite,
        execute_on=environment if validate else None,
        log=log,
    )

    table = Table(title=f"{len(results)} task(s) in {out}")
    for column in ("task", "family", "difficulty", "status"):
        table.add_column(column)
    for draft, result in zip(drafts, results, strict=True):
        meta = draft.config.metadata["litecoder"]
        table.add_row(
            shown(result.name), meta["family"], draft.config.metadata["difficulty"], result.status
        )
    console.print(table)

    if validate:
        report = validate_tasks(
            [r.path for r in results],
            environment=environment,
            jobs_dir=jobs_dir,
            n_concurrent=n_concurrent,
            log=log,
        )
        show_report(report, executed=True)
        rejected = set_aside_rejects(report, out)
        if rejected:
            console.print(f"{len(rejected)} task(s) rejected, moved to {rejects_dir(out)}")
            raise typer.Exit(1)


def _check_backend_options(backend: str, backends: tuple[str, ...], given: dict[str, bool]) -> None:
    """A known backend, and no option given that only the other backend reads."""
    if backend not in backends:
        raise LitecoderError(
            f"--backend: unknown backend {backend!r}", hint=f"use one of: {', '.join(backends)}"
        )
    for owner, options in BACKEND_OPTIONS.items():
        for option in options:
            if owner != backend and given[option]:
                raise LitecoderError(
                    f"{option}: applies to --backend {owner} only, not {backend}",
                    hint=f"drop {option}, or pass --backend {owner}",
                )


def _gen_llm(
    spec, out, work, n, seed, api_base, environment, n_concurrent, force_new, prepare
) -> None:
    """The LLM backend: five stages per task, resumable from the work dir."""
    from litecoder_harbor.gen import load_spec
    from litecoder_harbor.gen.pipeline import SUMMARY_FILE, run_llm_gen
    from litecoder_harbor.jobs import run_in_loop

    if spec is None:
        raise LitecoderError("--backend llm needs --spec FILE", hint="see examples/domains.yaml")
    try:
        result = run_in_loop(
            run_llm_gen(
                load_spec(spec),
                out=out,
                work=work,
                n=n,
                seed=seed,
                api_base=api_base,
                environment=environment,
                n_concurrent=n_concurrent,
                force_new=force_new,
                prepare=prepare,
                console=err_console,
            )
        )
    except Interrupted as stop:  # the loop cancelled the run; every file is whole
        hint = f"{work} keeps what was done; rerun the same command to resume"
        raise Interrupted(stop.signum, hint=hint) from None
    rejections = {shown(reason): count for reason, count in result.summary.rejections.items()}
    console.print(result.summary.model_copy(update={"rejections": rejections}).render())
    sampling = result.sampling_usage.total
    console.print(
        f"sampling and judging: {sampling.calls} call(s), {sampling.input_tokens:,} tokens in, "
        f"{sampling.output_tokens:,} out, USD {sampling.cost_usd:.4f}"
    )
    console.print(f"{len(result.written)} task(s) in {out}; summary in {work / SUMMARY_FILE}")
    if "budget spent" in result.summary.rejections:
        err_console.print(
            "[bold yellow]budget spent:[/] budgets.max_total_cost_usd was reached, so no new "
            "model calls were made; raise it in the spec and rerun with --force-new (replies "
            "already paid for come from the work dir's cache)"
        )
    if not result.written:
        raise typer.Exit(1)
