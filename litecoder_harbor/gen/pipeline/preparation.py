"""Environment preparation: the environment stage done by an agent instead of a written
Dockerfile, for tasks whose starting state is easier to make in a shell than to describe (a
repository mid-merge, a half-configured service).

A round: the stage's model writes a preparation brief from the instruction (the starting state
to create, never the solution); our Terminus-2 wrapper, driven by the same model, works through
Harbor in a container of the domain's image (`PreparationAgent`); what it changed is captured
and sorted (`extraction`: dropped noise, refused secrets and system files, with the reason);
the kept files become `environment/prepared/` plus Dockerfile steps; the image is rebuilt and a
container of it, again through Harbor (`StateAgent`), must show the same manifest of paths,
modes, owners and content hashes. A refusal, a failed rebuild or a differing manifest goes back
to the model as the next round's feedback (and into the next brief the agent gets).

The work dir keeps each round's record (`preparation-<round>.json`: the brief, the agent's
transcript, what was kept, dropped and refused, the manifest, the comparison). Both trials run
as Harbor jobs named by what they run, so a resumed round finds its finished preparation in the
job and does not prepare twice.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from harbor.models.task.config import TaskConfig
from pydantic import BaseModel, Field

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.pipeline.extraction import (
    ManifestEntry,
    Selection,
    artifacts,
    check_secrets,
    compare_manifests,
    dockerfile_steps,
    read_capture,
)
from litecoder_harbor.gen.pipeline.replies import ReplyError, fenced_block
from litecoder_harbor.gen.pipeline.stages import (
    CheckFailed,
    StageContext,
    _context,
    _litecoder,
    run_rounds,
)
from litecoder_harbor.gen.spec import Stage
from litecoder_harbor.jobs import AgentSpec, import_path
from litecoder_harbor.llm.client import Reply
from litecoder_harbor.llm.config import ModelConfig
from litecoder_harbor.llm.secrets import key_values, scrub_server_text, without_userinfo
from litecoder_harbor.llm.usage import Usage
from litecoder_harbor.tasks.conventions import dockerfile_prefix, domain_apt_packages
from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.tasks.writer import materialize

PREPARATION_TURNS = 40
PREPARATION_TIMEOUT_SEC = 900
RECORD = "preparation-{round}"
"""Per-task record of one preparation round, beside state.json."""

PREPARATION_ASK = """\
This task's starting state will not be written as a Dockerfile: an agent will create it by \
working in a shell, as root, in a container of the domain's image (Debian bookworm with \
{packages}; no network). Write preparation.md, the brief that agent gets: "Create the starting \
state: ..." followed by exactly what must exist before the task begins, at the paths the \
instruction names - files and their contents, git repositories with their commits, branches \
and any unfinished merge, users, owners and permissions, configuration left half done. \
Only files persist (processes started now are gone when the task starts). Never include the \
solution, never create the task's outputs, and do not install packages."""

BRIEF_FOOTER = """

Work only on the starting state described above. Do not solve the task it prepares, do not \
install packages, do not write under /logs, and never put real keys or tokens anywhere. When \
the state is complete, mark the task complete."""


def preparation_agent(config: ModelConfig) -> AgentSpec:
    """Our Terminus-2 on the stage's model, the way LiteLLM names it. The endpoint is recorded
    in Harbor's job config, so it must carry no credentials (checked before the run)."""
    from litecoder_harbor.gen.pipeline.prep_agents import PreparationAgent

    kwargs: dict[str, Any] = {"max_turns": PREPARATION_TURNS, "api_key_env": config.api_key_env}
    if config.api_base:
        base = config.api_base
        kwargs["api_base"] = base.removesuffix("/v1") if config.provider == "anthropic" else base
    return AgentSpec(
        name=import_path(PreparationAgent),
        model=f"{config.provider}/{config.model}",
        kwargs=kwargs,
    )


def check_preparation_endpoint(config: ModelConfig, field: str) -> None:
    """Preparation hands the endpoint to Harbor, which writes it into the job's config: a URL
    with a password in it is refused before anything runs."""
    if config.api_base and without_userinfo(config.api_base) != config.api_base:
        raise LitecoderError(
            f"{field}: the endpoint URL carries credentials (user:key@host), and environment "
            "preparation hands the URL to Harbor, which records it",
            hint="put the key in the model's api_key_env variable and give the URL without it",
        )


# --- the stage --------------------------------------------------------------------------------


class PreparationRecord(BaseModel):
    """preparation-<round>.json: one round of preparation, as it went."""

    round: int
    brief: str
    trial_dir: str | None = None
    exception: str | None = None
    transcript: dict | None = Field(default=None, description="The agent's ATIF trajectory.")
    agent_usage: Usage | None = Field(
        default=None, description="The agent's own model calls, booked against the stage once."
    )
    kept: list[str] = Field(default_factory=list)
    deleted: list[str] = Field(default_factory=list)
    dropped: dict[str, int] = Field(default_factory=dict)
    refused: list[str] = Field(default_factory=list)
    manifest: list[ManifestEntry] = Field(default_factory=list)
    rebuilt_trial_dir: str | None = None
    differences: list[str] = Field(default_factory=list)
    reproduced: bool = False


def parse_brief(reply: Reply) -> str:
    """The brief: the reply's preparation.md block, else the whole reply."""
    text = fenced_block(reply.text, "preparation.md")
    text = (text if text is not None else reply.text).strip()
    if len(text) < 20:
        raise ReplyError(
            "the reply holds no preparation brief: send preparation.md as a fenced block "
            "labelled with its path, describing the starting state to create"
        )
    return text


def _prep_task(draft: TaskDraft, instruction: str, folder: Path) -> Path:
    """A Harbor task in which the agent prepares: the domain image, the brief as instruction,
    a verifier that only says the trial ended."""
    prep = TaskDraft(
        name=draft.name,
        instruction=instruction,
        environment=draft.environment,
        solution="true",
        test_command="true",
    )
    prep.config.agent.timeout_sec = PREPARATION_TIMEOUT_SEC
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    materialize(prep, folder)
    return folder


def _point_at(task_dir: Path, image: str) -> None:
    config = TaskConfig.model_validate_toml((task_dir / "task.toml").read_text())
    config.environment.docker_image = image
    (task_dir / "task.toml").write_text(config.model_dump_toml())


def _transcript(trial_dir: Path) -> dict | None:
    """The agent's trajectory, scrubbed of anything shaped like a key it may have typed."""
    try:
        text = (trial_dir / "agent" / "trajectory.json").read_text()
        return json.loads(scrub_server_text(text, []))
    except (OSError, ValueError):
        return None


async def prepare_environment(ctx: StageContext, draft: TaskDraft) -> TaskDraft | None:
    """The environment stage by preparation: brief, agent, capture, rebuild, same manifest."""
    from litecoder_harbor.gen.pipeline import prep_agents as agents

    handle, slot = ctx.handle, ctx.handle.slot
    prefix = dockerfile_prefix(slot.domain)
    packages = ", ".join(domain_apt_packages(slot.domain))
    prompt = _context(draft) + "\n\n" + PREPARATION_ASK.format(packages=packages)
    jobs = ctx.execution.jobs_dir
    config = ctx.client_for(Stage.ENVIRONMENT).config
    secrets = key_values([config.api_key_env] if config.api_key_env else [])

    async def check(reply: Reply) -> TaskDraft:
        state = handle.state.stages[Stage.ENVIRONMENT]
        round_ = len(state.rounds)
        brief = parse_brief(reply)
        record = PreparationRecord(round=round_, brief=brief)
        instruction = brief + BRIEF_FOOTER
        if state.rounds:
            refused = "\n".join(f"- {e}" for e in state.rounds[-1].errors)
            instruction += f"\n\nThe previous preparation was refused:\n{refused}\nAvoid that."
        base = {"Dockerfile": TaskFile(content=prefix)}
        prep_dir = _prep_task(
            draft.model_copy(update={"environment": base}),
            instruction,
            jobs / "preparation-tasks" / f"{draft.name}-r{round_}",
        )
        build = await ctx.execution.build(prep_dir)
        if not build.ok:
            raise LitecoderError(f"{prep_dir}: the domain image does not build: {build.error}")
        _point_at(prep_dir, build.image or "")
        outcome = await ctx.execution.run_agent(prep_dir, preparation_agent(config), "prepare")
        logs = outcome.trial_dir / "agent"
        record.trial_dir, record.transcript = str(outcome.trial_dir), _transcript(outcome.trial_dir)
        _book_agent_usage(ctx, record, config)
        if not (logs / agents.SELECTION).exists():
            record.exception = f"{outcome.exception_type}: {outcome.exception_message}"
            handle.save_record(RECORD.format(round=round_), record)
            raise CheckFailed(
                "preparation failed",
                f"the preparing agent did not finish ({outcome.exception_type}: "
                f"{(outcome.exception_message or '')[:300]})",
            )
        selection = Selection.model_validate_json((logs / agents.SELECTION).read_text())
        record.kept, record.deleted = selection.kept, selection.deleted
        record.dropped, record.refused = selection.dropped, list(selection.refused)
        capture = None
        if selection.readable:
            capture = read_capture(
                (logs / agents.CAPTURE).read_bytes(), selection.kept, selection.deleted
            )
            if secrets_found := check_secrets(capture, secrets):
                record.refused += secrets_found
                (logs / agents.CAPTURE).unlink()  # the one file that would hold them
            record.manifest = capture.manifest
        if record.refused or capture is None:
            handle.save_record(RECORD.format(round=round_), record)
            raise CheckFailed("capture refused", *record.refused)
        if not capture.manifest:
            handle.save_record(RECORD.format(round=round_), record)
            raise CheckFailed(
                "nothing prepared",
                "the preparation changed nothing that is kept: create the starting state the "
                "brief describes, at the paths the instruction names",
            )

        environment = {
            "Dockerfile": TaskFile(content=prefix + dockerfile_steps(capture)),
            **artifacts(capture),
        }
        new = draft.model_copy(update={"environment": environment})
        folder = handle.save_draft(new)
        rebuilt = await ctx.execution.build(folder)
        if not rebuilt.ok:
            handle.save_record(RECORD.format(round=round_), record)
            raise CheckFailed(
                "rebuild failed", f"the extracted state does not build: {rebuilt.error}"
            )
        record.differences = await _compare_rebuilt(ctx, draft.name, rebuilt.image or "", record)
        record.reproduced = not record.differences
        handle.save_record(RECORD.format(round=round_), record)
        if record.differences:
            raise CheckFailed(
                "state not reproduced",
                "the rebuilt image differs from the prepared container:",
                *record.differences,
            )
        files = sum(e.kind == "file" for e in capture.manifest)
        new = _litecoder(
            new,
            measured={"build_seconds": round(rebuilt.seconds, 2)},
            prepared={"round": round_, "files": files, "entries": len(capture.manifest)},
        )
        handle.save_draft(new)
        return new

    return await run_rounds(ctx, Stage.ENVIRONMENT, prompt, check)


def _book_agent_usage(ctx: StageContext, record: PreparationRecord, config: ModelConfig) -> None:
    """The agent's calls (from its trajectory) on the stage's bill and the run's budget, once:
    a resumed round that finds its finished preparation finds the booking in the record too."""
    name = RECORD.format(round=record.round)
    earlier = ctx.handle.load_record(name, PreparationRecord)
    if earlier is not None and earlier.agent_usage is not None:
        record.agent_usage = earlier.agent_usage
        return
    steps = (record.transcript or {}).get("steps", [])
    metrics = (record.transcript or {}).get("final_metrics") or {}
    tokens_in = int(metrics.get("total_prompt_tokens") or 0)
    tokens_out = int(metrics.get("total_completion_tokens") or 0)
    record.agent_usage = Usage(
        calls=sum(step.get("source") == "agent" for step in steps),
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cost_usd=config.cost_usd(tokens_in, tokens_out),
    )
    ctx.handle.save_record(name, record)  # before booking: a kill in between under-counts
    ctx.handle.record_usage(record.agent_usage)
    ctx.budget.elsewhere += record.agent_usage.cost_usd


async def _compare_rebuilt(
    ctx: StageContext, name: str, image: str, record: PreparationRecord
) -> list[str]:
    """The rebuilt image's state of the same paths (through Harbor), against the manifest."""
    from litecoder_harbor.gen.pipeline import prep_agents as agents

    run_dir = ctx.execution.jobs_dir / "state-tasks" / f"{name}-r{record.round}"
    paths = [e.path for e in record.manifest]
    _prep_task(
        TaskDraft(
            name=run_dir.name.lower(),
            instruction="Read the state.",
            environment={"Dockerfile": TaskFile(content=f"FROM {image}\n")},
            solution="true",
            test_command="true",
        ),
        "Read the state.",
        run_dir,
    )
    _point_at(run_dir, image)
    paths_file = run_dir.with_name(run_dir.name + ".paths.json")
    paths_file.write_text(json.dumps(paths))
    agent = AgentSpec(
        name=import_path(agents.StateAgent), kwargs={"paths": str(paths_file.resolve())}
    )
    outcome = await ctx.execution.run_agent(run_dir, agent, "state")
    record.rebuilt_trial_dir = str(outcome.trial_dir)
    tar = outcome.trial_dir / "agent" / agents.STATE
    if not tar.exists():
        return [f"the rebuilt image's state could not be read ({outcome.exception_type})"]
    rebuilt = read_capture(tar.read_bytes(), paths)
    return compare_manifests(record.manifest, rebuilt.manifest)
