"""Training recipes: the YAML files in `training/`, checked by pydantic before any weight loads.

A recipe has four sections: `model` (what to load), `dataset` (where the rows are), `lora` (the
adapter; `null` for full fine-tuning) and `training`, which takes every field of TRL's
`SFTConfig` (SFT) or of our `DMPOConfig` (DMPO) under its own name, typed as TRL types it. An
unknown key anywhere is an error naming it, with the closest known key.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.yamlfile import describe, dotted, load_yaml_model

Objective = Literal["sft", "dmpo"]


class ModelSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_or_path: str
    """A Hub id (`Qwen/Qwen3-4B-Instruct-2507`) or a folder written by `save_pretrained`."""
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    attn_implementation: str | None = None
    revision: str | None = None
    trust_remote_code: bool = False


class DatasetSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    """A dataset folder or a Hub id; `--dataset` on the command line takes precedence."""
    split: str = "train"
    scaffold_weights: dict[str, float] = Field(default_factory=dict)
    """SFT only: expected copies of each row of a scaffold per epoch (`openhands: 2.0` doubles
    OpenHands rows, `terminus-2: 0.5` keeps a seeded half); scaffolds not named keep weight 1."""


class LoraSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | Literal["all-linear"] = "all-linear"
    target_parameters: list[str] = Field(default_factory=list)
    """Parameters that are not `nn.Linear` layers, e.g. the fused experts of Qwen3-MoE
    (`mlp.experts.gate_up_proj`, `mlp.experts.down_proj`)."""
    merge: bool = True
    """Also write the base model with the adapter merged into `<output_dir>/merged` (what DMPO
    and serving load)."""


@functools.cache
def _training_section(objective: Objective) -> type[BaseModel]:
    """A pydantic model with one optional field per init field of the objective's config class,
    typed as TRL types it, so `learning_rate: 2e-5` (a string to YAML) becomes a float and a
    misspelt key is refused."""
    from litecoder_harbor.train.configs import config_class

    cls = config_class(objective)
    types = typing.get_type_hints(cls)
    fields = {
        f.name: (types[f.name] | None, None)
        for f in dataclasses.fields(cls)
        if f.init and f.name != "output_dir"
    }
    fields["output_dir"] = (str | None, None)
    return create_model(
        f"{objective.upper()}Training", __config__=ConfigDict(extra="forbid"), **fields
    )


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: ModelSection
    dataset: DatasetSection = Field(default_factory=DatasetSection)
    lora: LoraSection | None = Field(default_factory=LoraSection)
    training: dict[str, Any] = Field(default_factory=dict)
    """Validated against the objective's config fields by `load_recipe`."""


SECTIONS = ("model", "dataset", "lora", "training")
EXAMPLE = "e.g. `model: {name_or_path: Qwen/Qwen3-4B-Instruct-2507}` (see training/README.md)"


def load_recipe(path: Path | str, objective: Objective, overrides: list[str] = ()) -> Recipe:
    """Read a recipe, apply `key=value` overrides (`training.learning_rate=1e-5`, a bare
    `learning_rate=1e-5` means the same, `lora=null` switches to full fine-tuning) and check
    every field. Any mistake is one `LitecoderError` naming the file or override and the field."""
    path = Path(path)
    recipe = load_yaml_model(
        path, Recipe, what="recipe", fields=", ".join(SECTIONS), example=EXAMPLE
    )
    _check_training(recipe.training, objective, where=str(path))
    if not overrides:
        return _typed(recipe, objective)
    data = recipe.model_dump(exclude_unset=True)
    for override in overrides:
        key, value = _parse_override(override)
        _set_dotted(data, key, value, override)
        try:
            recipe = Recipe.model_validate(data)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            raise LitecoderError(
                f"override {override!r}: {dotted(error['loc'])}: {describe(Recipe, error)}"
            ) from None
        _check_training(recipe.training, objective, where=f"override {override!r}")
    return _typed(recipe, objective)


def _typed(recipe: Recipe, objective: Objective) -> Recipe:
    section = _training_section(objective).model_validate(recipe.training)
    return recipe.model_copy(update={"training": section.model_dump(exclude_unset=True)})


def _check_training(training: dict[str, Any], objective: Objective, where: str) -> None:
    section = _training_section(objective)
    try:
        section.model_validate(training)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = ("training", *error["loc"])
        raise LitecoderError(f"{where}: {dotted(loc)}: {describe(section, error)}") from None


def _parse_override(override: str) -> tuple[str, Any]:
    key, sep, text = override.partition("=")
    if not sep or not key.strip():
        raise LitecoderError(
            f"override {override!r}: expected key=value", hint="e.g. training.learning_rate=1e-5"
        )
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    return key.strip(), value


def _set_dotted(data: dict, key: str, value: Any, override: str) -> None:
    parts = key.split(".")
    if len(parts) == 1 and parts[0] not in SECTIONS:
        parts = ["training", *parts]
    elif parts[0] not in SECTIONS:
        close = difflib.get_close_matches(parts[0], SECTIONS, n=1)
        raise LitecoderError(
            f"override {override!r}: {parts[0]}: unknown section"
            + (f"; did you mean {close[0]!r}?" if close else f" (one of {', '.join(SECTIONS)})")
        )
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise LitecoderError(f"override {override!r}: {part} is not a section")
        node = child
    node[parts[-1]] = value
