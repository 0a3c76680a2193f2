"""The domain specification: what the LLM backend synthesizes, with which models, within what budget.

A YAML file (see `examples/domains.yaml`) lists the domains to cover, each with the description
the task sampler uses as its system message and the sub-topics it draws from; the total task
count and the difficulty mix; the model behind every pipeline stage; and the budgets that bound a
run. `load_spec` reads it into a `DomainSpec` and turns any mistake into one `LitecoderError`
naming the file, the field and the line. `plan_tasks` turns a spec into task slots
deterministically, so an interrupted run resumes onto the same slots.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.llm.config import ModelConfig, check_api_base
from litecoder_harbor.llm.secrets import DEFAULT_KEY_ENV
from litecoder_harbor.shares import exact_fraction, largest_remainder, sums_to_one
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.yamlfile import load_yaml_model

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY_PREFIXES = ("sk-", "sk_", "xai-", "gsk_", "hf_", "ghp_", "github_pat_", "AIza")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class _Strict(BaseModel):
    """Unknown keys are errors: a misspelt key must not fall back to a default unnoticed."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Stage(StrEnum):
    """The LLM-backed stages of synthesis, in pipeline order."""

    SAMPLING = "sampling"  # draw a task idea for a domain, sub-topic and difficulty
    JUDGE = "judge"  # keep only feasible, clear, self-contained ideas
    REFINEMENT = "refinement"  # turn the idea into a precise instruction
    ENVIRONMENT = "environment"  # Dockerfile and input files
    SOLUTION = "solution"  # the reference solution
    VERIFIER = "verifier"  # tests, hardened against attacks
    RESOURCES = "resources"  # timeouts, cpus and memory for task.toml


def _looks_like_api_key(value: str) -> bool:
    """A pasted secret rather than a variable name: a vendor key prefix, or a long unbroken run
    of varied characters with digits or mixed case (variable names are words joined by `_`)."""
    if value.startswith(_KEY_PREFIXES):
        return True
    for run in re.split(r"[^A-Za-z0-9+/=]+", value):
        if len(run) < 20:
            continue
        counts = Counter(run).values()
        entropy = -sum(c / len(run) * math.log2(c / len(run)) for c in counts)
        mixed = any(ch.isdigit() for ch in run) or (run != run.upper() and run != run.lower())
        if entropy >= 2.5 and mixed:
            return True
    return False


class ModelPrice(_Strict):
    """What a model costs, so a run can stop at `budgets.max_total_cost_usd`."""

    input_usd_per_mtok: float = Field(ge=0, description="USD per million prompt tokens.")
    output_usd_per_mtok: float = Field(ge=0, description="USD per million completion tokens.")


class ModelRef(_Strict):
    """One model behind one or more stages. Keys are never written here, only the name of the
    environment variable that holds one: spec files get committed and shared."""

    model_config = ConfigDict(hide_input_in_errors=True)

    provider: Literal["openai", "anthropic"] = Field(
        description="API protocol; openai covers any OpenAI-compatible server (vLLM, SGLang)."
    )
    model: str = Field(min_length=1)
    api_base: str | None = Field(
        default=None, description="http(s) URL of the endpoint; default the provider's own."
    )
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the key (default per provider)."
    )
    price: ModelPrice | None = Field(
        default=None, description="Unset: the model's calls count as free against the budget."
    )
    timeout_s: float = Field(
        default=ModelConfig.model_fields["timeout_s"].default,
        gt=0,
        description="Seconds to wait for one try's answer before trying again.",
    )
    max_attempts: int = Field(
        default=ModelConfig.model_fields["max_attempts"].default,
        ge=1,
        description="Tries per request (429, 5xx, dropped connection, no answer in time).",
    )

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return None if value is None else check_api_base(value)

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _looks_like_api_key(value):
            raise ValueError(
                "this looks like an API key itself, not the name of an environment variable: "
                "put the key in the environment (export OPENAI_API_KEY=...) and write the "
                "variable's name here"
            )
        if not _ENV_NAME.match(value):
            raise ValueError(
                "must be the name of an environment variable (letters, digits and _, "
                "not starting with a digit), e.g. OPENAI_API_KEY"
            )
        return value

    @property
    def key_env(self) -> str:
        return self.api_key_env or DEFAULT_KEY_ENV[self.provider]


class StageModels(_Strict):
    """`default` serves every stage that has no entry of its own."""

    default: ModelRef
    sampling: ModelRef | None = None
    judge: ModelRef | None = None
    refinement: ModelRef | None = None
    environment: ModelRef | None = None
    solution: ModelRef | None = None
    verifier: ModelRef | None = None
    resources: ModelRef | None = None

    def for_stage(self, stage: Stage) -> ModelRef:
        return getattr(self, stage.value) or self.default


class Budgets(_Strict):
    """Hard limits on one run; a stage that would exceed one gives up on its task."""

    max_tokens_per_call: int = Field(default=8192, gt=0)
    max_total_cost_usd: float = Field(default=50.0, gt=0)
    max_repair_rounds: int = Field(
        default=3, ge=0, description="Repairs one stage may try per task after a failed check."
    )
    max_sampling_attempts: int = Field(
        default=4, gt=0, description="Ideas drawn per slot before the judge must have kept one."
    )


class DifficultyMix(_Strict):
    """Fractions of easy, medium and hard tasks."""

    easy: float = Field(ge=0, le=1)
    medium: float = Field(ge=0, le=1)
    hard: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> DifficultyMix:
        total = self.easy + self.medium + self.hard
        if not sums_to_one([self.easy, self.medium, self.hard]):
            raise ValueError(f"easy + medium + hard must sum to 1, got {total:g}")
        return self

    def fraction(self, level: Difficulty) -> float:
        return getattr(self, level.value)


DEFAULT_MIX = DifficultyMix(easy=0.2, medium=0.5, hard=0.3)
"""Close to the released LiteCoder-Terminal-RL environments (95 easy, 342 medium, 165 hard)."""


class Subtopic(_Strict):
    """One area of a domain; the sampler is told it, with the seeds and commands as examples."""

    name: str = Field(description="kebab-case; part of every slot id drawn from it.")
    description: str = Field(min_length=1)
    seeds: list[str] = Field(
        default_factory=list, description="Example task ideas, to imitate rather than copy."
    )
    commands: list[str] = Field(
        default_factory=list, description="Commands a task of this sub-topic typically needs."
    )
    prepare: bool | None = Field(
        default=None,
        description="Build the starting state by an agent working in a container instead of a "
        "written Dockerfile (unset: the domain's `prepare`).",
    )

    @field_validator("name")
    @classmethod
    def _kebab_case(cls, name: str) -> str:
        if not _SLUG.match(name):
            raise ValueError(
                f"{name!r} is not kebab-case (lowercase letters and digits joined by single "
                "hyphens, e.g. 'merge-conflicts')"
            )
        return name


class DomainEntry(_Strict):
    """One domain to cover: its share of the tasks is a `weight` (default 1) or a fixed `tasks`."""

    domain: Domain
    description: str = Field(
        min_length=1, description="The system message for task sampling in this domain."
    )
    subtopics: list[Subtopic] = Field(min_length=1)
    weight: float | None = Field(default=None, gt=0)
    tasks: int | None = Field(default=None, ge=1)
    prepare: bool = Field(
        default=False,
        description="Environment preparation for every sub-topic that does not say otherwise: "
        "an agent builds the starting state in a container, which is extracted into the task.",
    )

    @field_validator("subtopics")
    @classmethod
    def _distinct_names(cls, subtopics: list[Subtopic]) -> list[Subtopic]:
        names = [s.name for s in subtopics]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"sub-topic {name!r} is listed twice")
        return subtopics

    @model_validator(mode="after")
    def _weight_or_tasks(self) -> DomainEntry:
        if self.weight is not None and self.tasks is not None:
            raise ValueError("give either weight or tasks, not both")
        return self


class DomainSpec(_Strict):
    """A domain specification file."""

    tasks: int = Field(ge=1, description="Total tasks of a run (`--n` overrides it).")
    difficulty: DifficultyMix = DEFAULT_MIX
    models: StageModels
    budgets: Budgets = Field(default_factory=Budgets)
    domains: list[DomainEntry] = Field(min_length=1)

    @field_validator("domains")
    @classmethod
    def _each_once_and_counts_fit(
        cls, domains: list[DomainEntry], info: ValidationInfo
    ) -> list[DomainEntry]:
        first: dict[Domain, int] = {}
        for i, entry in enumerate(domains):
            if entry.domain in first:
                raise ValueError(
                    f"{entry.domain.value!r} is listed twice "
                    f"(domains[{first[entry.domain]}] and domains[{i}])"
                )
            first[entry.domain] = i
        total = info.data.get("tasks")
        if total is None:  # tasks itself is wrong, and reported as such
            return domains
        fixed = sum(e.tasks for e in domains if e.tasks is not None)
        weighted = [e.domain.value for e in domains if e.tasks is None]
        if fixed > total:
            raise ValueError(
                f"the domains' fixed task counts add up to {fixed}, over tasks: {total}"
            )
        if not weighted and fixed != total:
            raise ValueError(f"the domains' task counts add up to {fixed}, but tasks is {total}")
        if weighted and fixed == total:
            raise ValueError(
                f"the domains' fixed task counts use all {total} tasks, "
                f"leaving none for {', '.join(weighted)}"
            )
        return domains

    def prepares(self, slot: TaskSlot) -> bool:
        """Whether `slot`'s environment is prepared by an agent rather than written."""
        entry = next(e for e in self.domains if e.domain == slot.domain)
        subtopic = next(s for s in entry.subtopics if s.name == slot.subtopic)
        return entry.prepare if subtopic.prepare is None else subtopic.prepare


class TaskSlot(_Strict):
    """One task a run is to synthesize. The id names what is asked for (domain, sub-topic,
    difficulty, ordinal), so per-slot state written under it is found again on resume."""

    index: int = Field(description="Position in the plan; domains are interleaved.")
    slot_id: str
    domain: Domain
    subtopic: str
    difficulty: Difficulty


# ---------------------------------------------------------------------------------------------
# Loading: one error naming file, field and line


def load_spec(path: Path | str) -> DomainSpec:
    """Read and check a domain spec; any problem is one `LitecoderError` naming where it is."""
    return load_yaml_model(
        path,
        DomainSpec,
        what="domain spec",
        fields="tasks, models, domains, ...",
        example="a domain spec needs at least tasks, models and domains; see examples/domains.yaml",
    )


# ---------------------------------------------------------------------------------------------
# Planning: which tasks a run of n makes


def plan_tasks(spec: DomainSpec, n: int | None = None, seed: int = 0) -> list[TaskSlot]:
    """n task slots (default `spec.tasks`): domains get largest-remainder shares of n by weight
    or fixed count, difficulties follow the mix both overall and within each domain, and each
    domain's sub-topics take turns in an order drawn from `seed`. Same inputs, same slots."""
    n = spec.tasks if n is None else n
    if n < 1:
        raise LitecoderError(f"--n must be at least 1, got {n}")
    if seed < 0:
        raise LitecoderError(f"--seed must be >= 0, got {seed}")
    levels = list(Difficulty)
    per_level = largest_remainder(
        n, [exact_fraction(spec.difficulty.fraction(lv)) for lv in levels]
    )
    deck = _spread(per_level, levels)
    per_domain = largest_remainder(n, _domain_shares(spec))

    keyed: list[tuple[Fraction, int, TaskSlot]] = []
    start = 0
    for position, (entry, count) in enumerate(zip(spec.domains, per_domain, strict=True)):
        block, start = deck[start : start + count], start + count
        names = [s.name for s in entry.subtopics]
        random.Random(f"{seed}/{entry.domain.value}").shuffle(names)
        # One rotation through the sub-topics, level by level: each sub-topic gets its share
        # of the domain and of every difficulty in it.
        by_level = [k for level in levels for k in range(count) if block[k] is level]
        subtopic = {k: names[turn % len(names)] for turn, k in enumerate(by_level)}
        ordinals: Counter[tuple[str, Difficulty]] = Counter()
        for k in range(count):
            ordinal = ordinals[subtopic[k], block[k]]
            ordinals[subtopic[k], block[k]] += 1
            slot = TaskSlot(
                index=0,
                slot_id=f"{entry.domain.value}-{subtopic[k]}-{block[k].value}-{ordinal:03d}",
                domain=entry.domain,
                subtopic=subtopic[k],
                difficulty=block[k],
            )
            keyed.append((Fraction(2 * k + 1, 2 * count), position, slot))
    # Interleave the domains, so a run cut short by its budget has covered all of them.
    keyed.sort(key=lambda item: item[:2])
    return [slot.model_copy(update={"index": i}) for i, (_, _, slot) in enumerate(keyed)]


def _domain_shares(spec: DomainSpec) -> list[Fraction]:
    """A fixed count keeps its proportion of `spec.tasks`; weights share out the rest."""
    fixed = sum(e.tasks for e in spec.domains if e.tasks is not None)
    weights = sum(exact_fraction(e.weight or 1) for e in spec.domains if e.tasks is None)
    rest = Fraction(spec.tasks - fixed, spec.tasks)
    return [
        Fraction(e.tasks, spec.tasks)
        if e.tasks is not None
        else rest * exact_fraction(e.weight or 1) / weights
        for e in spec.domains
    ]


def _spread[T](counts: list[int], items: list[T]) -> list[T]:
    """Each item counts[i] times, every one spread evenly over the sequence, so that any stretch
    of it (one domain's block) holds about its share of each."""
    cards = sorted(
        (Fraction(2 * j + 1, 2 * count), i) for i, count in enumerate(counts) for j in range(count)
    )
    return [items[i] for _, i in cards]
