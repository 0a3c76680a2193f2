"""The collection plan: the scaffold config file, the mix, and which scaffold runs which
(task, attempt) — decided before anything runs, from a seed, so a rerun makes the same plan."""

from __future__ import annotations

import importlib.resources
import random
from pathlib import Path
from typing import Any, Literal

from harbor.models.task.task import Task
from harbor.models.trial.config import EnvironmentConfig as TrialEnvironmentConfig
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.scaffolds import SCAFFOLDS, scaffold_class
from litecoder_harbor.shares import exact_fraction, largest_remainder, sums_to_one
from litecoder_harbor.yamlfile import load_yaml_model

_CHOSEN_BY_COMMAND = {"type", "import_path", "kwargs", "suppress_override_warnings"}
"""Environment fields `collect --env` sets for every scaffold alike."""

ScaffoldName = Literal[tuple(SCAFFOLDS)]


def default_config_path() -> Path:
    """`scaffolds/teacher.yaml`, shipped inside the package (setup.py maps the repository's
    top-level scaffolds/ folder to `litecoder_harbor.scaffold_configs`)."""
    return (
        Path(str(importlib.resources.files("litecoder_harbor.scaffold_configs"))) / "teacher.yaml"
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaffoldSettings(_Strict):
    agent: str = Field(pattern=r"^[\w.]+:\w+$", description="Harbor agent import path.")
    model: str | None = Field(default=None, description="Overrides --model for this scaffold.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="The agent's options.")
    environment: dict[str, Any] = Field(
        default_factory=dict,
        description="Harbor's run-time environment settings for this scaffold's trials, e.g. "
        "override_cpus or memory_enforcement_policy.",
    )
    min_memory_mb: int | None = Field(
        default=None,
        gt=0,
        description="Memory floor for an agent that runs inside the task container: its trials "
        "get this much, or the most any of its tasks asks for if that is more. Default: the "
        "floor the scaffold's class declares (MIN_MEMORY_MB; OpenHands: 4096).",
    )

    @field_validator("environment")
    @classmethod
    def _environment_settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        allowed = set(TrialEnvironmentConfig.model_fields) - _CHOSEN_BY_COMMAND
        for key in settings:
            if key not in allowed:
                choices = ", ".join(sorted(allowed))
                raise ValueError(f"{key!r} is not a Harbor environment setting here; use {choices}")
        TrialEnvironmentConfig.model_validate(settings)
        return settings

    @model_validator(mode="after")
    def _one_memory_setting(self) -> ScaffoldSettings:
        if self.min_memory_mb is not None and "override_memory_mb" in self.environment:
            raise ValueError(
                "min_memory_mb and environment.override_memory_mb both set the trials' memory; "
                "keep one"
            )
        return self

    def environment_settings(self, scaffold: str, task_dirs: list[Path]) -> dict[str, Any]:
        """Harbor's environment settings for this scaffold's job. Harbor gives every trial of a
        job one memory, so a floor becomes the larger of it and the most any task asks for: no
        task runs with less than its task.toml says (one that sets no limit gets that memory)."""
        floor = self.min_memory_mb
        if floor is None and "override_memory_mb" not in self.environment:
            floor = scaffold_class(scaffold).MIN_MEMORY_MB
        if floor is None:
            return self.environment
        asked = max(Task(d).config.environment.memory_mb or 0 for d in set(task_dirs))
        return {**self.environment, "override_memory_mb": max(floor, asked)}


class CollectConfig(_Strict):
    mix: dict[ScaffoldName, float]
    seed: int = Field(default=0, ge=0)
    scaffolds: dict[ScaffoldName, ScaffoldSettings]

    @field_validator("mix")
    @classmethod
    def _weights(cls, mix: dict[str, float]) -> dict[str, float]:
        return check_mix(mix)

    def with_mix(self, mix: dict[str, float]) -> CollectConfig:
        return self.model_copy(update={"mix": check_mix(mix)})

    def settings(self, scaffold: str) -> ScaffoldSettings:
        if scaffold not in self.scaffolds:
            raise LitecoderError(
                f"scaffold {scaffold!r} is in the mix but has no settings",
                hint=f"add scaffolds.{scaffold} (agent and kwargs) to the scaffold config",
            )
        return self.scaffolds[scaffold]


def check_mix(mix: dict[str, float]) -> dict[str, float]:
    for name, weight in mix.items():
        if not 0 <= weight <= 1:
            raise ValueError(f"the weight of {name} must be between 0 and 1, got {weight:g}")
    if not sums_to_one(list(mix.values())):
        raise ValueError(f"the weights must sum to 1, got {sum(mix.values()):g}")
    return mix


def load_collect_config(
    path: Path | str | None = None, *, mix: str | None = None, seed: int | None = None
) -> CollectConfig:
    """The scaffold config at `path` (default: the shipped one), with a `--mix` text and a
    seed overriding its own when given."""
    config = load_yaml_model(
        path or default_config_path(),
        CollectConfig,
        what="scaffold config",
        fields="mix, seed, scaffolds",
        example="see scaffolds/teacher.yaml",
    )
    if mix is not None:
        config = config.with_mix(parse_mix(mix))
    if seed is not None:
        config = config.model_copy(update={"seed": seed})
    return config


def parse_mix(text: str) -> dict[str, float]:
    """`terminus-2=0.866,openhands=0.071,claude-code=0.063` -> weights, checked."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise LitecoderError(f"--mix: {part!r} is not name=weight")
        if name not in SCAFFOLDS:
            raise LitecoderError(
                f"--mix: unknown scaffold {name!r}", hint=f"use {', '.join(SCAFFOLDS)}"
            )
        if name in mix:
            raise LitecoderError(f"--mix: {name} is given twice")
        try:
            mix[name] = float(value)
        except ValueError:
            raise LitecoderError(
                f"--mix: the weight of {name} is not a number: {value!r}"
            ) from None
    if not mix:
        raise LitecoderError("--mix is empty", hint="e.g. terminus-2=0.9,openhands=0.1")
    try:
        return check_mix(mix)
    except ValueError as exc:
        raise LitecoderError(f"--mix: {exc}") from None


class PlannedTrial(BaseModel):
    task_dir: Path
    attempt: int
    scaffold: str


def assign_scaffolds(
    task_dirs: list[Path], k: int, mix: dict[str, float], seed: int
) -> list[PlannedTrial]:
    """Every task k times; each scaffold gets its largest-remainder share of the trials, dealt
    to (task, attempt) pairs in an order shuffled by `seed`."""
    pairs = [(task, attempt) for task in sorted(task_dirs) for attempt in range(k)]
    names = [name for name in SCAFFOLDS if mix.get(name, 0) > 0]
    counts = largest_remainder(len(pairs), [exact_fraction(mix[name]) for name in names])
    deck = [name for name, count in zip(names, counts, strict=True) for _ in range(count)]
    random.Random(seed).shuffle(deck)
    return [
        PlannedTrial(task_dir=task, attempt=attempt, scaffold=scaffold)
        for (task, attempt), scaffold in zip(pairs, deck, strict=True)
    ]
