"""Teacher trajectories under the scaffold mix: the public API of the collect stage."""

from litecoder_harbor.collect.plan import (
    CollectConfig,
    assign_scaffolds,
    default_config_path,
    load_collect_config,
    parse_mix,
)
from litecoder_harbor.collect.preflight import check_model_access
from litecoder_harbor.collect.recording import recorded_conversation
from litecoder_harbor.collect.run import CollectSummary, collect_async, summarize, summary_table
from litecoder_harbor.collect.scripted_teacher import (
    DOCKER_BRIDGE,
    Behaviour,
    TaskIndex,
    TeacherServer,
    open_teacher,
)

__all__ = [
    "DOCKER_BRIDGE",
    "Behaviour",
    "CollectConfig",
    "CollectSummary",
    "TaskIndex",
    "TeacherServer",
    "assign_scaffolds",
    "check_model_access",
    "collect_async",
    "default_config_path",
    "load_collect_config",
    "open_teacher",
    "parse_mix",
    "recorded_conversation",
    "summarize",
    "summary_table",
]
