"""Prove tasks by execution and attack their verifiers: the public API of the validate stage."""

from litecoder_harbor.validate.attacks import ATTACKS, AttackKind, choose_attacks, read_instruction
from litecoder_harbor.validate.engine import (
    PROBES_PER_TASK,
    judged_report,
    validate_tasks,
    validate_tasks_async,
)
from litecoder_harbor.validate.report import (
    REPORT_NAME,
    GradingMode,
    ProbeResult,
    TaskReport,
    ValidationReport,
    Verdict,
)
from litecoder_harbor.validate.static import (
    RULES,
    Finding,
    Severity,
    check_dockerfile,
    check_task,
    check_test_scripts,
)

__all__ = [
    "ATTACKS",
    "RULES",
    "Finding",
    "Severity",
    "check_dockerfile",
    "check_task",
    "check_test_scripts",
    "REPORT_NAME",
    "AttackKind",
    "GradingMode",
    "PROBES_PER_TASK",
    "ProbeResult",
    "TaskReport",
    "ValidationReport",
    "Verdict",
    "choose_attacks",
    "judged_report",
    "read_instruction",
    "validate_tasks",
    "validate_tasks_async",
]
