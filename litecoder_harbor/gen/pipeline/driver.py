"""One LLM synthesis run: plan the slots, sample and judge requests, take every task through the
five stages, write the accepted ones, report.

Everything goes through the work dir (`WorkDir`), so a run killed at any point resumes where it
stopped: a finished stage is never redone, an interrupted one restarts at its unfinished round
(its model calls answered by the response cache in `<work>/cache/`). Rejected tasks stay in the
work dir with their reason; the summary (`<work>/summary.json`) counts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.pipeline.execution import Execution
from litecoder_harbor.gen.pipeline.preparation import (
    check_preparation_endpoint,
    prepare_environment,
)
from litecoder_harbor.gen.pipeline.records import RunInfo, StageStatus
from litecoder_harbor.gen.pipeline.sampling import SampledTask, SamplingConfig, sample_and_judge
from litecoder_harbor.gen.pipeline.stages import (
    Budget,
    BudgetSpent,
    StageContext,
    build_environment,
    configure_resources,
    refine,
    write_solution,
    write_verifier,
)
from litecoder_harbor.gen.pipeline.summary import RunSummary
from litecoder_harbor.gen.pipeline.workdir import TaskHandle, WorkDir
from litecoder_harbor.gen.spec import DomainSpec, ModelRef, Stage, plan_tasks
from litecoder_harbor.jobs import LOCAL_DOCKER, EnvironmentSpec
from litecoder_harbor.llm.client import LLMClient, require_api_key
from litecoder_harbor.llm.config import ModelConfig, check_api_base
from litecoder_harbor.llm.secrets import url_secrets
from litecoder_harbor.llm.usage import Usage, UsageLedger
from litecoder_harbor.tasks.model import TaskDraft
from litecoder_harbor.tasks.writer import check_task_folder, write_task
from litecoder_harbor.validate import Verdict

SAMPLED = "sampled"
"""Per-task record: the accepted (or last rejected) request from the sampling stage."""
SAMPLING_USAGE = "sampling-usage"
"""Run-level record: what sampling and judging cost, summed over runs (they batch all slots)."""
SUMMARY_FILE = "summary.json"

Step = Callable[[StageContext, TaskDraft | None], Awaitable[TaskDraft | None]]
STEPS: dict[Stage, Step] = {
    Stage.REFINEMENT: lambda ctx, _: refine(ctx),
    Stage.ENVIRONMENT: lambda ctx, draft: (
        prepare_environment(ctx, draft) if ctx.prepare else build_environment(ctx, draft)
    ),
    Stage.SOLUTION: write_solution,
    Stage.VERIFIER: write_verifier,
    Stage.RESOURCES: configure_resources,
}


class GenSummary(BaseModel):
    """summary.json: the work dir's run summary, sampling's cost, and where the tasks went."""

    summary: RunSummary
    sampling_usage: UsageLedger
    out: Path
    written: list[str]


def model_config(ref: ModelRef, api_base: str | None, max_tokens: int) -> ModelConfig:
    """A spec's model as a client config; `api_base` (from --api-base) overrides the spec's."""
    price = ref.price
    return ModelConfig(
        provider=ref.provider,
        model=ref.model,
        api_base=api_base or ref.api_base,
        api_key_env=ref.key_env,
        max_tokens=max_tokens,
        input_price_per_mtok=price.input_usd_per_mtok if price else 0.0,
        output_price_per_mtok=price.output_usd_per_mtok if price else 0.0,
        timeout_s=ref.timeout_s,
        max_attempts=ref.max_attempts,
    )


class _Bars:
    """A progress bar per stage: tasks that finished it, or were rejected before reaching it."""

    def __init__(self, console: Console, total: int):
        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.bars = {stage: self.progress.add_task(stage.value, total=total) for stage in Stage}

    def update(self, handles: list[TaskHandle]) -> None:
        for stage, bar in self.bars.items():
            done = sum(
                h.done(stage)
                or (h.concluded and h.state.stages[stage].status is StageStatus.PENDING)
                for h in handles
            )
            self.progress.update(bar, completed=done)


async def run_llm_gen(
    spec: DomainSpec,
    *,
    out: Path,
    work: Path,
    n: int | None = None,
    seed: int = 0,
    api_base: str | None = None,
    environment: EnvironmentSpec = LOCAL_DOCKER,
    n_concurrent: int = 4,
    force_new: bool = False,
    prepare: bool = False,
    sampling: SamplingConfig | None = None,
    console: Console | None = None,
) -> GenSummary:
    """Synthesize `n` tasks (default `spec.tasks`) into `out`, keeping state in `work`.
    `prepare` has an agent prepare every task's environment (otherwise the spec says which).

    Everything a run needs from the user (the endpoint URL, every model's key) is checked before
    the work dir is touched."""
    console = console or Console(stderr=True)
    if api_base is not None:
        try:
            check_api_base(api_base)
        except ValueError as exc:
            raise LitecoderError(f"--api-base: {exc}") from None
    check_task_folder(out)
    slots = plan_tasks(spec, n, seed)
    refs = {stage: spec.models.for_stage(stage) for stage in Stage}
    limit = spec.budgets.max_tokens_per_call
    configs = {stage: model_config(ref, api_base, limit) for stage, ref in refs.items()}
    for config in set(configs.values()):
        require_api_key(config)
    prepared = {s.slot_id for s in slots if prepare or spec.prepares(s)}
    if prepared:
        which = "environment" if spec.models.environment else "default"
        where = "--api-base" if api_base else f"models.{which}.api_base"
        check_preparation_endpoint(configs[Stage.ENVIRONMENT], where)
    workdir = WorkDir.open(
        work,
        RunInfo.for_spec(spec, seed=seed, n=len(slots), prepare=prepare),
        force_new=force_new,
        secret_envs={ref.key_env for ref in refs.values()},
        secrets=[s for config in set(configs.values()) for s in url_secrets(config.api_base)],
    )
    handles = [workdir.task(slot) for slot in slots]
    sampling_usage = workdir.load_record(SAMPLING_USAGE, UsageLedger) or UsageLedger()
    execution = Execution(work / "jobs", environment=environment, n_concurrent=n_concurrent)
    bars = _Bars(console, len(slots))

    async with AsyncExitStack() as stack:
        clients = {
            config: await stack.enter_async_context(LLMClient(config, cache_dir=work / "cache"))
            for config in set(configs.values())
        }

        def client_for(stage: Stage) -> LLMClient:
            return clients[configs[stage]]

        spent_before = sampling_usage.total.cost_usd + sum(
            h.state.stages[s].usage.cost_usd for h in handles for s in Stage
        )
        budget = Budget(spec.budgets.max_total_cost_usd, spent_before, list(clients.values()))
        with bars.progress:
            bars.update(handles)
            sampled = await _sample(spec, handles, client_for, budget, seed, sampling)
            run_usage = UsageLedger()
            for client in clients.values():
                for stage in (Stage.SAMPLING, Stage.JUDGE):
                    run_usage.record(stage.value, client.usage.stages.get(stage, Usage()))
            for stage, usage in run_usage.stages.items():
                sampling_usage.record(stage, usage)
            workdir.save_record(SAMPLING_USAGE, sampling_usage)
            bars.update(handles)

            async def one(handle: TaskHandle) -> None:
                ctx = StageContext(
                    spec=spec,
                    handle=handle,
                    sampled=sampled[handle.slot.slot_id],
                    client_for=client_for,
                    budget=budget,
                    execution=execution,
                    seed=seed,
                    prepare=handle.slot.slot_id in prepared,
                )
                await _synthesize(ctx, out, lambda: bars.update(handles))
                bars.update(handles)

            open_tasks = [h for h in handles if not h.concluded]
            try:
                async with asyncio.TaskGroup() as group:
                    for handle in open_tasks:
                        group.create_task(one(handle))
            except* LitecoderError as failures:  # e.g. an endpoint gone: one line, not a group
                first: BaseException = failures
                while isinstance(first, BaseExceptionGroup):
                    first = first.exceptions[0]
                raise first from None
        execution.remove_images()

    states = workdir.states()
    result = GenSummary(
        summary=workdir.summary(),
        sampling_usage=sampling_usage,
        out=out,
        written=[s.slot.slot_id.lower() for s in states if s.outcome == "accepted"],
    )
    (work / SUMMARY_FILE).write_text(result.model_dump_json(indent=2) + "\n")
    return result


async def _sample(
    spec: DomainSpec,
    handles: list[TaskHandle],
    client_for: Callable[[Stage], LLMClient],
    budget: Budget,
    seed: int,
    config: SamplingConfig | None,
) -> dict[str, SampledTask]:
    """Stage 0 for the slots that have no request yet; every slot's request by slot id."""
    stored = {h.slot.slot_id: h.load_record(SAMPLED, SampledTask) for h in handles}
    todo = [h for h in handles if stored[h.slot.slot_id] is None and not h.concluded]
    if todo:
        budget.check()
        for handle in todo:
            if not handle.done(Stage.SAMPLING):
                handle.begin_stage(Stage.SAMPLING)
        drawn = await sample_and_judge(
            client_for,
            spec,
            [h.slot for h in todo],
            seed=seed,
            config=config,
            previous=[s for s in stored.values() if s is not None],
        )
        for handle, task in zip(todo, drawn, strict=True):
            _record_sampling(handle, task)
            stored[handle.slot.slot_id] = task
    return {key: value for key, value in stored.items() if value is not None}


def _record_sampling(handle: TaskHandle, task: SampledTask) -> None:
    handle.save_record(SAMPLED, task)
    if task.judge is None and not task.accepted:
        handle.finish_stage(
            False, errors=[task.rejected_reason or ""], reason="sampling: no usable request"
        )
        return
    handle.finish_stage(True)
    handle.begin_stage(Stage.JUDGE)
    if task.accepted:
        handle.finish_stage(True)
    else:
        handle.finish_stage(
            False, errors=[task.rejected_reason or ""], reason="judge: not feasible"
        )


async def _synthesize(ctx: StageContext, out: Path, changed: Callable[[], None]) -> None:
    """The stages a task has not finished, then its write into `out` and its verdict."""
    handle = ctx.handle
    draft = handle.load_draft()
    try:
        for stage, step in STEPS.items():
            if handle.done(stage):
                continue
            draft = await step(ctx, draft)
            changed()
            if draft is None:
                return
    except BudgetSpent as exc:
        handle.reject("budget spent", str(exc))
        return
    write_task(draft, out)
    reason = draft.config.metadata["litecoder"].get("validation", "")
    handle.record_verdict(Verdict.SOUND, reason)
