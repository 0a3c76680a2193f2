"""What a static rule reports: a rule id, a severity, the file and (where there is one) the line."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    rule: str
    severity: Severity
    file: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{self.severity} {self.rule} {where}: {self.message}"


RULES = {
    "harbor-load": (Severity.ERROR, "Harbor's own loaders must accept the task"),
    "unknown-config-key": (
        Severity.WARNING,
        "every task.toml key must be one Harbor reads (it ignores the rest silently)",
    ),
    "no-environment": (
        Severity.ERROR,
        "the task needs environment/Dockerfile or [environment].docker_image",
    ),
    "copy-source-missing": (
        Severity.ERROR,
        "every file a Dockerfile COPY/ADD names must exist in environment/",
    ),
    "tests-in-image": (Severity.ERROR, "tests and solution must never be copied into the image"),
    "stale-reward": (
        Severity.ERROR,
        "test.sh must delete /logs/verifier/reward.* before anything else",
    ),
    "network-at-grading": (
        Severity.ERROR,
        "grading must not download anything (apt, pip, uv, curl, ...)",
    ),
    "unpinned-dependency": (
        Severity.WARNING,
        "packages installed in the image must be pinned (pip ==, npm @version; no curl | sh)",
    ),
    "unnamed-test-path": (Severity.WARNING, "the instruction must name every path the tests read"),
    "no-solution": (
        Severity.WARNING,
        "solution/solve.sh is missing, so the oracle cannot prove the task",
    ),
    "dangling-symlink": (
        Severity.WARNING,
        "a symbolic link under tests/ or environment/ points at nothing",
    ),
    "artifact-on-path": (
        Severity.ERROR,
        "a separate verifier must not be handed the grader's own tools (PATH folders, the loader)",
    ),
    "rule-crashed": (
        Severity.ERROR,
        "a static check raised on this task: the audit could not judge it",
    ),
}


def finding(rule: str, file: str, message: str, line: int | None = None) -> Finding:
    return Finding(rule=rule, severity=RULES[rule][0], file=file, line=line, message=message)
