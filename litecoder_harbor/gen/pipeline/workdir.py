"""The resumable work directory of an LLM synthesis run.

    <work>/run.json                                   what the run is: spec hash, seed, n, version
    <work>/tasks/<slot_id>/state.json                 where the task stands (`TaskState`)
    <work>/tasks/<slot_id>/exchanges/<stage>-<round>-<n>.json   every prompt and reply
    <work>/tasks/<slot_id>/draft/<stage>.json         the task as the stage last left it (exact)
    <work>/tasks/<slot_id>/draft/<stage>/             the same, laid out as a Harbor task dir

Every file is written under a temporary name and renamed into place, so a run killed at any
moment leaves each file whole, old or new. The state is saved after every step: a resumed run
skips finished stages and restarts an interrupted one at its first unfinished round, with the
feedback of the round before. Exchanges are written before the state that counts them, and an
exchange the state does not count yet (the run died in between) is counted when the task is
opened again. A reply whose file was not yet in place is asked for again when its round
restarts, which the LLM response cache answers without a second bill.

Keys never enter prompts, but every file is still scrubbed of the values of API-key variables
before it is written: a leaked key in a shared work dir would be worse than a garbled prompt.

This module is the folder's behaviour: `WorkDir` (the run), `TaskHandle` (one task) and the
writer. The models of its files are in `records`, the end-of-run table in `summary`.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import TMP_SUFFIX, atomic_write, swap_in_dir
from litecoder_harbor.gen.pipeline.records import (
    RUN_IDENTITY,
    Exchange,
    Rejection,
    RoundRecord,
    RunInfo,
    StageRecord,
    StageStatus,
    StoredDraft,
    StoredFile,
    TaskState,
    utc_now,
)
from litecoder_harbor.gen.pipeline.summary import RunSummary
from litecoder_harbor.gen.spec import Stage, TaskSlot
from litecoder_harbor.llm.cache import CachedReply
from litecoder_harbor.llm.client import ChatMessage
from litecoder_harbor.llm.config import ModelConfig
from litecoder_harbor.llm.secrets import Secret, key_values, redact, redact_bytes
from litecoder_harbor.llm.usage import Usage
from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.tasks.writer import materialize
from litecoder_harbor.validate import Verdict

TMP_DIR_PREFIX = ".tmp-"
_SLOT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_EXCHANGE = re.compile(r"^(?P<stage>[a-z]+)-(?P<round>\d+)-(?P<n>\d+)\.json$")


# --- writing: atomic, scrubbed ----------------------------------------------------------------


class _Writer:
    """Writes files whole (temporary name, then rename) and never with a key value in them:
    neither the value of a key variable (read when writing, so a key set later counts) nor one
    of `secrets` (e.g. the password in an endpoint URL)."""

    def __init__(self, secret_envs: Iterable[str], secrets: Iterable[Secret] = ()):
        self.names = frozenset(secret_envs)
        self.fixed = list(secrets)

    def _secrets(self) -> list[Secret]:
        return [*key_values(self.names), *self.fixed]

    def scrub(self, text: str) -> str:
        return redact(text, self._secrets())

    def scrub_bytes(self, data: bytes) -> bytes:
        return redact_bytes(data, self._secrets())

    def write(self, path: Path, text: str) -> None:
        atomic_write(path, self.scrub(text), durable=True)

    def write_model(self, path: Path, model: BaseModel) -> None:
        self.write(path, model.model_dump_json(indent=2) + "\n")

    def stored(self, draft: TaskDraft) -> StoredDraft:
        def files(task_files: dict[str, TaskFile]) -> dict[str, StoredFile]:
            return {
                name: StoredFile(text=f.content, executable=f.executable)
                if isinstance(f.content, str)
                else StoredFile(
                    base64=base64.b64encode(self.scrub_bytes(f.content)).decode(),
                    executable=f.executable,
                )
                for name, f in task_files.items()
            }

        return StoredDraft(
            name=draft.name,
            instruction=draft.instruction,
            environment=files(draft.environment),
            solution=draft.solution,
            solution_files=files(draft.solution_files),
            tests=files(draft.tests),
            test_command=draft.test_command,
            stop_agent_processes=draft.stop_agent_processes,
            config=draft.config.model_dump(mode="json"),
        )


def _read[M: BaseModel](path: Path, model: type[M], hint: str | None = None) -> M:
    """Load one of our files; a bad one is a LitecoderError naming the file and the field."""
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = _field_path(error["loc"]) or "(whole file)"
        message = error["msg"].removeprefix("Value error, ")
        raise LitecoderError(f"{path}: {field}: {message}", hint=hint) from None
    except OSError as exc:
        raise LitecoderError(f"{path}: cannot read it ({exc.strerror})", hint=hint) from None


def _field_path(loc: tuple) -> str:
    """('stages', 'verifier', 'rounds', 0, 'errors') -> 'stages.verifier.rounds[0].errors'"""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _clean_debris(folder: Path) -> None:
    """Temporary files and folders a killed write left behind in `folder` (not below it)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name.startswith(".") and path.name.endswith(TMP_SUFFIX) and path.is_file():
            path.unlink(missing_ok=True)
        elif path.name.startswith(TMP_DIR_PREFIX) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


# --- the work dir -----------------------------------------------------------------------------


class WorkDir:
    """One run's work directory; open it with `WorkDir.open`."""

    def __init__(self, root: Path, run: RunInfo, writer: _Writer):
        self.root = root
        self.run = run
        self._writer = writer
        self._handles: dict[str, TaskHandle] = {}

    @property
    def tasks_dir(self) -> Path:
        return self.root / "tasks"

    @classmethod
    def open(
        cls,
        path: Path | str,
        run_info: RunInfo,
        *,
        force_new: bool = False,
        secret_envs: Iterable[str] = (),
        secrets: Iterable[Secret] = (),
    ) -> WorkDir:
        """Create `path` for this run, or resume the run it holds.

        A work dir made with another spec, seed, n or pipeline version is refused with a
        LitecoderError naming run.json and the field, unless `force_new`: then the old run moves
        to `superseded/<created>-<spec hash>-s<seed>/` and a new one starts. A run that produced
        nothing yet (it failed before its first reply: no key, no endpoint) fixes nothing: the
        new run silently takes its place. `secret_envs` adds variables whose values must never
        be written (spec models' `api_key_env`s) to the known ones, `secrets` further values.
        """
        root = Path(path)
        if root.exists() and not root.is_dir():
            raise LitecoderError(f"work dir {root} is a file, not a folder")
        writer = _Writer(secret_envs, secrets)
        run_file = root / "run.json"
        _clean_debris(root)
        if run_file.exists():
            hint = "fix it, or pass --force-new to start a new run in this work dir"
            stored = _read(run_file, RunInfo, hint)
            differing = [f for f in RUN_IDENTITY if getattr(stored, f) != getattr(run_info, f)]
            if not differing:
                return cls(root, stored, writer)
            if not _produced_anything(root):
                shutil.rmtree(root / "tasks", ignore_errors=True)
            elif not force_new:
                raise _mismatch(run_file, stored, run_info, differing)
            else:
                _supersede(root, stored)
        elif (root / "tasks").exists() and any((root / "tasks").iterdir()):
            raise LitecoderError(
                f"{run_file} is missing, but {root / 'tasks'} holds task state",
                hint="restore run.json, or choose another work dir",
            )
        writer.write_model(run_file, run_info)
        return cls(root, run_info, writer)

    def task(self, slot: TaskSlot) -> TaskHandle:
        """The state of one slot, created on first use; the same handle for the same slot."""
        if not _SLOT_ID.match(slot.slot_id):
            raise ValueError(f"slot id {slot.slot_id!r} cannot name a folder")
        if (handle := self._handles.get(slot.slot_id)) is not None:
            return handle
        folder = self.tasks_dir / slot.slot_id
        for part in (folder, folder / "exchanges", folder / "draft"):
            _clean_debris(part)
        state_file = folder / "state.json"
        if state_file.exists():
            state = _read(state_file, TaskState, TaskHandle.STATE_HINT)
            for field in TaskSlot.model_fields:
                if getattr(state.slot, field) != getattr(slot, field):
                    raise LitecoderError(
                        f"{state_file}: slot.{field}: {getattr(state.slot, field)!r} here, "
                        f"but the plan has {getattr(slot, field)!r} for this slot",
                        hint="the plan changed under the same spec and seed; use a new work dir",
                    )
            handle = TaskHandle(folder, state, self._writer)
            handle._count_orphan_exchanges()
        else:
            handle = TaskHandle(folder, TaskState(slot=slot), self._writer)
            handle._save()
        self._handles[slot.slot_id] = handle
        return handle

    def states(self) -> list[TaskState]:
        """Every task state on disk, in slot order."""
        found = [
            _read(path, TaskState, TaskHandle.STATE_HINT)
            for path in self.tasks_dir.glob("*/state.json")
        ]
        return sorted(found, key=lambda state: state.slot.index)

    def summary(self) -> RunSummary:
        return RunSummary.of(self.run, self.states())

    def save_record(self, name: str, record: BaseModel) -> Path:
        """Keep a run-level record (`<work>/<name>.json`), written whole and scrubbed."""
        return _save_record(self._writer, self.root, name, record)

    def load_record[M: BaseModel](self, name: str, model: type[M]) -> M | None:
        return _load_record(self.root, name, model)


def _save_record(writer: _Writer, folder: Path, name: str, record: BaseModel) -> Path:
    if not _SLOT_ID.match(name) or name in ("state", "run"):
        raise ValueError(f"{name!r} cannot name a record")
    path = folder / f"{name}.json"
    writer.write_model(path, record)
    return path


def _load_record[M: BaseModel](folder: Path, name: str, model: type[M]) -> M | None:
    path = folder / f"{name}.json"
    return _read(path, model, "delete it to redo what wrote it") if path.exists() else None


def _mismatch(
    run_file: Path, stored: RunInfo, wanted: RunInfo, differing: list[str]
) -> LitecoderError:
    def shown(info: RunInfo, field: str) -> str:
        value = getattr(info, field)
        return value[:12] if field == "spec_hash" else str(value)

    first = differing[0]
    also = f" (and {', '.join(differing[1:])})" if differing[1:] else ""
    return LitecoderError(
        f"{run_file}: {first} differs{also}: this work dir was made with {first} "
        f"{shown(stored, first)}, this run has {shown(wanted, first)}",
        hint="resume with the same spec, --seed and --n, choose another work dir, or pass "
        "--force-new to start over (the old run is kept under superseded/)",
    )


def _produced_anything(root: Path) -> bool:
    """Whether the run in `root` has anything to lose: a file of a task's besides its
    state.json (an exchange, a draft, the sampled request), or a stage it finished."""
    tasks = root / "tasks"
    if not tasks.is_dir():
        return False
    for path in tasks.rglob("*"):
        if path.is_file() and path.name != "state.json":
            return True
    return any(
        record.is_finished
        for path in tasks.glob("*/state.json")
        for record in _read(path, TaskState, TaskHandle.STATE_HINT).stages.values()
    )


def _supersede(root: Path, old: RunInfo) -> None:
    """Move the old run aside: tasks first, run.json last, so a kill in between resumes it."""
    stamp = old.created.strftime("%Y%m%dT%H%M%S")
    archive = root / "superseded" / f"{stamp}-{old.spec_hash[:8]}-s{old.seed}"
    archive.mkdir(parents=True, exist_ok=True)
    if (root / "tasks").exists():
        os.replace(root / "tasks", archive / "tasks")
    os.replace(root / "run.json", archive / "run.json")


# --- one task ---------------------------------------------------------------------------------


class StageStart(BaseModel):
    """Where a stage (re)starts: the round to run and the errors to feed back in it."""

    stage: Stage
    round: int
    feedback: list[str]


class TaskHandle:
    """Reads and advances one task's state; every change is on disk before the method returns.

    A stage runs as rounds: `begin_stage` says which round to run and what to feed back,
    `record_exchange` keeps each prompt and reply, `fail_round` closes a round whose checks
    failed, `finish_stage` closes the stage (the last round passed, or the stage gives up).
    """

    STATE_HINT = "fix the file, or delete it to redo this task from the start (exchanges are kept)"

    def __init__(self, folder: Path, state: TaskState, writer: _Writer):
        self.folder = folder
        self._state = state
        self._writer = writer
        self._clock: float | None = None  # monotonic time of the last checkpoint in a stage

    @property
    def state(self) -> TaskState:
        """A copy: changes go through the methods, which save them."""
        return self._state.model_copy(deep=True)

    @property
    def slot(self) -> TaskSlot:
        return self._state.slot

    @property
    def concluded(self) -> bool:
        return self._state.outcome != "in progress"

    def done(self, stage: Stage) -> bool:
        """Whether `stage` has finished (passed or failed) in this or an earlier run."""
        return self._state.stages[stage].is_finished

    def begin_stage(self, stage: Stage) -> StageStart:
        """Start `stage`, or resume it after a kill at the first round that did not finish."""
        self._check_open()
        record = self._state.stages[stage]
        if record.is_finished:
            raise ValueError(f"{self.slot.slot_id}: stage {stage} already {record.status}")
        current = self._state.current_stage
        if current not in (None, stage):
            raise ValueError(f"{self.slot.slot_id}: stage {current} is still running")
        if record.status is StageStatus.PENDING:
            record.status, record.started = StageStatus.RUNNING, utc_now()
        self._state.current_stage = stage
        self._clock = time.monotonic()
        self._save()
        return self._next_round(stage)

    def record_exchange(
        self,
        messages: Sequence[Mapping[str, str] | ChatMessage] | str,
        reply: CachedReply,
        *,
        model: ModelConfig | None = None,
    ) -> Path:
        """Keep one prompt (chat messages, or a raw completion prompt) and its reply, and book
        its tokens and cost (through `model`'s prices) against the running stage. A reply the
        response cache answered costs nothing."""
        stage, record = self._running()
        round_ = len(record.rounds)
        taken = [
            int(m["n"])
            for p in self._exchange_files(stage, round_)
            if (m := _EXCHANGE.match(p.name))
        ]
        n = max(taken, default=-1) + 1
        cached = bool(getattr(reply, "cached", False))
        usage = (
            Usage(calls=1, cached_calls=1)
            if cached
            else Usage(
                calls=1,
                input_tokens=reply.input_tokens,
                output_tokens=reply.output_tokens,
                cost_usd=model.cost_usd(reply.input_tokens, reply.output_tokens) if model else 0.0,
            )
        )
        exchange = Exchange(
            stage=stage,
            round=round_,
            n=n,
            at=utc_now(),
            model=model.model if model else None,
            messages=None
            if isinstance(messages, str)
            else [ChatMessage.model_validate(m) for m in messages],
            prompt=messages if isinstance(messages, str) else None,
            reply=reply.text,
            finish_reason=reply.finish_reason,
            cached=cached,
            usage=usage,
        )
        path = self.folder / "exchanges" / f"{stage}-{round_}-{n}.json"
        self._writer.write_model(path, exchange)
        record.exchanges.append(path.name)
        record.usage += usage
        self._save()
        return path

    def record_usage(self, usage: Usage) -> None:
        """Book calls made outside our client (the preparing agent's own, through LiteLLM)
        against the running stage."""
        _, record = self._running()
        record.usage += usage
        self._save()

    def fail_round(self, errors: Sequence[str]) -> StageStart:
        """Close the running round as failed; `errors` are fed back in the next one."""
        if not errors:
            raise ValueError("a failed round needs the errors to feed back")
        stage, record = self._running()
        record.rounds.append(
            RoundRecord(
                round=len(record.rounds), passed=False, errors=list(errors), finished=utc_now()
            )
        )
        self._save()
        return self._next_round(stage)

    def finish_stage(
        self, passed: bool, *, errors: Sequence[str] = (), reason: str | None = None
    ) -> None:
        """Close the running stage. Passed: its last round passed, and a draft it saved becomes
        the next stage's input. Failed: `errors` (if any) close the last round, and the task is
        rejected with `reason` (default "<stage> failed")."""
        stage, record = self._running()
        if passed or errors:
            record.rounds.append(
                RoundRecord(
                    round=len(record.rounds), passed=passed, errors=list(errors), finished=utc_now()
                )
            )
        record.status = StageStatus.PASSED if passed else StageStatus.FAILED
        record.finished = utc_now()
        self._state.current_stage = None
        if passed and self._draft_file(stage).exists():
            self._state.draft_stage = stage
        if not passed:
            last = record.rounds[-1].errors if record.rounds else []
            self._state.rejection = Rejection(
                stage=stage, reason=reason or f"{stage} failed", detail="; ".join(last)
            )
        self._save()

    def reject(self, reason: str, detail: str = "") -> None:
        """Give up on the task (e.g. the judge finds the idea infeasible, the budget is spent);
        a stage running now counts as failed."""
        self._check_open()
        stage = self._state.current_stage
        if stage is not None:
            record = self._state.stages[stage]
            record.status, record.finished = StageStatus.FAILED, utc_now()
            self._tick(record)
        self._state.current_stage = None
        self._state.rejection = Rejection(stage=stage, reason=reason, detail=detail)
        self._save()

    def record_verdict(self, verdict: Verdict, reason: str = "") -> None:
        """The validation engine's verdict on the finished task; anything but sound rejects it."""
        self._check_open()
        self._state.verdict, self._state.verdict_reason = verdict, reason
        if verdict is not Verdict.SOUND:
            self._state.rejection = Rejection(
                stage=None, reason=f"verdict {verdict}", detail=reason
            )
        self._save()

    def save_draft(self, draft: TaskDraft) -> Path:
        """Keep the task as the running stage has it now; returns it laid out as a task dir."""
        stage, record = self._running()
        stored = self._writer.stored(draft)
        json_file = self._draft_file(stage)
        self._writer.write_model(json_file, stored)
        # Laid out from what was written, so the folder holds exactly what the JSON does.
        folder = self._lay_out(stage, _read(json_file, StoredDraft).to_draft())
        self._tick(record)
        self._save()
        return folder

    def load_draft(self, stage: Stage | None = None) -> TaskDraft | None:
        """The draft `stage` last saved; by default the input of the next stage (the draft of
        the last passed stage that saved one). None if there is none."""
        stage = self._state.draft_stage if stage is None else stage
        if stage is None or not self._draft_file(stage).exists():
            return None
        stored = _read(self._draft_file(stage), StoredDraft, "delete it to redo its stage")
        try:
            return stored.to_draft()
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            raise LitecoderError(
                f"{self._draft_file(stage)}: {_field_path(error['loc'])}: {error['msg']}"
            ) from None

    def exchanges(self, stage: Stage | None = None) -> list[Exchange]:
        """Every exchange kept for this task (or one stage), in the order they were made."""
        names = [
            name
            for s, record in self._state.stages.items()
            if stage in (None, s)
            for name in record.exchanges
        ]
        found = [_read(self.folder / "exchanges" / name, Exchange) for name in names]
        return sorted(found, key=lambda e: (e.at, e.round, e.n))

    def save_record(self, name: str, record: BaseModel) -> Path:
        """Keep a result of this task's own beside its state (`<name>.json`), e.g. the sampled
        request, written whole and scrubbed."""
        return _save_record(self._writer, self.folder, name, record)

    def load_record[M: BaseModel](self, name: str, model: type[M]) -> M | None:
        return _load_record(self.folder, name, model)

    # --- internals

    def _check_open(self) -> None:
        if self.concluded:
            raise ValueError(f"{self.slot.slot_id}: the task is already {self._state.outcome}")

    def _running(self) -> tuple[Stage, StageRecord]:
        stage = self._state.current_stage
        if stage is None:
            raise ValueError(f"{self.slot.slot_id}: no stage is running; call begin_stage first")
        record = self._state.stages[stage]
        self._tick(record)
        return stage, record

    def _tick(self, record: StageRecord) -> None:
        """Add the wall time since the last checkpoint to the running stage."""
        now = time.monotonic()
        if self._clock is not None:
            record.seconds += now - self._clock
        self._clock = now if self._state.current_stage is not None else None

    def _next_round(self, stage: Stage) -> StageStart:
        rounds = self._state.stages[stage].rounds
        return StageStart(
            stage=stage, round=len(rounds), feedback=list(rounds[-1].errors) if rounds else []
        )

    def _save(self) -> None:
        self._state.updated = utc_now()
        self._writer.write_model(self.folder / "state.json", self._state)

    def _draft_file(self, stage: Stage) -> Path:
        return self.folder / "draft" / f"{stage}.json"

    def _exchange_files(self, stage: Stage, round_: int) -> list[Path]:
        return sorted((self.folder / "exchanges").glob(f"{stage}-{round_}-*.json"))

    def _lay_out(self, stage: Stage, draft: TaskDraft) -> Path:
        """Materialize into a temporary folder, then swap it in for the old one."""
        target = self.folder / "draft" / stage.value
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=TMP_DIR_PREFIX, dir=target.parent))
        try:
            materialize(draft, fresh)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        swap_in_dir(fresh, target, aside_prefix=TMP_DIR_PREFIX)
        return target

    def _count_orphan_exchanges(self) -> None:
        """Exchanges written just before a kill, whose state update never happened."""
        counted = {name for record in self._state.stages.values() for name in record.exchanges}
        orphans = [
            (path.name, _read(path, Exchange))
            for path in (self.folder / "exchanges").glob("*.json")
            if _EXCHANGE.match(path.name) and path.name not in counted
        ]
        for name, exchange in sorted(orphans, key=lambda item: item[1].at):
            record = self._state.stages[exchange.stage]
            record.exchanges.append(name)
            record.usage += exchange.usage
        if orphans:
            self._save()
