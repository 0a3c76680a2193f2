"""`litecoder collect` and `litecoder teacher serve`: teacher trajectories, and the scripted
stand-in that lets them run offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from litecoder_harbor.cli.output import (
    EnvOption,
    check_count,
    check_output_folder,
    console,
    log,
    one_line_errors,
)

teacher_app = typer.Typer(help="The scripted teacher (a development tool).", no_args_is_help=True)


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
    check_count(k, "-k")
    check_count(n_concurrent, "--n-concurrent")
    check_output_folder(out, "--out")
    from litecoder_harbor.collect import (
        collect_async,
        default_config_path,
        load_collect_config,
        summary_table,
    )
    from litecoder_harbor.containers.daemon import require_engine
    from litecoder_harbor.jobs import EnvironmentSpec, run_in_loop

    config_path = config or default_config_path()
    loaded = load_collect_config(config_path, mix=mix, seed=seed)
    environment = EnvironmentSpec.parse(env)
    if environment.local_engine:
        require_engine(environment.local_engine)
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
            environment=environment,
            console=console,
            log=log,
        )
    )
    console.print(summary_table(summary))
    console.print(f"summary: {out / 'summary.json'}", highlight=False)


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
    log_requests: Annotated[
        Path | None,
        typer.Option(help="Append every request it receives, with its reply, as JSON lines."),
    ] = None,
) -> None:
    """Serve a scripted teacher on an OpenAI- and Anthropic-compatible endpoint: it replays each
    task's reference solution through the scaffold's protocol. For offline runs and tests only."""
    from litecoder_harbor.collect import open_teacher

    server = open_teacher(
        tasks, behaviour, host=host, port=port, log=log, log_requests=log_requests
    )
    console.print(
        f"scripted teacher for {len(server.index.entries)} task(s) on {server.url} "
        f"(default behaviour: {server.behaviour.value})",
        highlight=False,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
