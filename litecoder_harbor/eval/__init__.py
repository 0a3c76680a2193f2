"""Evaluation: agents and models on Terminal-Bench 1.0 / 2.0 / Pro, a local registry or our own
held-out tasks through Harbor, and reports of pass@1, pass@k and more from finished job dirs.
The public API of the eval stage."""

from litecoder_harbor.eval.benchmarks import BENCHMARKS, Benchmark, benchmark
from litecoder_harbor.eval.legacy import tb_command
from litecoder_harbor.eval.plots import write_report
from litecoder_harbor.eval.report import (
    REPORT_FILE,
    EvalReport,
    RunReport,
    build_report,
    pass_at_k,
    tables,
)
from litecoder_harbor.eval.run import (
    DEFAULT_AGENT,
    DatasetChoice,
    EvalSettings,
    agent_spec,
    check_api_base,
    check_model,
    evaluate_async,
)
from litecoder_harbor.eval.serve import ServedModel, check_checkpoint, served

__all__ = [
    "BENCHMARKS",
    "DEFAULT_AGENT",
    "REPORT_FILE",
    "Benchmark",
    "DatasetChoice",
    "EvalReport",
    "EvalSettings",
    "RunReport",
    "ServedModel",
    "agent_spec",
    "benchmark",
    "build_report",
    "check_api_base",
    "check_checkpoint",
    "check_model",
    "evaluate_async",
    "pass_at_k",
    "served",
    "tables",
    "tb_command",
    "write_report",
]
