"""Static checks of a Harbor task directory: what can be known without building or running it.

Each finding names a rule, a severity, the file and (where there is one) the line. The rules
target the ways published terminal tasks go wrong: task.toml settings Harbor rejects or
silently ignores, images that cannot build because a COPY source is missing, tests or
solutions baked into the image, verifiers that trust a reward file the agent could have
written, verifiers that download their toolchain at grading time, unpinned dependencies, and
instructions that never name the files the tests read.

The audit never stops at one task: a check that raises becomes a `rule-crashed` finding on
that task, and the other checks still run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from litecoder_harbor.validate.static.config import check_config, check_links
from litecoder_harbor.validate.static.findings import RULES, Finding, Severity, finding
from litecoder_harbor.validate.static.grading import check_test_scripts
from litecoder_harbor.validate.static.image import check_dockerfile
from litecoder_harbor.validate.static.instruction import check_instruction_paths

CHECKS: list[Callable[[Path], list[Finding]]] = [
    check_config,
    check_links,
    check_dockerfile,
    check_test_scripts,
    check_instruction_paths,
]


def check_task(task_dir: Path) -> list[Finding]:
    """All static findings for one task directory; never raises."""
    findings = []
    for check in CHECKS:
        try:
            findings += check(task_dir)
        except Exception as exc:  # one task's oddity must not end the audit of the rest
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            findings.append(
                finding(
                    "rule-crashed",
                    ".",
                    f"{check.__name__} raised {type(exc).__name__}: {first}",
                )
            )
    return findings


__all__ = [
    "CHECKS",
    "RULES",
    "Finding",
    "Severity",
    "check_config",
    "check_dockerfile",
    "check_instruction_paths",
    "check_links",
    "check_task",
    "check_test_scripts",
]
