"""The LLM synthesis stages after sampling, one function each, in pipeline order:
refinement -> environment -> solution -> verifier -> resources.

Each stage sees what the stages before it made (the draft they saved in the work dir) and runs
as rounds through the task's `TaskHandle`: ask the model, check the reply (parsing, then by
execution), and on a failed check feed the error back as the next round's prompt, up to
`budgets.max_repair_rounds` repairs. A round's request is the stage's prompt plus, in a repair,
the previous round's reply and what was wrong with it; with the response cache a resumed round
asks again for free.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from harbor.models.task.config import PackageInfo
from pydantic import BaseModel

from litecoder_harbor import __version__
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.pipeline.execution import Execution, ProbeScript, failed_checks
from litecoder_harbor.gen.pipeline.extraction import PREPARED_DIR, describe
from litecoder_harbor.gen.pipeline.replies import (
    ReplyError,
    TaskResources,
    parse_files,
    parse_probe_scripts,
    parse_resources,
    resources_from_measurements,
)
from litecoder_harbor.gen.pipeline.sampling import SampledTask
from litecoder_harbor.gen.pipeline.workdir import TaskHandle
from litecoder_harbor.gen.spec import DomainSpec, Stage
from litecoder_harbor.llm.client import LLMClient, LLMReplyError, Reply
from litecoder_harbor.tasks.conventions import dockerfile_prefix, grade_separately, result_folders
from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.validate import ATTACKS, Verdict, read_instruction

PREPARED = PREPARED_DIR + "/"
MAX_PROBES = 2
"""Lazy and alternative valid solutions asked for per verifier round, of each kind."""
SOLUTION_TIMEOUT = 600
PLACEHOLDER_SOLUTION = "echo 'no reference solution yet' >&2\nexit 1\n"
PLACEHOLDER_TEST = "exit 1"

SYSTEM = """\
You build tasks for training terminal agents, in Harbor's task format: instruction.md (all the \
agent is told), environment/ (the Docker build context: Dockerfile and input files), \
solution/solve.sh (the reference solution, run as root inside the built container) and \
tests/check.py (the verifier, run after the agent finished). Tasks run offline: no network \
while the agent works or while grading, no GPU, no outside services.
Answer with each file as a fenced code block labelled with its path inside the task, e.g.
```bash path=solution/solve.sh
...
```
Send complete files, never diffs or placeholders."""

REFINEMENT_ASK = """\
Turn this task request into instruction.md for the agent.
- Name every output the agent must produce by its absolute path (e.g. /app/report.json) and \
give its exact format (JSON keys and types, CSV header, line format).
- Name every input by its absolute path (inputs live under /app).
- State testable constraints: exact values, orderings, rounding, edge cases to handle.
- Do not say how the result will be checked, and do not give the solution away."""

ENVIRONMENT_ASK = """\
Write environment/Dockerfile and the input files the instruction names (as files under \
environment/, copied into the image with COPY). The Dockerfile must begin with exactly these \
lines, shared by every task of the domain, and add what this task needs after them:
```dockerfile
{prefix}```
Pin every pip package version. Never copy solutions or tests into the image; the outputs must \
not exist yet."""

SOLUTION_ASK = """\
Write solution/solve.sh: a bash script that performs the task completely, as a careful expert \
would, run as root in the built container (working directory /app). It must exit 0, and use \
only what the image has (no network)."""

VERIFIER_ASK = """\
Write tests/check.py, the verifier: Python 3 (standard library only) run as \
`python3 -I -S /tests/check.py` after the agent finished; reward 1 exactly when it exits 0. \
Start it with
```python
import sys
sys.path.append("/tests")
from verifier_kit import Checks, close, read_json, read_text
checks = Checks()
```
then record each assertion with `checks.run("name", fn)` (fn returns a bool or (bool, detail)) \
and end with `checks.finish()`. Compute the expected results from the inputs (or ship them in \
tests/expected.json): checking that an output exists is not enough. The verifier must fail \
when nothing was done, when outputs are empty, junk, copies of the inputs, or only partly \
right, and when reward files were forged; it must pass the reference solution and any other \
correct solution."""

PROBES_ASK = """\
Now try to fool this verifier. Write up to {limit} lazy or subtly incorrect solutions that a \
sound verifier must fail (labelled lazy/<name>.sh) and up to {limit} alternative correct \
solutions, different from the reference, that it must pass (labelled valid/<name>.sh). Each is \
a bash script run as root in the task container."""

RESOURCES_ASK = """\
The reference solution ran in {oracle:.1f}s and the image built in {build:.1f}s. Propose the \
task's resources as one ```json block with cpus, memory_mb, storage_mb, agent_timeout_sec, \
verifier_timeout_sec, build_timeout_sec, difficulty (easy|medium|hard) and tags (a few \
lowercase keywords)."""

VERDICT_ADVICE = {
    Verdict.UNSOLVABLE: "the reference solution must score 1: fix what the checker expects",
    Verdict.TRIVIAL: "doing nothing must score 0: check the outputs' content, not that the "
    "inputs are intact",
    Verdict.GAMEABLE: "check the actual values the task asks for",
    Verdict.TAMPERABLE: "the checker must not trust files the agent could have written besides "
    "the outputs it checks",
    Verdict.BROKEN: "the image no longer builds",
}


class CheckFailed(ReplyError):
    """A reply that parsed but failed its stage's check; `kind` is the stable rejection reason."""

    def __init__(self, kind: str, *reasons: str):
        super().__init__(*reasons)
        self.kind = kind


class BudgetSpent(LitecoderError):
    """`budgets.max_total_cost_usd` is reached: no new model calls."""


class Budget:
    """What the run may still spend: what earlier runs spent plus this process's clients."""

    def __init__(self, limit_usd: float, spent_before: float, clients: list[LLMClient]):
        self.limit_usd = limit_usd
        self.spent_before = spent_before
        self.clients = clients
        self.elsewhere = 0.0  # calls this run made without our clients (the preparing agent)

    @property
    def spent(self) -> float:
        return (
            self.spent_before + self.elsewhere + sum(c.usage.total.cost_usd for c in self.clients)
        )

    def check(self) -> None:
        if self.spent >= self.limit_usd:
            raise BudgetSpent(
                f"budget spent: USD {self.spent:.4f} of max_total_cost_usd "
                f"{self.limit_usd:g}; no new model calls",
                hint="raise budgets.max_total_cost_usd in the spec to go on (a new run)",
            )


@dataclass
class StageContext:
    """What every stage of one task works with."""

    spec: DomainSpec
    handle: TaskHandle
    sampled: SampledTask
    client_for: Callable[[Stage], LLMClient]
    budget: Budget
    execution: Execution
    seed: int
    prepare: bool = False
    """The environment is prepared by an agent in a container (`preparation`), not written."""


# --- the round loop ---------------------------------------------------------------------------


async def ask(
    ctx: StageContext, stage: Stage, messages: list[dict[str, str]], round_: int
) -> Reply:
    """One model call, within budget, kept in the work dir. Each round is its own draw, so a
    repair that repeats a request is not answered from the cache with the same failure. An
    answer that is no reply at all (not JSON, no content) fails the round like a bad reply."""
    ctx.budget.check()
    client = ctx.client_for(stage)
    try:
        reply = await client.chat(messages, stage=stage.value, sample=round_)
    except LLMReplyError as exc:
        raise CheckFailed("unusable answer from the endpoint", exc.message) from None
    ctx.handle.record_exchange(messages, reply, model=client.config)
    return reply


def _previous_reply(handle: TaskHandle, stage: Stage, round_: int) -> str | None:
    """The main reply (the round's first exchange) of the round before `round_`."""
    for exchange in handle.exchanges(stage):
        if exchange.round == round_ - 1 and exchange.n == 0:
            return exchange.reply
    return None


async def run_rounds[T](
    ctx: StageContext,
    stage: Stage,
    prompt: str,
    check: Callable[[Reply], Awaitable[T]],
    *,
    fallback: Callable[[list[str]], T] | None = None,
) -> T | None:
    """Ask, check, feed back, up to the repair budget. `check` raises `ReplyError` (its message
    goes to the model). Passed: the stage is finished and the result returned. Out of rounds:
    `fallback(errors)` if given, else the task is rejected and None returned."""
    handle = ctx.handle
    start = handle.begin_stage(stage)
    while True:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
        previous = _previous_reply(handle, stage, start.round) if start.feedback else None
        if previous is not None:
            feedback = "\n".join(start.feedback)
            messages += [
                {"role": "assistant", "content": previous},
                {
                    "role": "user",
                    "content": f"That did not work:\n{feedback}\n\nSend the corrected files, "
                    "complete.",
                },
            ]
        try:
            reply = await ask(ctx, stage, messages, start.round)
            result = await check(reply)
        except ReplyError as exc:
            errors, kind = exc.reasons, getattr(exc, "kind", "unusable reply")
            if start.round < ctx.spec.budgets.max_repair_rounds:
                start = handle.fail_round(errors)
                continue
            if fallback is None:
                rounds = start.round + 1
                handle.finish_stage(
                    False, errors=errors, reason=f"{stage}: {kind} ({rounds} round(s))"
                )
                return None
            handle.fail_round(errors)
            result = fallback(errors)
        handle.finish_stage(True)
        return result


# --- rendering what earlier stages made -------------------------------------------------------


def _files_block(files: Mapping[str, TaskFile], folder: str) -> str:
    parts = []
    for name, file in sorted(files.items()):
        text = file.content if isinstance(file.content, str) else "(binary file)"
        parts.append(f"```text path={folder}/{name}\n{text.rstrip()}\n```")
    return "\n".join(parts)


def _context(draft: TaskDraft, *stages: Stage) -> str:
    sections = [
        f"instruction.md:\n```markdown path=instruction.md\n{draft.instruction.rstrip()}\n```"
    ]
    if Stage.ENVIRONMENT in stages:
        prepared = {k: v for k, v in draft.environment.items() if k.startswith(PREPARED)}
        written = {k: v for k, v in draft.environment.items() if k not in prepared}
        sections.append("The environment:\n" + _files_block(written, "environment"))
        if prepared:
            sections.append("The prepared starting state it copies in:\n" + describe(prepared))
    if Stage.SOLUTION in stages:
        solution = {"solve.sh": TaskFile(content=draft.solution), **draft.solution_files}
        sections.append("The reference solution:\n" + _files_block(solution, "solution"))
    if Stage.VERIFIER in stages:
        tests = {k: v for k, v in draft.tests.items() if k != "verifier_kit.py"}
        sections.append("The verifier:\n" + _files_block(tests, "tests"))
    return "\n\n".join(sections)


def _litecoder(draft: TaskDraft, **values) -> TaskDraft:
    """`draft` with `values` merged into task.toml's [metadata.litecoder]."""
    config = draft.config.model_copy(deep=True)
    config.metadata = {
        **config.metadata,
        "litecoder": {**config.metadata.get("litecoder", {}), **values},
    }
    return draft.model_copy(update={"config": config})


def _measured(draft: TaskDraft) -> dict:
    return draft.config.metadata.get("litecoder", {}).get("measured", {})


# --- 1. refinement ----------------------------------------------------------------------------


def skeleton(ctx: StageContext, instruction: str) -> TaskDraft:
    """The first draft: the instruction, the domain's Dockerfile prefix and placeholders that
    fail, which the later stages replace."""
    slot = ctx.handle.slot
    draft = TaskDraft(
        name=slot.slot_id.lower(),
        instruction=instruction,
        environment={"Dockerfile": TaskFile(content=dockerfile_prefix(slot.domain))},
        solution=PLACEHOLDER_SOLUTION,
        test_command=PLACEHOLDER_TEST,
    )
    draft.config.task = PackageInfo(name=f"litecoder/{draft.name}")
    draft.config.metadata["tags"] = [slot.domain.value, slot.subtopic]  # the model's join them
    # graded apart from the agent's binaries, on the work dir (inputs live under /app) and the
    # folders of the paths the instruction names: the outputs are among them
    grade_separately(draft.config, ["/app", *result_folders(read_instruction(instruction).paths)])
    return _litecoder(
        draft,
        backend="llm",
        domain=slot.domain.value,
        subtopic=slot.subtopic,
        slot=slot.slot_id,
        seed=ctx.seed,
        request=ctx.sampled.text,
        generator_version=__version__,
    )


async def refine(ctx: StageContext) -> TaskDraft | None:
    """The sampled request -> an instruction with testable constraints and named outputs."""
    slot = ctx.handle.slot
    prompt = (
        f"Domain {slot.domain}, sub-topic {slot.subtopic}, difficulty {slot.difficulty}.\n"
        f"The task request:\n\n{ctx.sampled.text}\n\n{REFINEMENT_ASK}"
    )

    async def check(reply: Reply) -> TaskDraft:
        parsed = parse_files(reply, Stage.REFINEMENT)
        instruction = str(parsed.files["instruction.md"].content)
        if not read_instruction(instruction).paths:
            raise CheckFailed(
                "no output path",
                "instruction.md names no absolute path: name each output (and input) by its "
                "absolute path, e.g. /app/result.json, with its exact format",
            )
        draft = skeleton(ctx, instruction)
        ctx.handle.save_draft(draft)
        return draft

    return await run_rounds(ctx, Stage.REFINEMENT, prompt, check)


# --- 2. environment ---------------------------------------------------------------------------


def with_prefix(dockerfile: str, prefix: str) -> str:
    """The Dockerfile starting with the domain's prefix: prepended to one that has no FROM of its
    own, else refused with the lines it must start with."""
    if dockerfile.startswith(prefix):
        return dockerfile
    instructions = [
        line.split()[0].upper()
        for line in dockerfile.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if "FROM" not in instructions:
        return prefix + dockerfile
    raise CheckFailed(
        "dockerfile prefix",
        "environment/Dockerfile must begin with exactly these lines (the domain's shared "
        f"layers), then add this task's own steps:\n{prefix}",
    )


async def build_environment(ctx: StageContext, draft: TaskDraft) -> TaskDraft | None:
    """Dockerfile and input files; the image must build (the build log's end is fed back)."""
    prefix = dockerfile_prefix(ctx.handle.slot.domain)
    prompt = _context(draft) + "\n\n" + ENVIRONMENT_ASK.format(prefix=prefix)

    async def check(reply: Reply) -> TaskDraft:
        parsed = parse_files(reply, Stage.ENVIRONMENT)
        new = parsed.apply(draft)
        dockerfile = str(new.environment["Dockerfile"].content)
        environment = {
            **new.environment,
            "Dockerfile": TaskFile(content=with_prefix(dockerfile, prefix)),
        }
        new = new.model_copy(update={"environment": environment})
        folder = ctx.handle.save_draft(new)
        build = await ctx.execution.build(folder)
        if not build.ok:
            raise CheckFailed("build failed", f"docker build failed: {build.error}")
        new = _litecoder(new, measured={"build_seconds": round(build.seconds, 2)})
        ctx.handle.save_draft(new)
        return new

    return await run_rounds(ctx, Stage.ENVIRONMENT, prompt, check)


# --- 3. reference solution --------------------------------------------------------------------


async def write_solution(ctx: StageContext, draft: TaskDraft) -> TaskDraft | None:
    """solve.sh; it must run to exit 0 in the built image (reward 1 is checked once the
    verifier exists)."""
    prompt = _context(draft, Stage.ENVIRONMENT) + "\n\n" + SOLUTION_ASK

    async def check(reply: Reply) -> TaskDraft:
        new = parse_files(reply, Stage.SOLUTION).apply(draft)
        folder = ctx.handle.save_draft(new)
        build = await ctx.execution.build(folder)
        if not build.ok:
            raise LitecoderError(f"{folder}: the environment that built before fails now")
        run = await ctx.execution.run_solution(folder, build.image or "", SOLUTION_TIMEOUT)
        if not run.ok:
            ended = "timed out" if run.exit_code is None else f"exited {run.exit_code}"
            raise CheckFailed(
                "solution failed",
                f"solution/solve.sh {ended} in the built container; its output ends:\n{run.output}",
            )
        measured = {**_measured(new), "oracle_seconds": round(run.seconds, 2)}
        new = _litecoder(new, measured=measured)
        ctx.handle.save_draft(new)
        return new

    return await run_rounds(ctx, Stage.SOLUTION, prompt, check)


# --- 4. verifier, with adversarial iteration --------------------------------------------------


def _verdict_feedback(report) -> str:
    """The engine's verdict in words the model can act on: the reason, what the winning attacks
    did, and the checks the reference solution failed."""
    lines = [f"The validation engine judged the task {report.verdict}: {report.reason}."]
    lines.append(f"Fix the verifier: {VERDICT_ADVICE.get(report.verdict, '')}.")
    for name in report.winning_attacks:
        lines.append(f"- attack {name!r} ({ATTACKS[name].description}) earned reward")
    for probe in report.probes:
        if probe.probe == "oracle" and not probe.passed:
            for failed in failed_checks(probe.trial_dir)[:8]:
                lines.append(f"- the reference solution failed check {failed}")
    return "\n".join(lines)


def _probe_feedback(outcomes) -> list[str]:
    errors = []
    for o in outcomes:
        if o.passed:
            continue
        script = o.probe.script.strip()[:1500]
        if o.probe.kind == "lazy":
            errors.append(
                f"your verifier gave reward {o.reward} to this lazy/incorrect solution "
                f"({o.probe.name}); it must fail it:\n```bash\n{script}\n```"
            )
        else:
            failed = "; ".join(o.failed_checks[:5]) or o.exception or f"reward {o.reward}"
            errors.append(
                f"your verifier failed this alternative correct solution ({o.probe.name}): "
                f"{failed}. Accept every correct solution:\n```bash\n{script}\n```"
            )
    return errors


async def write_verifier(ctx: StageContext, draft: TaskDraft) -> TaskDraft | None:
    """tests/check.py, hardened by the validation engine (oracle 1, nop 0, every attack 0) and
    by the model's own lazy (must score 0) and alternative valid (must score 1) solutions."""
    prompt = _context(draft, Stage.ENVIRONMENT, Stage.SOLUTION) + "\n\n" + VERIFIER_ASK

    async def check(reply: Reply) -> TaskDraft:
        new = parse_files(reply, Stage.VERIFIER).apply(draft)
        folder = ctx.handle.save_draft(new)
        report = await ctx.execution.validate(folder)
        if report.static_errors:
            raise CheckFailed(
                "static check", *(f"{f.file}: {f.message}" for f in report.static_errors)
            )
        if report.verdict is not Verdict.SOUND:
            raise CheckFailed(f"verdict {report.verdict}", _verdict_feedback(report))
        probes_prompt = _context(new, Stage.ENVIRONMENT, Stage.SOLUTION, Stage.VERIFIER)
        probes_prompt += "\n\n" + PROBES_ASK.format(limit=MAX_PROBES)
        probe_reply = await ask(
            ctx,
            Stage.VERIFIER,
            [{"role": "system", "content": SYSTEM}, {"role": "user", "content": probes_prompt}],
            len(ctx.handle.state.stages[Stage.VERIFIER].rounds),  # the running round
        )
        scripts = [
            ProbeScript(name=name, kind=kind, script=script)
            for kind, found in parse_probe_scripts(probe_reply, MAX_PROBES).items()
            for name, script in found.items()
        ]
        build = await ctx.execution.build(folder)
        outcomes = await ctx.execution.probe(folder, build.image or "", scripts)
        if errors := _probe_feedback(outcomes):
            raise CheckFailed("model-written probe", *errors)
        new = _litecoder(
            new,
            validation=report.reason,
            probes={o.probe.kind + "/" + o.probe.name: o.reward for o in outcomes},
        )
        ctx.handle.save_draft(new)
        return new

    return await run_rounds(ctx, Stage.VERIFIER, prompt, check)


# --- 5. resources -----------------------------------------------------------------------------


class StageCost(BaseModel):
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    repair_rounds: int


TASK_STAGES = (
    Stage.REFINEMENT,
    Stage.ENVIRONMENT,
    Stage.SOLUTION,
    Stage.VERIFIER,
    Stage.RESOURCES,
)
"""Stages whose calls belong to one task (sampling and judging batch all slots; their cost is
in the run summary)."""


def stage_costs(ctx: StageContext) -> dict[str, dict]:
    """Model, tokens, cost and repairs of this task's own stages so far, for task.toml."""
    state = ctx.handle.state
    return {
        stage.value: StageCost(
            model=ctx.spec.models.for_stage(stage).model,
            calls=record.usage.calls,
            input_tokens=record.usage.input_tokens,
            output_tokens=record.usage.output_tokens,
            cost_usd=round(record.usage.cost_usd, 6),
            repair_rounds=record.repair_rounds,
        ).model_dump()
        for stage, record in state.stages.items()
        if stage in TASK_STAGES
    }


async def configure_resources(ctx: StageContext, draft: TaskDraft) -> TaskDraft | None:
    """task.toml: resources and timeouts from the measured runs (the model's JSON proposal,
    clamped, when it parses), difficulty, tags, and the stages' models and costs."""
    slot = ctx.handle.slot
    measured = _measured(draft)
    floor = resources_from_measurements(
        measured.get("oracle_seconds", 0.0), measured.get("build_seconds", 0.0), slot.difficulty
    )
    prompt = (
        _context(draft, Stage.ENVIRONMENT, Stage.SOLUTION)
        + "\n\n"
        + RESOURCES_ASK.format(
            oracle=measured.get("oracle_seconds", 0.0), build=measured.get("build_seconds", 0.0)
        )
    )

    def finalize(resources: TaskResources) -> TaskDraft:
        config = resources.apply(draft.config)
        config.metadata["category"] = slot.domain.value
        config.task.keywords = config.metadata["tags"]
        final = _litecoder(
            draft.model_copy(update={"config": config}),
            resource_adjustments=resources.adjustments,
            judge=ctx.sampled.judge.scores(),  # an accepted request was judged
            models={stage.value: ctx.spec.models.for_stage(stage).model for stage in Stage},
            stages=stage_costs(ctx),
        )
        ctx.handle.save_draft(final)
        return final

    async def check(reply: Reply) -> TaskDraft:
        return finalize(parse_resources(reply, floor))

    def measured_only(errors: list[str]) -> TaskDraft:
        note = f"model proposal unusable, measured values kept: {errors[0]}"
        return finalize(floor.model_copy(update={"adjustments": [note]}))

    return await run_rounds(ctx, Stage.RESOURCES, prompt, check, fallback=measured_only)
