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
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypedDict

import pyarrow as pa
import pyarrow.compute as pc
import pydantic_core
from harbor.models.trajectories import Trajectory
from harbor.models.trial.paths import TrialPaths
from harbor.models.trial.result import TrialResult
from pydantic import ValidationError

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
from litecoder_harbor.llm.secrets import KEY_SHAPE_PATTERNS, scrub_key_shapes
from litecoder_harbor.scaffolds import METADATA_KEY
from litecoder_harbor.scaffolds.loops import EpisodeReport, find_loop
from litecoder_harbor.shell_commands import commands_in, real_commands

_KEY_SHAPES = "|".join(f"(?:{pattern})" for pattern in KEY_SHAPE_PATTERNS)
_JSON_KEY_SHAPES = (
    _KEY_SHAPES.replace(r"\s+", r"(?:\s|\\[ntrf])+")
    .replace(r"\s*", r"(?:\s|\\[ntrf])*")
    .replace("['\\\"]?", "\\\\?['\\\"]?")
)
"""The key shapes as they look inside JSON text (whitespace and quotes escaped): a superset of
what `scrub_key_shapes` finds in the strings themselves."""
CACHE_FORMAT = 1
"""Bumped when a record's fields or how they are computed change."""
AGENT_PREFIX = "litecoder-"
"""Our scaffolds' agent names: `litecoder-terminus-2` is the scaffold `terminus-2`."""
WORKERS = 2
BATCH = 48
"""Trials per worker task: the key-shape scan compiles its regex once per batch."""
IN_PROCESS_BELOW = 2 * BATCH
"""Fewer trials than this are read in this process: starting workers would cost more."""


class TrialRecord(TypedDict):
    """What curation knows about one trial: where it came from, how it went, its conversation
    (secrets already scrubbed) and the figures the filters and statistics use. A plain dict:
    records pass between processes and into the cache by the thousand."""

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
    return [child for child in sorted(folder.iterdir()) if _is_trial(child)]


def _is_trial(folder: Path) -> bool:
    """A trial dir as Harbor lays it out: config.json or result.json, and the `agent/` folder
    (or trial.log) Harbor makes when the trial starts; a job dir has those files too, but a
    job.log and no agent folder."""
    if not folder.is_dir() or (folder / "job.log").exists():
        return False
    has_record = (folder / "config.json").is_file() or (folder / "result.json").is_file()
    return has_record and ((folder / "agent").is_dir() or (folder / "trial.log").is_file())


def read_trials(
    trials: list[Path], settings: ReadSettings, advance: Callable[[int], None] = lambda n: None
) -> Iterator[dict[str, Any] | Skip]:
    """Each trial's record (as a dict, `TrialRecord`'s fields) or its `Skip`, in the order
    given; read in batches by `WORKERS` processes, a bounded number of batches in flight."""
    batches = [trials[i : i + BATCH] for i in range(0, len(trials), BATCH)]
    if len(trials) < IN_PROCESS_BELOW:
        for batch in batches:
            results = read_batch(batch, settings)
            advance(len(results))
            yield from results
        return
    # Workers fork from a clean server process that imported this module once: forking the
    # caller itself would copy whatever threads it runs (progress bars, Arrow's pools).
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        queued = iter(batches)
        in_flight: deque[Future] = deque(
            pool.submit(read_batch, batch, settings) for batch in islice(queued, WORKERS * 3)
        )
        while in_flight:
            results = in_flight.popleft().result()
            in_flight.extend(pool.submit(read_batch, b, settings) for b in islice(queued, 1))
            advance(len(results))
            yield from results


def read_batch(trials: list[Path], settings: ReadSettings) -> list[dict[str, Any] | Skip]:
    """Records of `trials`, from the cache where nothing they are made from changed. Key-shaped
    text is looked for in the whole batch at once (RE2 through pyarrow, at memory speed) and
    redacted with Python's `re` in the few conversations that have some."""
    read = [_read(trial, settings) for trial in trials]
    fresh = [item for item in read if isinstance(item, _Fresh)]
    if fresh:
        texts = pa.array([item.text for item in fresh], pa.large_string())
        for item, hits in zip(
            fresh, pc.count_substring_regex(texts, _JSON_KEY_SHAPES).to_pylist(), strict=True
        ):
            if hits:
                item.scrub()
        instructions = pa.array([item.fields["instruction"] for item in fresh], pa.large_string())
        for item, hits in zip(
            fresh, pc.count_substring_regex(instructions, _KEY_SHAPES).to_pylist(), strict=True
        ):
            if hits:  # kept in the cache and used for decontamination, never shown raw
                item.fields["instruction"] = scrub_key_shapes(item.fields["instruction"])[0]
    done = []
    for item in read:
        if isinstance(item, _Fresh):
            made = item.finish(settings)
            if item.cached is not None:
                atomic_write(item.cached, json.dumps(made, ensure_ascii=False))
            item = made
        done.append(item)
    return done


@dataclass
class _Fresh:
    """A trial read now: its record's fields so far, its conversation as JSON text, and the
    cache file the finished record goes to."""

    fields: dict[str, Any]
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    cached: Path | None
    secrets: int = 0
    text: str = ""

    def __post_init__(self) -> None:
        self.text = json.dumps([self.messages, self.tools], ensure_ascii=False)

    def scrub(self) -> None:
        def clean(text: str) -> str:
            text, found = scrub_key_shapes(text)
            self.secrets += found
            return text

        for message in self.messages:
            message["content"] = clean(message["content"])
            for call in message["tool_calls"]:
                call["function"]["arguments"] = clean(call["function"]["arguments"])
        self.tools = json.loads(clean(json.dumps(self.tools))) if self.tools else []
        self.text = json.dumps([self.messages, self.tools], ensure_ascii=False)

    def finish(self, settings: ReadSettings) -> TrialRecord:
        text = self.text
        commands: Counter[str] = Counter()
        for action in terminal_actions(self.messages, self.fields["scaffold"]):
            commands.update(_real_commands_in(action))
        return TrialRecord(
            **self.fields,  # type: ignore[typeddict-item]
            messages=self.messages,
            tools=self.tools,
            secrets=self.secrets,
            turns=sum(m["role"] == "assistant" for m in self.messages),
            tokens=token_counter(settings.tokenizer)(text),
            digest=hashlib.sha256(text.encode()).hexdigest(),
            commands=dict(commands),
        )


@lru_cache(maxsize=1 << 16)
def _real_commands_in(action: str) -> list[str]:
    """The tldr-known commands an action runs, in order (actions repeat: `ls`, `cd /app`)."""
    known = real_commands()
    return [command for command in commands_in(action) if command in known]


def _read(trial_dir: Path, settings: ReadSettings) -> dict[str, Any] | Skip | _Fresh:
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
    digest = key.hexdigest()
    cached = settings.cache_dir / digest[:2] / f"{digest}.json" if settings.cache_dir else None
    if cached is not None and cached.is_file():
        data = pydantic_core.from_json(cached.read_bytes())
        return Skip(**data["skip"]) if "skip" in data else data
    made = _fresh(
        trial_dir, result, trajectory_bytes, recorded, task_dir, task_toml, instruction, settings
    )
    if isinstance(made, Skip) and cached is not None:
        atomic_write(cached, json.dumps({"skip": made.__dict__}))
    if isinstance(made, _Fresh):
        made.cached = cached
    return made


def _fresh(
    trial_dir: Path,
    result: TrialResult,
    trajectory_bytes: bytes,
    recorded: Conversation | None,
    task_dir: Path | None,
    task_toml: bytes,
    instruction: bytes,
    settings: ReadSettings,
) -> _Fresh | Skip:
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
        messages = [m.model_dump() for m in recorded.messages]
        tools, source = list(recorded.tools), "recorded"
    elif trajectory is not None:
        messages, tools, source = from_trajectory(trajectory, scaffold)
    else:
        messages, tools, source = [], [], "atif"
    messages = ending_with_the_model(messages)
    looping = report.loop_reason or "looping" if report and report.looping else None
    if looping is None and trajectory is not None:
        looping = find_loop(trajectory, settings.loop_window)
    metadata = _task_metadata(task_toml)
    fields = {
        "job": trial_dir.parent.name,
        "trial": trial_dir.name,
        "trial_dir": str(trial_dir),
        "task": result.task_name,
        "task_dir": str(task_dir) if task_dir else None,
        "scaffold": scaffold,
        "model": _model_name(
            result.agent_info.model_info if result.agent_info else None, trajectory
        ),
        "domain": metadata.get("domain", "unknown"),
        "family": metadata.get("family", "unknown"),
        "difficulty": metadata.get("difficulty", "unknown"),
        "instruction": instruction.decode(errors="replace") or _first_user_turn(messages),
        "reward": _reward(result),
        "error": error,
        "looping": looping,
        "turn_cap_hit": bool(report and report.turn_cap and report.turns >= report.turn_cap),
        "source": source,
    }
    return _Fresh(fields, messages, tools, None)


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
