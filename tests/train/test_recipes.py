"""Every shipped recipe is valid for its objective, and overrides reach the fields they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.train import load_recipe

RECIPES = sorted((Path(__file__).parents[2] / "training").glob("*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=[p.name for p in RECIPES])
def test_shipped_recipe_loads(path):
    objective = "dmpo" if "dmpo" in path.name else "sft"
    recipe = load_recipe(path, objective)
    assert recipe.model.name_or_path
    assert isinstance(recipe.training["learning_rate"], float)  # "1.0e-4" typed as TRL types it
    if objective == "dmpo":
        assert (recipe.training["beta"], recipe.training["gamma"]) == (0.1, 0.7)


def test_overrides_reach_their_fields():
    recipe = load_recipe(
        RECIPES[0].parent / "qwen3-4b-sft.yaml",
        "sft",
        ["learning_rate=3e-5", "lora.r=8", "model.dtype=float32", "training.max_steps=7"],
    )
    assert recipe.training["learning_rate"] == 3e-5 and recipe.training["max_steps"] == 7
    assert recipe.lora.r == 8 and recipe.model.dtype == "float32"
    assert load_recipe(RECIPES[0].parent / "qwen3-4b-sft.yaml", "sft", ["lora=null"]).lora is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("lora.rank=8", "lora.rank: unknown field"),
        ("modle.dtype=float32", "modle: unknown section; did you mean 'model'?"),
        ("max_steps=many", "training.max_steps: input should be a valid integer"),
        ("no-equals-sign", "expected key=value"),
    ],
)
def test_bad_overrides_are_named(override, message):
    with pytest.raises(LitecoderError, match="override") as error:
        load_recipe(RECIPES[0].parent / "qwen3-4b-sft.yaml", "sft", [override])
    assert message in str(error.value)
