"""The six stages of a flywheel run, each the stage's own public function writing into
`RUN/<stage>/`, and the ledger that makes the run resumable: a finished stage leaves
`RUN/<stage>/done.json` (its figures and wall time) and is skipped on a rerun; an unfinished one
runs again and resumes with that stage's own resume (identical tasks are left alone, verdicts
come from the verdict cache, Harbor jobs keep their finished trials, training continues from its
last checkpoint)."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write
from litecoder_harbor.flywheel.options import SCRIPTED_TEACHER, TINY, FlywheelOptions
from litecoder_harbor.jobs import run_in_loop

DONE_FILE = "done.json"
EVAL_AGENT = "litecoder-terminus-2"
"""Our Terminus-2 wrapper: tmux is in every task image, so nothing is installed per trial."""


@dataclass
class Run:
    """One run folder and what it was started with."""

    dir: Path
    options: FlywheelOptions
    log: Callable[[str], None] = print
    console: Console | None = None

    def stage(self, name: str) -> Path:
        return self.dir / name

    @property
    def train_tasks(self) -> Path:
        return self.dir / "gen" / "train"

    @property
    def test_tasks(self) -> Path:
        return self.dir / "gen" / "test"


@dataclass
class StageResult:
    name: str
    figures: dict[str, Any]
    seconds: float
    skipped: bool = False
    links: dict[str, str] = field(default_factory=dict)


def task_dirs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "task.toml").is_file())


def read_done(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        done = json.loads(path.read_text())
        figures, seconds = done["figures"], float(done["seconds"])
        if not isinstance(figures, dict):
            raise ValueError("figures is not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LitecoderError(
            f"{path}: unreadable ({exc})", hint="delete it to run that stage again"
        ) from None
    return {"figures": figures, "seconds": seconds}


def run_stage(run: Run, name: str, work: Callable[[Run], dict[str, Any]]) -> StageResult:
    """`work` unless the stage finished before; its figures and wall time go to done.json."""
    done_path = run.stage(name) / DONE_FILE
    done = read_done(done_path)
    if done is not None:
        run.log(f"{name}: done before, skipped ({done_path})")
        return StageResult(name, done["figures"], done["seconds"], skipped=True)
    run.log(f"{name}: running")
    run.stage(name).mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    figures = work(run)
    seconds = round(time.monotonic() - start, 1)
    atomic_write(done_path, json.dumps({"figures": figures, "seconds": seconds}, indent=2) + "\n")
    run.log(f"{name}: done in {seconds:.0f} s")
    return StageResult(name, figures, seconds)


# ---------------------------------------------------------------- gen


def gen(run: Run) -> dict[str, Any]:
    from litecoder_harbor.gen import write_template_tasks

    o = run.options
    holdout = frozenset(o.holdout_families)
    splits = [("train", run.train_tasks, o.n)]
    if o.benchmark is None:
        splits.append(("test", run.test_tasks, o.n_test))
    figures: dict[str, Any] = {}
    for split, out, n in splits:
        drafts, _ = write_template_tasks(
            out, "template", n, o.seed, difficulty=o.difficulty, holdout=holdout, split=split
        )
        families = sorted({d.config.metadata["litecoder"]["family"] for d in drafts})
        domains = sorted({d.config.metadata["category"] for d in drafts})
        figures[f"{split} tasks"] = len(drafts)
        figures[f"{split} families"] = ", ".join(families)
        figures[f"{split} domains"] = len(domains)
    return figures


# ---------------------------------------------------------------- validate


def validate(run: Run) -> dict[str, Any]:
    from litecoder_harbor.gen import set_aside_rejects
    from litecoder_harbor.validate import validate_tasks

    folders = [run.train_tasks, run.test_tasks]
    tasks = [t for folder in folders for t in task_dirs(folder)]
    report = validate_tasks(
        tasks,
        jobs_dir=run.stage("validate") / "jobs",
        n_concurrent=run.options.n_concurrent * 2,
        log=run.log,
    )
    atomic_write(run.stage("validate") / "report.json", report.model_dump_json(indent=2))
    for folder in folders:
        mine = [t for t in report.tasks if t.task_dir.parent == folder]
        set_aside_rejects(report.model_copy(update={"tasks": mine}), folder)
    verdicts = Counter(str(t.verdict or "static errors") for t in report.tasks)
    kept = sum(t.passed for t in report.tasks)
    if not task_dirs(run.train_tasks):
        raise LitecoderError(
            f"{run.stage('validate')}: no train task was judged sound", hint="see report.json"
        )
    return {
        "tasks kept": kept,
        "tasks rejected": len(report.tasks) - kept,
        "verdicts": ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())),
    }


# ---------------------------------------------------------------- collect


CLAUDE_CODE_STEPS = (
    "RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm"
    " && rm -rf /var/lib/apt/lists/*",
)
"""What Claude Code needs besides its own package (scaffolds/README.md: the air-gapped recipe)."""


def claude_code_tasks(run: Run, domain: str) -> Path | None:
    """Copies of the train tasks of `domain` whose image has Claude Code baked in at its pinned
    version (`install: never`), as scaffolds/README.md describes for closed networks: Harbor's
    installer fetches from a host offline machines cannot reach. The image is built once and
    tagged, so later runs and Harbor's clean-up keep it."""
    import io

    from litecoder_harbor.containers.daemon import docker_client
    from litecoder_harbor.scaffolds import ClaudeCode
    from litecoder_harbor.tasks.conventions import Domain, dockerfile_prefix

    prefix = dockerfile_prefix(Domain(domain))
    sources = [
        t
        for t in task_dirs(run.train_tasks)
        if (t / "environment" / "Dockerfile").read_text().startswith(prefix)
    ]
    if not sources:
        return None
    recipe = prefix + "".join(
        f"{s}\n" for s in (*CLAUDE_CODE_STEPS, f"RUN {ClaudeCode.HOW_TO_BAKE_IN}")
    )
    image = f"litecoder-flywheel/claude-code:{domain}"
    run.log(f"collect: baking Claude Code into {image} (once)")
    docker_client().images.build(
        fileobj=io.BytesIO(recipe.encode()), tag=image, pull=False, rm=True
    )
    folder = run.stage("collect") / "claude-code-tasks"
    for source in sources:
        task = folder / source.name
        if not task.exists():
            shutil.copytree(source, task)
            dockerfile = task / "environment" / "Dockerfile"
            rest = dockerfile.read_text()[len(prefix) :]
            dockerfile.write_text(f"FROM {image}\nWORKDIR /app\n{rest}")
    return folder


def collect(run: Run) -> dict[str, Any]:
    from litecoder_harbor.collect import (
        DOCKER_BRIDGE,
        default_config_path,
        load_collect_config,
        open_teacher,
    )

    o = run.options
    out = run.stage("collect")
    runs: list[tuple[str, Path, str, int, str]] = []  # (folder, tasks, model, k, scaffold)
    teacher = None
    if o.scripted_teacher:
        bridge = o.claude_code_domain is not None
        teacher = open_teacher(
            run.train_tasks,
            "solve",
            host=DOCKER_BRIDGE if bridge else "127.0.0.1",
            log_requests=out / "teacher-requests.jsonl",
        ).start()
        api_base = teacher.url
        runs.append(("terminus-2", run.train_tasks, SCRIPTED_TEACHER, o.k, "terminus-2"))
        if bridge:
            tasks = claude_code_tasks(run, o.claude_code_domain)
            if tasks is not None:
                runs.append(("claude-code", tasks, "anthropic/teacher", o.k, "claude-code"))
        # A teacher that answers wrong: the unsolved side of the preference pairs.
        runs.append(
            ("wrong-teacher", run.train_tasks, f"{SCRIPTED_TEACHER}-wrong", 1, "terminus-2")
        )
    else:
        api_base = o.api_base
        runs.append(("terminus-2", run.train_tasks, o.model, o.k, "terminus-2"))
    figures: dict[str, Any] = {}
    try:
        for folder, tasks, model, k, scaffold in runs:
            config = load_collect_config(mix=f"{scaffold}=1")
            if scaffold == "claude-code":
                settings = config.settings(scaffold)
                baked = settings.model_copy(
                    update={"kwargs": {**settings.kwargs, "install": "never"}}
                )
                config = config.model_copy(
                    update={"scaffolds": {**config.scaffolds, scaffold: baked}}
                )
            summary = _collect_once(
                run, tasks, model, config, default_config_path(), k, out / folder, api_base
            )
            for row in summary.scaffolds:
                figures[f"{folder} trials"] = row.trials
                figures[f"{folder} solved"] = row.solved
                figures[f"{folder} errors"] = row.errors
    finally:
        if teacher is not None:
            teacher.stop()
    return figures


def _collect_once(run, tasks, model, config, config_path, k, out, api_base):
    from litecoder_harbor.collect import collect_async

    return run_in_loop(
        collect_async(
            tasks,
            model,
            config=config,
            config_path=config_path,
            k=k,
            out=out,
            api_base=api_base,
            n_concurrent=run.options.n_concurrent,
            console=run.console,
            log=run.log,
        )
    )


def collect_job_folders(run: Run) -> list[Path]:
    return sorted(p for p in run.stage("collect").iterdir() if (p / "summary.json").is_file())


# ---------------------------------------------------------------- curate


DATASETS = ("sft", "preference", "world-model", "rl-envs")


def curate(run: Run) -> dict[str, Any]:
    from litecoder_harbor.curate import (
        CurateOptions,
        curate_preference,
        curate_rl_envs,
        curate_sft,
        curate_world_model,
    )

    jobs = collect_job_folders(run)
    out = run.stage("curate")

    def options(name: str) -> CurateOptions:
        return CurateOptions(out=out / name, cache_dir=out / "cache")

    results = {
        "sft": curate_sft(jobs, options("sft")),
        "preference": curate_preference(jobs, options("preference"), seed=run.options.seed),
        "world-model": curate_world_model(jobs, options("world-model")),
        "rl-envs": curate_rl_envs(
            [*jobs, run.train_tasks],
            options("rl-envs"),
            validation_reports=[run.stage("validate") / "report.json"],
        ),
    }
    for name in ("sft", "preference"):
        if results[name].rows == 0:
            raise LitecoderError(
                f"{out / name}: no rows, so there is nothing to train on",
                hint=f"see {out / name / 'stats.json'} for what the filters dropped",
            )
    return {f"{name} rows": result.rows for name, result in results.items()}


# ---------------------------------------------------------------- train


def _metric(history: list[dict[str, Any]], metric: str) -> tuple[float | None, float | None]:
    values = [entry[metric] for entry in history if metric in entry]
    return (values[0], values[-1]) if values else (None, None)


def base_model(run: Run) -> Path | str:
    """The model SFT starts from: the tiny offline Qwen3 (built here) or --base-model."""
    if run.options.base_model != TINY:
        return run.options.base_model
    return run.stage("train") / "base"


def _has_checkpoint(output_dir: Path) -> bool:
    return any(output_dir.glob("checkpoint-*"))


def train(run: Run) -> dict[str, Any]:
    from litecoder_harbor.train import (
        build_tiny_model,
        load_recipe,
        load_rows,
        sft_conversations,
        train_dmpo,
        train_sft,
    )

    o = run.options
    out = run.stage("train")
    sft_data = str(run.stage("curate") / "sft")
    base = base_model(run)
    if o.base_model == TINY and not (Path(base) / "config.json").is_file():
        rows = sft_conversations(load_rows(sft_data, "train"), sft_data)
        build_tiny_model(Path(base), [m["content"] for row in rows["messages"] for m in row])
    figures: dict[str, Any] = {}
    start_from = str(base)
    for kind, recipe_path, trainer, data, metric in (
        ("sft", o.sft_recipe, train_sft, sft_data, "loss"),
        (
            "dmpo",
            o.dmpo_recipe,
            train_dmpo,
            str(run.stage("curate") / "preference"),
            "rewards/margins",
        ),
    ):
        recipe = load_recipe(
            recipe_path, kind, [*o.train_overrides, f"model.name_or_path={start_from}"]
        )
        output_dir = out / kind
        result = trainer(
            recipe,
            recipe_path,
            dataset=data,
            output_dir=output_dir,
            resume=_has_checkpoint(output_dir),
            log=run.log,
        )
        first, last = _metric(result.log_history, metric)
        label = "loss" if kind == "sft" else "margin"
        figures[f"{kind} rows"] = result.rows
        figures[f"{kind} {label} first"] = first
        figures[f"{kind} {label} last"] = last
        start_from = str(result.merged_dir or result.model_dir)
    figures["trained model"] = start_from
    return figures


# ---------------------------------------------------------------- eval


def evaluate(run: Run) -> dict[str, Any]:
    from litecoder_harbor.eval import (
        DatasetChoice,
        EvalSettings,
        agent_spec,
        build_report,
        check_model,
        evaluate_async,
        served,
        write_report,
    )

    o = run.options
    out = run.stage("eval")
    trained = json.loads((run.stage("train") / DONE_FILE).read_text())["figures"]["trained model"]
    choice = (
        DatasetChoice(path=run.test_tasks)
        if o.benchmark is None
        else DatasetChoice(benchmark=o.benchmark)
    )
    settings = EvalSettings(
        k=o.eval_k, n_concurrent=o.n_concurrent, agent_timeout_sec=o.eval_agent_timeout_sec
    )
    job_dirs = []
    for label, checkpoint in (("base", Path(base_model(run))), ("trained", Path(trained))):
        with served(checkpoint, out / label / "serve", log=run.log) as model:
            check_model(EVAL_AGENT, model.model, model.api_base, run.log)  # a placeholder key
            agent = agent_spec(
                EVAL_AGENT, model.model, model.api_base, {"max_turns": o.eval_max_turns}
            )
            job_dirs.append(
                run_in_loop(
                    evaluate_async(choice, agent, settings, out / label, console=run.console)
                )
            )
    report = write_report(build_report([[j] for j in job_dirs], compare_runs=True), out / "report")
    base_run, trained_run = report.runs
    [comparison] = report.comparisons
    return {
        "tasks": base_run.tasks,
        "trials per model": base_run.trials,
        "base pass@1": base_run.pass_at_1,
        "base pass@1 CI": [base_run.pass_at_1_ci.low, base_run.pass_at_1_ci.high],
        "trained pass@1": trained_run.pass_at_1,
        "trained pass@1 CI": [trained_run.pass_at_1_ci.low, trained_run.pass_at_1_ci.high],
        "difference": comparison.difference,
        "difference CI": [comparison.difference_ci.low, comparison.difference_ci.high],
    }


STAGES: tuple[tuple[str, Callable[[Run], dict[str, Any]]], ...] = (
    ("gen", gen),
    ("validate", validate),
    ("collect", collect),
    ("curate", curate),
    ("train", train),
    ("eval", evaluate),
)
