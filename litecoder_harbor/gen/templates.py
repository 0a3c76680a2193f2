"""Template families: seeded procedural generators of Harbor tasks (the offline `gen` backend).

A family is one class in `task_templates/<domain>/<family>.py` with its assets (checker, data
files) in `task_templates/<domain>/assets/<family>/`. Its `generate` draws everything from the
`random.Random` it is given and returns the task content together with the ground truth, which
the checker in `tests/` compares against — recomputed by the generator, never a snapshot of the
reference solution's output. The framework adds the parts every task shares: the domain's
Dockerfile prefix, the verifier kit, task.toml metadata and resources scaled by difficulty.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from harbor.models.task.config import (
    AgentConfig,
    EnvironmentConfig,
    PackageInfo,
    TaskConfig,
    VerifierConfig,
)

from litecoder_harbor import __version__
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.tasks.conventions import (
    CHECK_COMMAND,
    RESOURCES,
    VERIFIER_KIT,
    Difficulty,
    Domain,
    Resources,
    dockerfile_prefix,
    grade_separately,
)
from litecoder_harbor.tasks.model import TaskDraft, TaskFile

TEMPLATES_PACKAGE = "litecoder_harbor.task_templates"
"""The repository's top-level task_templates/ folder: setup.py maps it to this import path."""


FileContent = str | bytes | TaskFile
"""Text, bytes, or a `TaskFile` (to mark a file executable)."""


@dataclass
class Instance:
    """What a family draws for one seed; the framework turns it into a `TaskDraft`."""

    instruction: str
    solution: str
    """Body of solution/solve.sh: the steps an agent would take, not a printed answer."""
    checker: str
    """Source of tests/check.py; it grades with `verifier_kit` against tests/expected.json."""
    expected: dict[str, Any]
    """Ground truth known to the generator; shipped only to the verifier."""
    dockerfile: str = ""
    """Dockerfile lines after the shared domain prefix (COPY of files, set-up RUNs)."""
    files: dict[str, FileContent] = field(default_factory=dict)
    """Extra files of the build context, next to the Dockerfile."""
    test_files: dict[str, FileContent] = field(default_factory=dict)
    """Extra files of tests/ (hidden inputs the checker feeds to the agent's code)."""
    solution_files: dict[str, FileContent] = field(default_factory=dict)
    """Extra files of solution/, available to solve.sh under /solution."""
    keep_agent_processes: bool = False
    """True when the checker must talk to a service the agent left running."""
    tags: list[str] = field(default_factory=list)
    result_paths: list[str] | None = None
    """Overrides the family's `result_paths` when they depend on the draw. Never a folder on
    PATH: whatever lies there would run in place of the grader's own tools."""


def _task_files(files: dict[str, FileContent]) -> dict[str, TaskFile]:
    return {
        path: content if isinstance(content, TaskFile) else TaskFile(content=content)
        for path, content in files.items()
    }


class TemplateFamily(ABC):
    """One kind of task; subclasses set the class attributes and implement `generate`."""

    name: ClassVar[str]
    domain: ClassVar[Domain]
    description: ClassVar[str]
    version: ClassVar[int] = 1
    resources: ClassVar[dict[Difficulty, Resources]] = RESOURCES
    """Timeouts and container limits per difficulty; override for heavier families."""
    idempotent: ClassVar[bool] = False
    """True when running the reference solution twice still earns reward 1; the validation
    engine then checks exactly that."""
    result_paths: ClassVar[tuple[str, ...]] = ("/app",)
    """Container paths holding everything the checker reads of the agent's work. They are
    copied out of the agent's container by the engine (not by its binaries) and graded in a
    fresh container of the clean image, so an agent that replaces the grader's tools fools
    nobody. Empty when the result is live system state (users, crontabs, services) that only
    the agent's container holds: graded there, trusting its binaries."""

    @abstractmethod
    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        """Draw one task instance; all randomness must come from `rng`."""

    @classmethod
    def asset(cls, relative: str) -> str:
        """Text of `assets/<family module>/<relative>` beside the family's module."""
        module = importlib.import_module(cls.__module__)
        path = (
            Path(module.__file__).parent / "assets" / cls.__module__.rsplit(".", 1)[-1] / relative
        )
        return path.read_text()

    def task_name(self, seed: int, difficulty: Difficulty) -> str:
        return f"{self.name}-{difficulty}-s{seed}"

    def draft(self, seed: int, difficulty: Difficulty) -> TaskDraft:
        rng = random.Random(f"{self.name}/{self.version}/{difficulty}/{seed}")
        inst = self.generate(rng, difficulty)
        name = self.task_name(seed, difficulty)
        res = self.resources[difficulty]
        tags = sorted({self.domain.value, self.name, *inst.tags})
        config = TaskConfig(
            task=PackageInfo(name=f"litecoder/{name}", description=self.description, keywords=tags),
            metadata={
                "category": self.domain.value,
                "difficulty": difficulty.value,
                "tags": tags,
                "litecoder": {
                    "backend": "template",
                    "domain": self.domain.value,
                    "family": self.name,
                    "family_version": self.version,
                    "seed": seed,
                    "generator_version": __version__,
                    "idempotent": self.idempotent,
                },
            },
            agent=AgentConfig(timeout_sec=res.agent_timeout_sec),
            verifier=VerifierConfig(timeout_sec=res.verifier_timeout_sec),
            environment=EnvironmentConfig(
                cpus=res.cpus, memory_mb=res.memory_mb, storage_mb=res.storage_mb
            ),
        )
        grade_separately(
            config, self.result_paths if inst.result_paths is None else inst.result_paths
        )
        return TaskDraft(
            name=name,
            instruction=inst.instruction,
            environment={
                "Dockerfile": TaskFile(content=dockerfile_prefix(self.domain) + inst.dockerfile),
                **_task_files(inst.files),
            },
            solution=inst.solution,
            solution_files=_task_files(inst.solution_files),
            tests={
                "check.py": TaskFile(content=inst.checker),
                "verifier_kit.py": TaskFile(content=VERIFIER_KIT.read_text()),
                "expected.json": TaskFile(
                    content=json.dumps(inst.expected, indent=2, sort_keys=True)
                ),
                **_task_files(inst.test_files),
            },
            test_command=CHECK_COMMAND,
            stop_agent_processes=not inst.keep_agent_processes,
            config=config,
        )


FAMILIES: dict[str, type[TemplateFamily]] = {}


def register(cls: type[TemplateFamily]) -> type[TemplateFamily]:
    """Class decorator adding a family to the registry under its `name`."""
    if cls.name in FAMILIES and FAMILIES[cls.name] is not cls:
        raise ValueError(f"template family {cls.name!r} is registered twice")
    FAMILIES[cls.name] = cls
    return cls


def load_families() -> dict[str, type[TemplateFamily]]:
    """Import every module under task_templates/ so their `@register` decorators run."""
    package = importlib.import_module(TEMPLATES_PACKAGE)
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{TEMPLATES_PACKAGE}."):
        if ".assets." not in module.name:  # assets (checkers, solutions) run in containers only
            importlib.import_module(module.name)
    return FAMILIES


def _choice[E: StrEnum](enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(enum)
        raise LitecoderError(f"unknown {what} {value!r}", hint=f"use one of {known}") from None


SPLITS = ("train", "test")


def select_families(
    domain: str | None = None,
    family: str | None = None,
    holdout: frozenset[str] = frozenset(),
    split: str = "train",
) -> list[type[TemplateFamily]]:
    """Families matching the filters, interleaved by domain so any prefix is domain-balanced.

    `holdout` families are kept out of the train split and are all the test split has: tasks
    for collection and training never come from a family the evaluation's test split uses.
    """
    families = load_families()
    if family is not None:
        if family not in families:
            raise LitecoderError(
                f"unknown template family {family!r}", hint=f"known: {', '.join(sorted(families))}"
            )
        chosen = [families[family]]
    else:
        chosen = sorted(families.values(), key=lambda f: f.name)
    if split not in SPLITS:
        raise LitecoderError(f"--split: unknown split {split!r}", hint="use train or test")
    if split == "test" and not holdout:
        raise LitecoderError("--split test: needs --holdout-families (the test split's families)")
    if unknown := sorted(holdout - families.keys()):
        raise LitecoderError(
            f"--holdout-families: unknown template family {unknown[0]!r}",
            hint="see `litecoder families`",
        )
    if holdout:
        chosen = [f for f in chosen if (f.name in holdout) == (split == "test")]
        if not chosen:
            raise LitecoderError(f"--split {split}: no template family left after the holdout")
    if domain not in (None, "all"):
        wanted = _choice(Domain, domain, "domain")
        chosen = [f for f in chosen if f.domain == wanted]
        if not chosen:
            raise LitecoderError(f"no template family in domain {domain!r} matches the filters")
    by_domain = [[f for f in chosen if f.domain == d] for d in Domain]
    interleaved = []
    for rank in range(max(map(len, by_domain))):
        interleaved += [fams[rank] for fams in by_domain if rank < len(fams)]
    return interleaved


def iter_template_drafts(
    n: int,
    seed: int,
    *,
    domain: str | None = None,
    family: str | None = None,
    difficulty: str | None = None,
    holdout: frozenset[str] = frozenset(),
    split: str = "train",
) -> Iterator[TaskDraft]:
    """The i-th task uses instance seed `seed + i` and families in domain-balanced rotation."""
    families = select_families(domain, family, holdout, split)
    fixed = None if difficulty is None else _choice(Difficulty, difficulty, "difficulty")
    for i in range(n):
        instance_seed = seed + i
        fam = families[instance_seed % len(families)]
        level = fixed or random.Random(instance_seed).choice(list(Difficulty))
        yield fam().draft(instance_seed, level)
