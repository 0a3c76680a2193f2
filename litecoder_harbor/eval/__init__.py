"""Evaluation: agents and models on Terminal-Bench 1.0 / 2.0 / Pro, a local registry or our own
held-out tasks through Harbor, and reports of pass@1, pass@k and more from finished job dirs.
The public API of the eval stage.

Names load on first use (as in `litecoder_harbor.scaffolds`), so a command that fails on its
arguments answers before Harbor's agents and the model SDKs are imported.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "benchmarks": ("BENCHMARKS", "Benchmark", "benchmark"),
    "datasets": ("DatasetChoice", "load_registry"),
    "legacy": ("tb_command",),
    "plots": ("write_report",),
    "report": ("REPORT_FILE", "EvalReport", "RunReport", "build_report", "pass_at_k", "tables"),
    "run": (
        "DEFAULT_AGENT",
        "EvalSettings",
        "agent_spec",
        "check_api_base",
        "check_model",
        "evaluate_async",
    ),
    "serve": ("ServedModel", "check_checkpoint", "served"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
