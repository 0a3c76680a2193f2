"""`DMPOConfig`: TRL's `DPOConfig` plus DMPO's discount γ, with the official code's defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from trl import DPOConfig

_NOT_FOR_DMPO = {
    "loss_type": ["sigmoid"],
    "loss_weights": None,
    "ld_alpha": None,
    "use_weighting": False,
    "f_divergence_type": "reverse_kl",
    "precompute_ref_log_probs": False,
    "truncation_mode": "keep_start",
}
"""DPO options whose meaning DMPO's loss replaces, with the only value DMPO accepts: any other
value would be silently ignored, so it is refused instead."""


@dataclass
class DMPOConfig(DPOConfig):
    r"""Configuration for [`DMPOTrainer`] (Shi et al., "Direct Multi-Turn Preference Optimization
    for Language Agents", EMNLP 2024). Every `DPOConfig` field applies; `beta` keeps its meaning
    (β, the strength of the occupancy-measure constraint) and `gamma` is the discount γ of the
    turn weights φ(t, T) = γ^t (1 − γ^(T−t)) / (1 − γ^T). Defaults are the official code's:
    β = 0.1, γ = 0.7.
    """

    gamma: float = field(
        default=0.7,
        metadata={"help": "Discount γ in (0, 1] of DMPO's turn weights; 1 gives φ = (T − t)/T."},
    )

    def __post_init__(self):
        if not 0 < self.gamma <= 1:
            raise ValueError(f"gamma must lie in (0, 1], got {self.gamma}")
        for name, accepted in _NOT_FOR_DMPO.items():
            value = getattr(self, name)
            if (value if name != "loss_type" else _as_list(value)) != accepted:
                raise ValueError(f"{name}={value!r} does not apply to DMPO (only {accepted!r})")
        super().__post_init__()


def _as_list(value):
    return [value] if isinstance(value, str) else value
