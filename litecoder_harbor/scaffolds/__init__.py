"""Harbor agents for teacher collection: Harbor's Terminus-2, OpenHands and Claude Code, each
with loop detection, a turn cap, teacher model settings, a pinned version and the choice to
skip the in-container install.

Address them by import path, e.g. `harbor run -a litecoder_harbor.scaffolds:Terminus2`; their
options are in `harbor agent schema litecoder_harbor.scaffolds:Terminus2`. Classes load on
first use, so importing this package does not import every agent's dependencies.
"""

from __future__ import annotations

import importlib
from typing import Any

from harbor.utils.import_path import import_class

from litecoder_harbor.scaffolds.loops import METADATA_KEY
from litecoder_harbor.scaffolds.options import ScaffoldFacts

SCAFFOLDS = {
    "terminus-2": "litecoder_harbor.scaffolds.terminus:Terminus2",
    "openhands": "litecoder_harbor.scaffolds.openhands:OpenHands",
    "claude-code": "litecoder_harbor.scaffolds.claude_code:ClaudeCode",
}
"""Every scaffold by name, with the agent class (import path) that declares its facts."""
_CLASSES = {path.rpartition(":")[2]: path.partition(":")[0] for path in SCAFFOLDS.values()}

__all__ = [*_CLASSES, "METADATA_KEY", "SCAFFOLDS", "ScaffoldFacts", "scaffold_class"]


def scaffold_class(scaffold: str) -> type[ScaffoldFacts]:
    """The agent class of a scaffold named in `SCAFFOLDS` (imported now)."""
    return import_class(SCAFFOLDS[scaffold])


def __getattr__(name: str) -> Any:
    if name not in _CLASSES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_CLASSES[name]), name)
