"""DMPO (Direct Multi-Turn Preference Optimization, Shi et al., EMNLP 2024) in TRL's two-file
pattern — `dmpo_config.py` and `dmpo_trainer.py` — with the loss's pure pieces in `loss.py`."""

from litecoder_harbor.train.dmpo.dmpo_config import DMPOConfig
from litecoder_harbor.train.dmpo.dmpo_trainer import DMPOTrainer
from litecoder_harbor.train.dmpo.loss import (
    dmpo_loss,
    sum_by_turn,
    trajectory_rewards,
    turn_weights,
)

__all__ = [
    "DMPOConfig",
    "DMPOTrainer",
    "dmpo_loss",
    "sum_by_turn",
    "trajectory_rewards",
    "turn_weights",
]
