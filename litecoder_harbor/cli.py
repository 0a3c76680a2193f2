"""The `litecoder` command line: one typer app, one subcommand per stage of the data flow."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from litecoder_harbor.errors import LitecoderError

app = typer.Typer(
    name="litecoder",
    help="LiteCoder-Terminal on Harbor: synthesize, validate, collect, curate, train, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
images_app = typer.Typer(help="Base images the task templates build on.", no_args_is_help=True)
app.add_typer(images_app, name="images")
spec_app = typer.Typer(help="Domain specifications for the LLM backend.", no_args_is_help=True)
app.add_typer(spec_app, name="spec")

console = Console()
err_console = Console(stderr=True)

STATUS_STYLE = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]"}


def _log(line: str) -> None:
    console.print(f"[dim]{line}[/]", soft_wrap=True, highlight=False)


def one_line_errors(command: Callable) -> Callable:
    """Bad input ends in one line on stderr naming what is wrong and how to fix it, exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LitecoderError as exc:
            err_console.print(
                f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None

    return wrapper


@app.command()
@one_line_errors
def doctor() -> None:
    """Check every prerequisite; exit non-zero when a required one is missing."""
    from litecoder_harbor.doctor import run_checks

    checks = run_checks()
    width = max(len(check.name) for check in checks)
    for check in checks:
        fix = f"  [bold]fix:[/] {check.fix}" if check.fix and check.status != "ok" else ""
        line = f"{STATUS_STYLE[check.status]} {check.name:<{width}}  {check.detail}{fix}"
        console.print(line, soft_wrap=True, highlight=False)
    if any(check.status == "fail" and check.required for check in checks):
        raise typer.Exit(1)


@images_app.command("ensure")
@one_line_errors
def images_ensure(
    quiet: Annotated[bool, typer.Option(help="Print only what changed.")] = False,
) -> None:
    """Make the templates' base images available (present, pulled, or built offline) and
    cache every domain's shared layers."""
    from litecoder_harbor.gen.domains import Domain
    from litecoder_harbor.images import ensure_image, required_base_images, warm_layer_cache

    for tag in required_base_images():
        outcome = ensure_image(tag, log=_log)
        if outcome != "present" or not quiet:
            console.print(f"{tag}: {outcome}")
    built = warm_layer_cache(list(Domain), log=_log)
    if built or not quiet:
        console.print(f"domain layer cache: {len(built)} built, {len(Domain) - len(built)} present")


@app.command()
@one_line_errors
def families() -> None:
    """List the template families with their domain and a one-line description."""
    from litecoder_harbor.gen.templates import load_families

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
    import os
    from collections import Counter

    from litecoder_harbor.gen.domains import Difficulty
    from litecoder_harbor.gen.spec import Stage, load_spec, plan_tasks

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
            ref.provider,
            ref.model,
            ref.api_base or "[dim]provider default[/]",
            f"{ref.key_env} ({key})",
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


EnvOption = Annotated[str, typer.Option("--env", help="Harbor environment type or module:Class.")]
JobsDirOption = Annotated[Path, typer.Option(help="Where Harbor writes validation jobs.")]
ConcurrencyOption = Annotated[int, typer.Option(help="Probe trials run at once.")]


@app.command()
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
) -> None:
    """Generate tasks into --out, optionally proving each one by execution."""
    from litecoder_harbor.gen import generate_drafts
    from litecoder_harbor.tasks.writer import check_task_folder, remove_debris, write_tasks

    if backend == "llm":
        return _gen_llm(spec, out, work, n, seed, api_base, env, min(n_concurrent, 4), force_new)
    check_task_folder(out)
    drafts = generate_drafts(
        backend, 10 if n is None else n, seed, domain=domain, family=family, difficulty=difficulty
    )
    if validate:
        _preflight(env, drafts)
    if out.exists():
        remove_debris(out)
    results = write_tasks(drafts, out, overwrite=overwrite)

    table = Table(title=f"{len(results)} task(s) in {out}")
    for column in ("task", "family", "difficulty", "status"):
        table.add_column(column)
    for draft, result in zip(drafts, results, strict=True):
        meta = draft.config.metadata["litecoder"]
        table.add_row(
            result.name, meta["family"], draft.config.metadata["difficulty"], result.status
        )
    console.print(table)

    if validate:
        report = _run_validation(
            [r.path for r in results], env, jobs_dir, n_concurrent, execute=True
        )
        rejected = _move_rejects(report, out)
        if rejected:
            console.print(
                f"{len(rejected)} task(s) rejected, moved to {out.parent / (out.name + '-rejects')}"
            )
            raise typer.Exit(1)


def _gen_llm(spec, out, work, n, seed, api_base, env, n_concurrent, force_new) -> None:
    """The LLM backend: five stages per task, resumable from the work dir."""
    from litecoder_harbor.gen.pipeline.runner import SUMMARY_FILE, run_llm_gen
    from litecoder_harbor.gen.spec import load_spec
    from litecoder_harbor.jobs.runner import run_in_loop

    if spec is None:
        raise LitecoderError("--backend llm needs --spec FILE", hint="see examples/domains.yaml")
    work = work or out.parent / f"{out.name}-work"
    result = run_in_loop(
        run_llm_gen(
            load_spec(spec),
            out=out,
            work=work,
            n=n,
            seed=seed,
            api_base=api_base,
            environment=env,
            n_concurrent=n_concurrent,
            force_new=force_new,
            console=err_console,
        )
    )
    console.print(result.summary.render())
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


@app.command("validate")
@one_line_errors
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="Task dirs, or folders of task dirs.")],
    env: EnvOption = "docker",
    jobs_dir: JobsDirOption = Path("jobs"),
    n_concurrent: ConcurrencyOption = 8,
    static_only: Annotated[bool, typer.Option(help="Only the static checks; no Docker.")] = False,
    attacks: Annotated[
        str | None, typer.Option(help="Comma-separated attacks to run (default: all).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the JSON report here.")] = None,
    keep_going: Annotated[bool, typer.Option(help="Exit 0 even when tasks fail.")] = False,
) -> None:
    """Prove tasks by execution and attack their verifiers; judge each one."""
    from litecoder_harbor.validate.attacks import ATTACKS

    chosen = None
    if attacks is not None:
        chosen = [a.strip() for a in attacks.split(",") if a.strip()]
        unknown = [a for a in chosen if a not in ATTACKS]
        if unknown:
            raise LitecoderError(
                f"unknown attack {unknown[0]!r}", hint=f"known: {', '.join(ATTACKS)}"
            )
    task_dirs = _task_dirs(paths)
    if not static_only:
        _preflight(env, [])
    result = _run_validation(
        task_dirs, env, jobs_dir, n_concurrent, execute=not static_only, attacks=chosen
    )
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(result.model_dump_json(indent=2))
    if not result.passed and not keep_going:
        raise typer.Exit(1)


def _task_dirs(paths: list[Path]) -> list[Path]:
    """Each path is a task dir or a folder of them; anything else is an error naming it."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise LitecoderError(f"{path} does not exist")
        if (path / "task.toml").exists():
            found.append(path)
            continue
        children = sorted(p.parent for p in path.glob("*/task.toml")) if path.is_dir() else []
        if not children:
            raise LitecoderError(
                f"{path} is neither a task dir (no task.toml) nor a folder of task dirs"
            )
        found += children
    return found


def _preflight(env: str, drafts: list) -> None:
    """Everything execution needs, checked before a single file is written."""
    from litecoder_harbor.gen.domains import Domain
    from litecoder_harbor.jobs.runner import environment_config

    environment_config(env)
    if env == "docker":
        from litecoder_harbor.engine import require_docker
        from litecoder_harbor.images import ensure_image, required_base_images, warm_layer_cache

        require_docker()
        for tag in required_base_images():
            ensure_image(tag, log=_log)
        warm_layer_cache(sorted({Domain(d.config.metadata["category"]) for d in drafts}), log=_log)


VERDICT_STYLE = {"sound": "green", "broken": "red", "unsolvable": "red", "trivial": "red"}


def _run_validation(task_dirs, env, jobs_dir, n_concurrent, execute, attacks=None):
    from litecoder_harbor.validate.engine import validate_tasks

    report = validate_tasks(
        task_dirs,
        environment=env,
        jobs_dir=jobs_dir,
        n_concurrent=n_concurrent,
        execute=execute,
        attacks=attacks,
        log=_log,
    )
    table = Table(
        title=f"validation ({env if execute else 'static only'})"
        + (f" — {report.job_dir}" if report.job_dir else "")
    )
    for column in ("task", "verdict", "oracle", "nop", "attacks won", "static", "reason"):
        table.add_column(column, overflow="fold")
    for task in report.tasks:
        rewards = {p.probe: p.reward for p in task.probes}
        verdict = task.verdict.value if task.verdict else "-"
        static = ", ".join(sorted({f.rule for f in task.static_errors})) or "ok"
        table.add_row(
            task.task,
            f"[{VERDICT_STYLE.get(verdict, 'yellow')}]{verdict}[/]",
            str(rewards.get("oracle", "-")),
            str(rewards.get("nop", "-")),
            ", ".join(task.winning_attacks) or "none",
            static,
            task.reason,
        )
    console.print(table)
    for task in report.tasks:
        for finding in task.static:
            console.print(f"[dim]{task.task}:[/] {finding}", soft_wrap=True, highlight=False)
    console.print(
        f"{sum(t.passed for t in report.tasks)}/{len(report.tasks)} task(s) passed ({report.seconds:.0f} s)"
    )
    return report


def _move_rejects(report, out: Path) -> list[str]:
    """Move every task that failed validation to <out>-rejects/, its report beside it."""
    import shutil

    rejects = out.parent / f"{out.name}-rejects"
    moved = []
    for task in report.tasks:
        if task.passed:
            continue
        rejects.mkdir(exist_ok=True)
        target = rejects / task.task
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(task.task_dir), target)
        (rejects / f"{task.task}.validation.json").write_text(task.model_dump_json(indent=2))
        moved.append(task.task)
    return moved


@app.command()
@one_line_errors
def collect(
    tasks: Annotated[Path, typer.Option(help="Folder of Harbor task dirs to collect on.")],
    model: Annotated[str, typer.Option(help="Teacher model, LiteLLM style, e.g. openai/gpt-4.1.")],
    out: Annotated[Path, typer.Option(help="Jobs folder: one Harbor job dir per scaffold.")] = Path(
        "jobs"
    ),
    k: Annotated[int, typer.Option("-k", help="Attempts per task.")] = 1,
    mix: Annotated[
        str | None,
        typer.Option(
            help="Scaffold shares, e.g. terminus-2=0.866,openhands=0.071,claude-code=0.063."
        ),
    ] = None,
    api_base: Annotated[
        str | None,
        typer.Option(
            help="Model endpoint: OpenAI-compatible for Terminus-2 and OpenHands (vLLM, a local "
            "server, ...), Anthropic's Messages API for Claude Code."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Scaffold config (default: the shipped scaffolds/teacher.yaml)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Overrides the config's assignment seed.")
    ] = None,
    env: EnvOption = "docker",
    n_concurrent: Annotated[int, typer.Option(help="Trials run at once per scaffold.")] = 4,
) -> None:
    """Run teacher agents on tasks under the scaffold mix; resumable (rerun to continue)."""
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
    from litecoder_harbor.collect.plan import default_config_path, load_collect_config, parse_mix
    from litecoder_harbor.collect.run import collect_async, summary_table
    from litecoder_harbor.jobs.runner import environment_config, run_in_loop

    config_path = config or default_config_path()
    loaded = load_collect_config(config_path)
    if mix is not None:
        loaded = loaded.with_mix(parse_mix(mix))
    if seed is not None:
        loaded = loaded.model_copy(update={"seed": seed})
    environment_config(env)
    if env == "docker":
        from litecoder_harbor.engine import require_docker

        require_docker()
    summary = run_in_loop(
        collect_async(
            tasks,
            model,
            config=loaded,
            config_path=config_path,
            k=k,
            out=out,
            api_base=api_base,
            n_concurrent=n_concurrent,
            environment=env,
            console=console,
            log=_log,
        )
    )
    console.print(summary_table(summary))
    console.print(f"summary: {out / 'summary.json'}", highlight=False)


teacher_app = typer.Typer(help="The scripted teacher (a development tool).", no_args_is_help=True)
app.add_typer(teacher_app, name="teacher")


@teacher_app.command("serve")
@one_line_errors
def teacher_serve(
    tasks: Annotated[Path, typer.Option(help="Folder of task dirs whose solutions it replays.")],
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on; `docker-bridge`: the host's address on Docker's bridge, "
            "which scaffolds that call the model from inside the container (OpenHands, Claude "
            "Code) reach."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 8765,
    behaviour: Annotated[
        str, typer.Option(help="solve | loop | give-up | wrong (a model name -<b> overrides).")
    ] = "solve",
) -> None:
    """Serve a scripted teacher on an OpenAI- and Anthropic-compatible endpoint: it replays each
    task's reference solution through the scaffold's protocol. For offline runs and tests only."""
    from litecoder_harbor.collect.teacher import Behaviour, TaskIndex, TeacherServer

    if host == "docker-bridge":
        from litecoder_harbor.engine import bridge_gateway

        host = bridge_gateway()

    try:
        chosen = Behaviour(behaviour)
    except ValueError:
        raise LitecoderError(
            f"--behaviour {behaviour!r} is not one of {', '.join(b.value for b in Behaviour)}"
        ) from None
    index = TaskIndex(tasks)
    try:
        server = TeacherServer(index, chosen, host=host, port=port, log=_log)
    except OSError as exc:
        raise LitecoderError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    console.print(
        f"scripted teacher for {len(index.entries)} task(s) on {server.url} "
        f"(default behaviour: {chosen.value})",
        highlight=False,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
