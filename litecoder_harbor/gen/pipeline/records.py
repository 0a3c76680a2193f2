"""The models of the files in an LLM run's work dir: `run.json` (`RunInfo`), each task's
`state.json` (`TaskState` and its stage records), its exchanges (`Exchange`) and its drafts
(`StoredDraft`).

They are read back strictly, so a file of another format is an error naming the field; reading
and writing them (atomically, scrubbed of key values) is `workdir`'s job.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from harbor.models.task.config import TaskConfig
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from litecoder_harbor.gen.spec import DomainSpec, Stage, TaskSlot
from litecoder_harbor.llm.client import ChatMessage
from litecoder_harbor.llm.usage import Usage
from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.validate import Verdict

PIPELINE_VERSION = 1
"""Bumped when prompts or stage logic change: a work dir of another version is not resumed."""

RUN_IDENTITY = ("spec_hash", "seed", "n", "prepare", "pipeline_version")
"""The run.json fields that must match to resume; `created` is only a record."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Record(BaseModel):
    """Files we write are read back strictly: an unknown key means another format."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- run.json ---------------------------------------------------------------------------------


PATIENCE_FIELDS = ("timeout_s", "max_attempts")
"""How long to wait for a model decides nothing about the tasks: changing it resumes the run."""


def spec_hash(spec: DomainSpec) -> str:
    """Hash of what the spec says, not how it is written: comments and key order don't count."""
    data = spec.model_dump(mode="json")
    for ref in data["models"].values():
        for field in PATIENCE_FIELDS:
            if ref is not None:
                ref.pop(field, None)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class RunInfo(_Record):
    """run.json: the inputs that decide which tasks a run makes and how."""

    spec_hash: str = Field(min_length=1)
    seed: int = Field(ge=0)
    n: int = Field(ge=1)
    prepare: bool = Field(default=False, description="--prepare: every environment prepared.")
    pipeline_version: int = PIPELINE_VERSION
    created: datetime = Field(default_factory=utc_now)

    @classmethod
    def for_spec(
        cls, spec: DomainSpec, *, seed: int, n: int | None = None, prepare: bool = False
    ) -> RunInfo:
        n = spec.tasks if n is None else n
        return cls(spec_hash=spec_hash(spec), seed=seed, n=n, prepare=prepare)


# --- state.json -------------------------------------------------------------------------------


class StageStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"  # begun and not finished: a resumed run picks it up here
    PASSED = "passed"
    FAILED = "failed"


class RoundRecord(_Record):
    """One attempt of a stage: round 0 is the first, every later one a repair."""

    round: int = Field(ge=0)
    passed: bool
    errors: list[str] = Field(
        default_factory=list, description="What the checks found; fed back in the next round."
    )
    finished: datetime


class StageRecord(_Record):
    status: StageStatus = StageStatus.PENDING
    started: datetime | None = None
    finished: datetime | None = None
    rounds: list[RoundRecord] = Field(default_factory=list, description="Completed rounds.")
    exchanges: list[str] = Field(default_factory=list, description="Files under exchanges/.")
    seconds: float = Field(default=0.0, ge=0, description="Wall time spent, summed over runs.")
    usage: Usage = Field(default_factory=Usage)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        """`repair_rounds` is written for people reading the file; it is recomputed on load."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "repair_rounds"}
        return data

    @computed_field
    @property
    def repair_rounds(self) -> int:
        return max(0, len(self.rounds) - 1)

    @property
    def is_finished(self) -> bool:
        return self.status in (StageStatus.PASSED, StageStatus.FAILED)


class Rejection(_Record):
    stage: Stage | None = Field(description="The stage that gave up; none for a bad verdict.")
    reason: str = Field(min_length=1, description="Short and stable, so the summary counts it.")
    detail: str = ""


class TaskState(_Record):
    """state.json: everything a resumed run needs to know about one task slot."""

    slot: TaskSlot
    current_stage: Stage | None = None
    stages: dict[Stage, StageRecord] = Field(
        default_factory=lambda: {stage: StageRecord() for stage in Stage}
    )
    draft_stage: Stage | None = Field(
        default=None, description="The last passed stage that saved a draft: the next one's input."
    )
    verdict: Verdict | None = None
    verdict_reason: str = ""
    rejection: Rejection | None = None
    created: datetime = Field(default_factory=utc_now)
    updated: datetime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _every_stage(self) -> TaskState:
        for stage in Stage:
            self.stages.setdefault(stage, StageRecord())
        return self

    @property
    def outcome(self) -> Literal["accepted", "rejected", "in progress"]:
        if self.rejection is not None:
            return "rejected"
        return "accepted" if self.verdict is Verdict.SOUND else "in progress"


class Exchange(_Record):
    """One prompt and the reply to it, as sent and received (scrubbed of key values)."""

    stage: Stage
    round: int
    n: int
    at: datetime
    model: str | None = None
    messages: list[ChatMessage] | None = None
    prompt: str | None = Field(default=None, description="A raw completion prompt.")
    reply: str
    finish_reason: str | None = None
    cached: bool = False
    usage: Usage


# --- drafts -----------------------------------------------------------------------------------


class StoredFile(_Record):
    """A task file in JSON: text as is, bytes as base64."""

    text: str | None = None
    base64: str | None = None
    executable: bool = False

    @model_validator(mode="after")
    def _one_content(self) -> StoredFile:
        if (self.text is None) == (self.base64 is None):
            raise ValueError("exactly one of text and base64 must be set")
        return self

    def to_file(self) -> TaskFile:
        content = self.text if self.text is not None else base64.b64decode(self.base64 or "")
        return TaskFile(content=content, executable=self.executable)


class StoredDraft(_Record):
    """draft/<stage>.json: a `TaskDraft` that reads back exactly as it was saved."""

    name: str
    instruction: str
    environment: dict[str, StoredFile]
    solution: str
    solution_files: dict[str, StoredFile]
    tests: dict[str, StoredFile]
    test_command: str
    stop_agent_processes: bool
    config: dict[str, Any]

    def to_draft(self) -> TaskDraft:
        return TaskDraft(
            name=self.name,
            instruction=self.instruction,
            environment=_task_files(self.environment),
            solution=self.solution,
            solution_files=_task_files(self.solution_files),
            tests=_task_files(self.tests),
            test_command=self.test_command,
            stop_agent_processes=self.stop_agent_processes,
            config=TaskConfig.model_validate(self.config),
        )


def _task_files(stored: dict[str, StoredFile]) -> dict[str, TaskFile]:
    return {name: file.to_file() for name, file in stored.items()}
