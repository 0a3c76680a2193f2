"""Harbor job dirs → one record per trial, read through Harbor's own models.

Every trial is read by a pool of worker processes, in order, a few at a time, so memory holds
only what is in flight. A trial that cannot be read (no result, unfinished, malformed or
truncated JSON, an agent that writes no ATIF) is a `Skip` with its reason, never an error. Each
record is cached under a digest of what it was made from (result.json, the trajectory, the
recorded conversation, the task's task.toml and instruction, the reading settings), so curating
again after more trials were added re-reads only the new ones and gives the same rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pydantic_core
from harbor.models.trajectories import Trajectory
from harbor.models.trial.paths import TrialPaths
from harbor.models.trial.result import TrialResult
from pydantic import BaseModel, ValidationError

from litecoder_harbor.chat import Conversation
from litecoder_harbor.collect import recorded_conversation
from litecoder_harbor.curate.conversation import (
    Source,
    ending_with_the_model,
    from_trajectory,
    terminal_actions,
)
from litecoder_harbor.curate.tokens import token_counter
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write
from litecoder_harbor.llm.secrets import scrub_key_shapes
from litecoder_harbor.scaffolds import METADATA_KEY
from litecoder_harbor.scaffolds.loops import EpisodeReport, find_loop
from litecoder_harbor.shell_commands import commands_in, real_commands

CACHE_FORMAT = 1
"""Bumped when a record's fields or how they are computed change."""
AGENT_PREFIX = "litecoder-"
"""Our scaffolds' agent names: `litecoder-terminus-2` is the scaffold `terminus-2`."""
WORKERS = 2
IN_PROCESS_BELOW = 64
"""Fewer trials than this are read in this process: starting workers would cost more."""


class TrialRecord(BaseModel):
    """What curation knows about one trial: where it came from, how it went, its conversation
    (secrets already scrubbed) and the figures the filters and statistics use."""

    job: str
    trial: str
    trial_dir: str
    task: str
    task_dir: str | None
    scaffold: str
    model: str
    domain: str
    family: str
    difficulty: str
    instruction: str
    reward: float | None
    error: str | None
    looping: str | None
    turn_cap_hit: bool
    turns: int
    tokens: int
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    source: Source
    secrets: int
    digest: str
    commands: dict[str, int]


@dataclass(frozen=True)
class Skip:
    trial_dir: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ReadSettings:
    loop_window: int = 5
    tokenizer: str = "approx"
    cache_dir: Path | None = None

    def fingerprint(self) -> str:
        return json.dumps([CACHE_FORMAT, self.loop_window, self.tokenizer])


def trial_dirs(job_dirs: Iterable[Path]) -> list[Path]:
    """The trial dirs of each job dir (or of each job dir in a folder of them, as `litecoder
    collect --out` makes), sorted; a path holding no trials is an error naming it."""
    found: list[Path] = []
    for path in job_dirs:
        if not path.exists():
            raise LitecoderError(f"{path}: does not exist", hint="give a Harbor job dir")
        if not path.is_dir():
            raise LitecoderError(f"{path}: is a file, not a Harbor job dir")
        jobs = [path] if _trials_in(path) else [c for c in sorted(path.iterdir()) if _trials_in(c)]
        if not jobs:
            raise LitecoderError(
                f"{path}: not a Harbor job dir (no trial folders with config.json or result.json)",
                hint="give the folder `harbor run` or `litecoder collect` wrote",
            )
        for job in jobs:
            found += _trials_in(job)
    return sorted(dict.fromkeys(found), key=lambda p: (str(p.parent), p.name))


def _trials_in(folder: Path) -> list[Path]:
    if not folder.is_dir() or folder.name.startswith("."):
        return []
    return [
        child
        for child in sorted(folder.iterdir())
        if child.is_dir()
        and ((child / "config.json").is_file() or (child / "result.json").is_file())
    ]


def read_trials(
    trials: list[Path], settings: ReadSettings, advance: Callable[[int], None] = lambda n: None
) -> Iterator[dict[str, Any] | Skip]:
    """Each trial's record (as a dict, `TrialRecord`'s fields) or its `Skip`, in the order
    given; read by `WORKERS` processes with a bounded number of batches in flight."""
    if len(trials) < IN_PROCESS_BELOW:
        for trial in trials:
            yield read_trial(trial, settings)
            advance(1)
        return
    batch = max(1, min(32, len(trials) // (WORKERS * 8)))
    batches = [trials[i : i + batch] for i in range(0, len(trials), batch)]
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("fork")) as pool:
        in_flight: list[Future] = []
        queued = iter(batches)
        for chunk in queued:
            in_flight.append(pool.submit(_read_batch, chunk, settings))
            if len(in_flight) >= WORKERS * 4:
                break
        while in_flight:
            results = in_flight.pop(0).result()
            for chunk in queued:
                in_flight.append(pool.submit(_read_batch, chunk, settings))
                break
            advance(len(results))
            yield from results


def _read_batch(trials: list[Path], settings: ReadSettings) -> list[dict[str, Any] | Skip]:
    return [read_trial(trial, settings) for trial in trials]


def read_trial(trial_dir: Path, settings: ReadSettings) -> dict[str, Any] | Skip:
    """One trial's record, from the cache when nothing it is made from changed."""
    paths = TrialPaths(trial_dir)
    try:
        result_bytes = paths.result_path.read_bytes()
    except OSError:
        return Skip(str(trial_dir), "unfinished (no result.json)")
    trajectory_path = paths.agent_dir / "trajectory.json"
    trajectory_bytes = trajectory_path.read_bytes() if trajectory_path.is_file() else b""
    recorded = recorded_conversation(trial_dir)
    key = hashlib.sha256(settings.fingerprint().encode())
    for part in (
        result_bytes,
        trajectory_bytes,
        recorded.model_dump_json().encode() if recorded else b"",
    ):
        key.update(hashlib.sha256(part).digest())
    try:
        result = TrialResult.model_validate_json(result_bytes)
    except ValidationError as exc:
        return Skip(str(trial_dir), "malformed result.json", _first_error(exc))
    task_dir = _task_dir(result)
    task_toml, instruction = _task_files(task_dir)
    key.update(hashlib.sha256(task_toml + b"\0" + instruction).digest())
    cached = (
        settings.cache_dir / key.hexdigest()[:2] / f"{key.hexdigest()}.json"
        if settings.cache_dir
        else None
    )
    if cached is not None and cached.is_file():
        data = pydantic_core.from_json(cached.read_bytes())
        return Skip(**data["skip"]) if "skip" in data else data
    made = _make_record(
        trial_dir, result, trajectory_bytes, recorded, task_dir, task_toml, instruction, settings
    )
    if cached is not None:
        body = (
            made.model_dump_json()
            if isinstance(made, TrialRecord)
            else json.dumps({"skip": made.__dict__})
        )
        atomic_write(cached, body)
    return made.model_dump() if isinstance(made, TrialRecord) else made


def _make_record(
    trial_dir: Path,
    result: TrialResult,
    trajectory_bytes: bytes,
    recorded: Conversation | None,
    task_dir: Path | None,
    task_toml: bytes,
    instruction: bytes,
    settings: ReadSettings,
) -> TrialRecord | Skip:
    if result.finished_at is None:
        return Skip(str(trial_dir), "unfinished (no finished_at in result.json)")
    if result.step_results:
        return Skip(str(trial_dir), "multi-step trial (not curated)")
    agent = result.agent_info.name if result.agent_info else "unknown"
    meta = (result.agent_result.metadata or {}) if result.agent_result else {}
    report = EpisodeReport.model_validate(meta[METADATA_KEY]) if METADATA_KEY in meta else None
    scaffold = report.scaffold if report else agent.removeprefix(AGENT_PREFIX)
    error = result.exception_info.exception_type if result.exception_info else None
    trajectory = None
    if trajectory_bytes:
        try:
            trajectory = Trajectory.model_validate_json(trajectory_bytes)
        except ValidationError as exc:
            reason = "truncated trajectory.json" if _truncated(exc) else "malformed trajectory.json"
            return Skip(str(trial_dir), reason, _first_error(exc))
    elif error is None and recorded is None:
        return Skip(
            str(trial_dir), "no ATIF trajectory", f"agent {agent} wrote no agent/trajectory.json"
        )
    if recorded is not None:
        conversation, source = recorded, "recorded"
    elif trajectory is not None:
        conversation, source = from_trajectory(trajectory, scaffold)
    else:
        conversation, source = Conversation(messages=[]), "atif"
    conversation = ending_with_the_model(conversation)
    looping = report.loop_reason or "looping" if report and report.looping else None
    if looping is None and trajectory is not None:
        looping = find_loop(trajectory, settings.loop_window)
    messages, tools, secrets = _scrubbed(conversation)
    metadata = _task_metadata(task_toml)
    model_info = result.agent_info.model_info if result.agent_info else None
    text = json.dumps([messages, tools], ensure_ascii=False, sort_keys=True)
    commands: dict[str, int] = {}
    known = real_commands()
    for action in terminal_actions(Conversation.model_validate({"messages": messages}), scaffold):
        for command in commands_in(action):
            if command in known:
                commands[command] = commands.get(command, 0) + 1
    return TrialRecord(
        job=trial_dir.parent.name,
        trial=trial_dir.name,
        trial_dir=str(trial_dir),
        task=result.task_name,
        task_dir=str(task_dir) if task_dir else None,
        scaffold=scaffold,
        model=_model_name(model_info, trajectory),
        domain=metadata.get("domain", "unknown"),
        family=metadata.get("family", "unknown"),
        difficulty=metadata.get("difficulty", "unknown"),
        instruction=instruction.decode(errors="replace") or _first_user_turn(messages),
        reward=_reward(result),
        error=error,
        looping=looping,
        turn_cap_hit=bool(report and report.turn_cap and report.turns >= report.turn_cap),
        turns=sum(m["role"] == "assistant" for m in messages),
        tokens=token_counter(settings.tokenizer)(text),
        messages=messages,
        tools=tools,
        source=source,
        secrets=secrets,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        commands=commands,
    )


def _scrubbed(conversation: Conversation) -> tuple[list[dict], list[dict], int]:
    """The conversation as plain dicts with every key-shaped string redacted (and counted)."""
    found = 0

    def clean(text: str) -> str:
        nonlocal found
        text, n = scrub_key_shapes(text)
        found += n
        return text

    messages = []
    for message in conversation.messages:
        data = message.model_dump()
        data["content"] = clean(data["content"])
        for call in data["tool_calls"]:
            call["function"]["arguments"] = clean(call["function"]["arguments"])
        messages.append(data)
    tools = json.loads(clean(json.dumps(conversation.tools))) if conversation.tools else []
    return messages, tools, found


def _model_name(model_info, trajectory: Trajectory | None) -> str:
    """`provider/name` as LiteLLM (and `--model`) spell it."""
    if model_info is not None:
        return (
            f"{model_info.provider}/{model_info.name}" if model_info.provider else model_info.name
        )
    return (trajectory.agent.model_name or "") if trajectory else ""


def _first_user_turn(messages: list[dict]) -> str:
    return next((m["content"] for m in messages if m["role"] == "user"), "")


def _reward(result: TrialResult) -> float | None:
    rewards = result.verifier_result.rewards if result.verifier_result else None
    if not rewards:
        return None
    value = rewards.get("reward", next(iter(rewards.values())))
    return float(value) if isinstance(value, int | float) else None


def _task_dir(result: TrialResult) -> Path | None:
    path = getattr(result.config.task, "path", None) if result.config else None
    return Path(path) if path and (Path(path) / "task.toml").is_file() else None


def _task_files(task_dir: Path | None) -> tuple[bytes, bytes]:
    if task_dir is None:
        return b"", b""
    instruction = task_dir / "instruction.md"
    return (
        task_dir / "task.toml"
    ).read_bytes(), instruction.read_bytes() if instruction.is_file() else b""


def _task_metadata(task_toml: bytes) -> dict[str, str]:
    """domain, family and difficulty from `[metadata.litecoder]` (our tasks), else Harbor's
    usual `[metadata]` keys (`category`, `difficulty`) as other task sets write them."""
    try:
        metadata = tomllib.loads(task_toml.decode()).get("metadata", {}) if task_toml else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    ours = metadata.get("litecoder", {})
    found = {
        "domain": ours.get("domain") or metadata.get("category"),
        "family": ours.get("family") or metadata.get("category"),
        "difficulty": ours.get("difficulty") or metadata.get("difficulty"),
    }
    return {key: str(value) for key, value in found.items() if value}


def _truncated(exc: ValidationError) -> bool:
    return any(e["type"] == "json_invalid" and "EOF" in e["msg"] for e in exc.errors())


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(document)"
    return f"{where}: {first['msg']}"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "litecoder" / "curate"
