"""Harbor job dirs → SFT, preference, world-model and RL-environment datasets: the public API
of the curate stage.

Every function reads any Harbor job dir (made by `litecoder collect` or by plain `harbor run`
with any agent), filters its trials (solved, looping, turn cap, errors, duplicates, length,
secrets, benchmark contamination; each counted), and writes a Hugging Face dataset folder
(parquet under `data/`, a card, `stats.json`, plots) that `datasets.load_dataset` loads.
"""

from litecoder_harbor.curate.filters import FILTERS, Benchmark, FilterSettings
from litecoder_harbor.curate.preference import PREFERENCE_SCHEMA, curate_preference
from litecoder_harbor.curate.reading import (
    ReadSettings,
    Skip,
    TrialRecord,
    default_cache_dir,
    read_trials,
    trial_dirs,
)
from litecoder_harbor.curate.rl_envs import (
    RL_INDEX_SCHEMA,
    content_digest,
    curate_rl_envs,
    export_tasks_tree,
)
from litecoder_harbor.curate.run import CurateOptions, CurateResult
from litecoder_harbor.curate.sft import SFT_SCHEMA, curate_sft, resample_to_mix
from litecoder_harbor.curate.stats import table as stats_table
from litecoder_harbor.curate.tokens import APPROX as DEFAULT_TOKENIZER
from litecoder_harbor.curate.world_model import WORLD_MODEL_SCHEMA, curate_world_model

__all__ = [
    "DEFAULT_TOKENIZER",
    "FILTERS",
    "PREFERENCE_SCHEMA",
    "RL_INDEX_SCHEMA",
    "SFT_SCHEMA",
    "WORLD_MODEL_SCHEMA",
    "Benchmark",
    "CurateOptions",
    "CurateResult",
    "FilterSettings",
    "ReadSettings",
    "Skip",
    "TrialRecord",
    "content_digest",
    "curate_preference",
    "curate_rl_envs",
    "curate_sft",
    "resample_to_mix",
    "curate_world_model",
    "default_cache_dir",
    "export_tasks_tree",
    "read_trials",
    "stats_table",
    "trial_dirs",
]
