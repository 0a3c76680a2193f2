"""The training stage: SFT on TRL's `SFTTrainer` (LoRA or full fine-tuning) and DMPO on our
`DMPOTrainer`, driven by the YAML recipes in `training/`, plus the tiny Qwen3 that lets all of it
run offline on a CPU.

The DMPO names (`DMPOConfig`, `DMPOTrainer`, `dmpo_loss`, `turn_weights`) import torch and TRL,
so they load on first use; the rest is light enough for the command line to check a recipe in
well under a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from litecoder_harbor.train.data import load_rows, preference_pairs, sft_conversations
from litecoder_harbor.train.dmpo_run import train_dmpo
from litecoder_harbor.train.recipe import Recipe, load_recipe
from litecoder_harbor.train.run import RunResult
from litecoder_harbor.train.sft import sft_dataset, train_sft
from litecoder_harbor.train.tiny import build_tiny_model

if TYPE_CHECKING:
    from litecoder_harbor.train.dmpo import DMPOConfig, DMPOTrainer, dmpo_loss, turn_weights

_DMPO_NAMES = {"DMPOConfig", "DMPOTrainer", "dmpo_loss", "turn_weights"}


def __getattr__(name: str):
    if name in _DMPO_NAMES:
        return getattr(importlib.import_module("litecoder_harbor.train.dmpo"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DMPOConfig",
    "DMPOTrainer",
    "Recipe",
    "RunResult",
    "build_tiny_model",
    "dmpo_loss",
    "load_recipe",
    "load_rows",
    "preference_pairs",
    "sft_conversations",
    "sft_dataset",
    "train_dmpo",
    "train_sft",
    "turn_weights",
]
