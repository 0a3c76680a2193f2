"""The config class of each objective (imported lazily: TRL takes seconds to import)."""

from __future__ import annotations


def config_class(objective: str) -> type:
    if objective == "sft":
        from trl import SFTConfig

        return SFTConfig
    from litecoder_harbor.train.dmpo.dmpo_config import DMPOConfig

    return DMPOConfig
