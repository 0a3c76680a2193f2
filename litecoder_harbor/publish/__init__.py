"""Hand task sets to others: the publish gate, Harbor's dataset manifest and legacy registry,
the dataset card, Harbor Hub and the HF Hub, and the Terminal-Bench 1.0 export."""

from litecoder_harbor.publish.dataset import (
    CARD,
    MANIFEST,
    NEVER_VALIDATED,
    REGISTRY,
    TASKS,
    GateEntry,
    Published,
    check_apart,
    check_dist,
    check_name,
    check_version,
    gate,
    publish_dataset,
    registry_name,
    task_digest,
)
from litecoder_harbor.publish.hub import (
    HubOutcome,
    harbor_credentials_missing,
    harbor_publish_command,
    publish_to_harbor_hub,
    push_to_hf_hub,
)
from litecoder_harbor.publish.tb1 import export_tb1

__all__ = [
    "CARD",
    "MANIFEST",
    "NEVER_VALIDATED",
    "REGISTRY",
    "TASKS",
    "GateEntry",
    "HubOutcome",
    "Published",
    "check_apart",
    "check_dist",
    "check_name",
    "check_version",
    "export_tb1",
    "gate",
    "harbor_credentials_missing",
    "harbor_publish_command",
    "publish_dataset",
    "publish_to_harbor_hub",
    "push_to_hf_hub",
    "registry_name",
    "task_digest",
]
