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

_CLASSES = {
    "Terminus2": "litecoder_harbor.scaffolds.terminus",
    "OpenHands": "litecoder_harbor.scaffolds.openhands",
    "ClaudeCode": "litecoder_harbor.scaffolds.claude_code",
}

__all__ = list(_CLASSES)


def __getattr__(name: str) -> Any:
    if name not in _CLASSES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_CLASSES[name]), name)
