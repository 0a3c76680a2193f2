"""`litecoder eval run` and `litecoder eval report`: agents and models on benchmarks through
Harbor, and the scores of finished job dirs."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from litecoder_harbor.cli.output import (
    EnvOption,
    check_count,
    check_output_folder,
    console,
    err_console,
    log,
    one_line_errors,
    shown,
)
from litecoder_harbor.errors import LitecoderError

eval_app = typer.Typer(
    help="Evaluate agents and models on Terminal-Bench or held-out tasks; report the scores.",
    no_args_is_help=True,
)


def parse_agent_kwargs(pairs: list[str]) -> dict[str, Any]:
    """`--ak key=value` (repeatable); a value that reads as JSON (2, true, [..]) is taken as
    such, anything else as a string."""
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise LitecoderError(
                f"--ak {pair!r}: expected key=value", hint="e.g. --ak max_turns=50"
            )
        try:
            kwargs[key.strip()] = json.loads(value)
        except ValueError:
            kwargs[key.strip()] = value
    return kwargs


@eval_app.command("run")
@one_line_errors
def run(
    benchmark: Annotated[
        str | None,
        typer.Option(help="A benchmark by name: tb2, tb1, tb-pro, tb2-sample (see the README)."),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option("-d", "--dataset", help="A registry dataset name@version instead."),
    ] = None,
    registry_path: Annotated[
        Path | None, typer.Option(help="A local registry.json that -d is looked up in.")
    ] = None,
    path: Annotated[
        Path | None, typer.Option("-p", "--path", help="A local folder of task dirs instead.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="LiteLLM model name, e.g. openai/gpt-4.1 (key from the environment)."),
    ] = None,
    api_base: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint (vLLM, SGLang, ...).")
    ] = None,
    serve: Annotated[
        Path | None,
        typer.Option(help="Serve this local checkpoint (vLLM, else transformers) while it runs."),
    ] = None,
    agent: Annotated[
        str | None,
        typer.Option(
            help="Harbor agent (default terminus-2), litecoder-<scaffold> for our scaffold "
            "wrappers, or module.path:Class."
        ),
    ] = None,
    agent_kwargs: Annotated[
        list[str] | None, typer.Option("--ak", help="Agent option key=value (repeatable).")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Trials per task (leaderboard: at least 5).")] = 5,
    out: Annotated[Path, typer.Option(help="Jobs folder; the job and its report go here.")] = Path(
        "jobs"
    ),
    n_concurrent: Annotated[int, typer.Option(help="Trials run at once.")] = 4,
    timeout_multiplier: Annotated[
        float, typer.Option(help="Scales every timeout (not leaderboard-valid unless 1.0).")
    ] = 1.0,
    agent_timeout_sec: Annotated[
        float | None,
        typer.Option(help="Overrides the tasks' agent timeout (not leaderboard-valid)."),
    ] = None,
    n_tasks: Annotated[
        int | None, typer.Option(help="Only the first N tasks (not leaderboard-valid).")
    ] = None,
    harness: Annotated[
        str, typer.Option(help="harbor, or tb: Terminal-Bench 1.0's legacy `tb` harness.")
    ] = "harbor",
    env: EnvOption = "docker",
) -> None:
    """Run an agent and model on a benchmark, k trials per task; resumable (rerun the same
    command to continue), then the report."""
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
    from litecoder_harbor.eval import DatasetChoice, check_checkpoint

    check_count(k, "-k")
    check_count(n_concurrent, "--n-concurrent")
    check_count(n_tasks, "--n-tasks")
    if timeout_multiplier <= 0:
        raise LitecoderError(f"--timeout-multiplier {timeout_multiplier:g}: must be above 0")
    if agent_timeout_sec is not None and agent_timeout_sec <= 0:
        raise LitecoderError(f"--agent-timeout-sec {agent_timeout_sec:g}: must be above 0")
    check_output_folder(out, "--out")
    if harness not in ("harbor", "tb"):
        raise LitecoderError(f"--harness {harness!r}: use harbor or tb")
    if serve is not None:
        if model is not None or api_base is not None:
            raise LitecoderError(
                "--serve: serves its own model; drop --model and --api-base",
                hint="or drop --serve to use a model that is already served",
            )
        check_checkpoint(serve)
    elif model is None:
        raise LitecoderError("--model: missing", hint="give a LiteLLM name, or --serve CHECKPOINT")
    kwargs = parse_agent_kwargs(agent_kwargs or [])
    choice = DatasetChoice(
        benchmark=benchmark, dataset=dataset, registry_path=registry_path, path=path
    )
    choice.to_harbor(n_tasks)  # every source mistake now, before a server or container starts

    from litecoder_harbor.eval import DEFAULT_AGENT, EvalSettings, check_api_base

    check_api_base(api_base)
    settings = EvalSettings(
        k=k,
        n_concurrent=n_concurrent,
        timeout_multiplier=timeout_multiplier,
        agent_timeout_sec=agent_timeout_sec,
        n_tasks=n_tasks,
    )
    if harness == "tb":
        return _run_tb(choice, model, agent, api_base, settings, out)
    reasons = settings.not_leaderboard_valid_because()
    if reasons:
        err_console.print(
            f"[yellow]not leaderboard-valid:[/] {shown('; '.join(reasons))}", highlight=False
        )
    _run_harbor(choice, model, api_base, serve, agent or DEFAULT_AGENT, kwargs, settings, out, env)


def _run_harbor(choice, model, api_base, serve, agent, kwargs, settings, out, env) -> None:
    from litecoder_harbor.containers.daemon import require_engine
    from litecoder_harbor.eval import (
        agent_spec,
        build_report,
        check_model,
        evaluate_async,
        served,
        write_report,
    )
    from litecoder_harbor.jobs import EnvironmentSpec, run_in_loop

    agent_spec(agent, model or "openai/served", api_base, kwargs)  # an unknown agent: now
    environment = EnvironmentSpec.parse(env)
    if environment.local_engine:
        require_engine(environment.local_engine)
    server = served(serve, out / "serve", log=log) if serve else contextlib.nullcontext()
    with server as model_server:
        if model_server is not None:
            model, api_base = model_server.model, model_server.api_base
        check_model(agent, model, api_base, log)
        spec = agent_spec(agent, model, api_base, kwargs)
        job_dir = run_in_loop(
            evaluate_async(choice, spec, settings, out, environment=environment, console=console)
        )
    report = write_report(build_report([[job_dir]]), out / f"{job_dir.name}-report")
    _show(report, out / f"{job_dir.name}-report")
    console.print(f"job: {job_dir}", highlight=False)


def _run_tb(choice, model, agent, api_base, settings, out) -> None:
    import subprocess
    import time

    from litecoder_harbor.eval import benchmark as find_benchmark
    from litecoder_harbor.eval import tb_command

    if choice.benchmark is None:
        raise LitecoderError("--harness tb: needs --benchmark tb1", hint="-d and -p are Harbor's")
    command = tb_command(
        find_benchmark(choice.benchmark),
        model=model,
        agent=agent,
        k=settings.k,
        n_concurrent=settings.n_concurrent,
        out=out.resolve(),
        run_id=time.strftime("tb1-%Y-%m-%d__%H-%M-%S"),
        api_base=api_base,
    )
    code = subprocess.call(command)
    if code:
        raise typer.Exit(code)


def _show(report, out: Path) -> None:
    from litecoder_harbor.eval import REPORT_FILE, tables

    for table in tables(report):
        console.print(table)
    plots = ", ".join(str(out / name) for name in report.plots)
    console.print(f"report: {out / REPORT_FILE}; plots: {plots}", highlight=False)


@eval_app.command("report")
@one_line_errors
def report(
    job_dirs: Annotated[list[Path], typer.Argument(help="Harbor job dirs (of any agent).")],
    out: Annotated[Path, typer.Option(help="Folder for report.json and the plots.")] = Path(
        "eval-report"
    ),
    compare: Annotated[
        bool,
        typer.Option(
            help="Each job dir is a run of its own, compared with the first (paired over shared "
            "tasks); without it, the job dirs are pooled into one run."
        ),
    ] = False,
) -> None:
    """Score finished Harbor jobs from each trial's own result: pass@1, pass@k, intervals,
    breakdowns, errors, tokens and cost. Reruns nothing."""
    from litecoder_harbor.eval import build_report, write_report

    check_output_folder(out, "--out")
    if compare and len(job_dirs) < 2:
        raise LitecoderError("--compare: needs at least two job dirs")
    runs = [[job_dir] for job_dir in job_dirs] if compare else [job_dirs]
    result = write_report(build_report(runs, compare_runs=compare), out)
    _show(result, out)
