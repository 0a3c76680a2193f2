"""What a flywheel run is: its options, checked before any work, and recorded in `RUN/run.json`
so a rerun into the same folder resumes that run and never mixes in another's."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import atomic_write

RUN_FILE = "run.json"
TINY = "tiny"
"""`--base-model tiny`: the training stage builds the tiny offline Qwen3 and starts from it."""

SCRIPTED_TEACHER = "openai/teacher"
"""The teacher when no --model is given: `litecoder teacher serve`'s stand-in, served locally."""


class FlywheelOptions(BaseModel):
    """Every choice that changes what a run produces (so all of them go into run.json)."""

    n: int = Field(6, description="--n")
    n_test: int = Field(2, description="--n-test")
    seed: int = Field(0, description="--seed")
    k: int = Field(2, description="-k")
    difficulty: str = Field("easy", description="--difficulty")
    holdout_families: list[str] = Field(
        ["sales-rollup", "cmake-repair"], description="--holdout-families"
    )
    model: str | None = Field(None, description="--model")
    api_base: str | None = Field(None, description="--api-base")
    claude_code_domain: str | None = Field("data_science", description="--claude-code-domain")
    base_model: str = Field(TINY, description="--base-model")
    sft_recipe: Path = Field(Path("training/sft-tiny.yaml"), description="--sft-recipe")
    dmpo_recipe: Path = Field(Path("training/dmpo-tiny.yaml"), description="--dmpo-recipe")
    train_overrides: list[str] = Field([], description="--train-override")
    benchmark: str | None = Field(None, description="--benchmark")
    eval_k: int = Field(2, description="--eval-k")
    eval_max_turns: int = Field(2, description="--eval-max-turns")
    eval_agent_timeout_sec: float | None = Field(60.0, description="--eval-agent-timeout-sec")
    n_concurrent: int = Field(4, description="--n-concurrent")

    @property
    def scripted_teacher(self) -> bool:
        return self.model is None

    def check(self) -> None:
        """What the stages would otherwise only find out after earlier stages ran."""
        if self.api_base is not None and self.model is None:
            raise LitecoderError(
                "--api-base: given without --model", hint="name the model served there"
            )
        if self.benchmark is None and not self.holdout_families:
            raise LitecoderError(
                "--holdout-families: empty, so there is nothing held out to evaluate on",
                hint="name at least one family, or evaluate on --benchmark",
            )
        for recipe, option in (
            (self.sft_recipe, "--sft-recipe"),
            (self.dmpo_recipe, "--dmpo-recipe"),
        ):
            if not recipe.is_file():
                raise LitecoderError(
                    f"{option} {recipe}: no such file",
                    hint="run from the repository's top folder, or give the recipe's path",
                )


def check_same_run(run_dir: Path, options: FlywheelOptions) -> None:
    """A RUN folder made with other options is refused, naming the first option that differs;
    a new folder gets run.json (the same options resume the run)."""
    path = run_dir / RUN_FILE
    if run_dir.exists() and not path.exists() and any(run_dir.iterdir()):
        raise LitecoderError(
            f"--out {run_dir}: not empty and not a flywheel run (no {RUN_FILE})",
            hint="give a new or empty folder",
        )
    mine = json.loads(options.model_dump_json())
    if path.exists():
        try:
            recorded = json.loads(path.read_text())
            if not isinstance(recorded, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise LitecoderError(
                f"{path}: unreadable ({exc})", hint="give a new --out, or remove the folder"
            ) from None
        for name, field in FlywheelOptions.model_fields.items():
            if recorded.get(name) != mine[name]:
                option = field.description
                raise LitecoderError(
                    f"--out {run_dir}: made with {option} {_shown(recorded.get(name))}, "
                    f"not {_shown(mine[name])}",
                    hint=f"rerun with the run's {option}, or give a new --out",
                )
        return
    atomic_write(path, json.dumps(mine, indent=2) + "\n")


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "(none)"
    return "(none)" if value is None else str(value)
