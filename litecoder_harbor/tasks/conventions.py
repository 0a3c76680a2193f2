"""What every task we write has in common, whichever backend wrote it.

The ten domains and three difficulties; the Docker layers a domain's tasks share (every task of
a domain starts its Dockerfile with the same prefix, so on one Docker host the base image and
the domain's package layer are built once); how a task is graded (the verifier kit and its
command); and the resources each difficulty gets. The template families and the LLM backend
both ask this module, so neither depends on the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from harbor.models.task.config import TaskConfig, VerifierEnvironmentMode


class Domain(StrEnum):
    AI_ML = "ai_ml"
    BUILD_TOOLS = "build_tools"
    DATA_SCIENCE = "data_science"
    NETWORKING = "networking"
    SECURITY = "security"
    SYSTEM_ADMIN = "system_admin"
    VERSION_CONTROL = "version_control"
    CODING = "coding"
    SCIENTIFIC_COMPUTING = "scientific_computing"
    GAMES = "games"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


BASE_IMAGE = "debian:bookworm-slim"
"""What every task builds on. Pulled where a registry is reachable, else made locally
(`litecoder images ensure`)."""

COMMON_APT_PACKAGES = ["python3", "tmux"]
"""In every image: checkers run on the image's own Python, so grading installs nothing; tmux is
what Terminus-2 drives, so teacher runs install nothing either (and work air-gapped).
Apt packages are not version-pinned (Harbor's task rubric: pinned apt versions vanish from
Debian's mirror at the next point release); pip packages always are."""

DOMAIN_APT_PACKAGES: dict[Domain, list[str]] = {
    Domain.AI_ML: ["python3-numpy", "jq", "bc", "patch", "file"],
    Domain.BUILD_TOOLS: [
        "make",
        "gcc",
        "libc6-dev",
        "cmake",
        "binutils",
        "file",
        "python3-setuptools",
        "python3-wheel",
        "python3-pip",
    ],
    Domain.DATA_SCIENCE: ["sqlite3", "jq"],
    Domain.NETWORKING: ["nginx", "curl", "iproute2", "netcat-openbsd", "procps"],
    Domain.SECURITY: ["openssl", "sudo", "acl", "procps"],
    Domain.SYSTEM_ADMIN: ["cron", "sudo", "procps", "logrotate", "acl", "gzip"],
    Domain.VERSION_CONTROL: ["git"],
    Domain.CODING: ["make", "gcc", "libc6-dev"],
    Domain.SCIENTIFIC_COMPUTING: ["python3-numpy", "bc"],
    Domain.GAMES: ["bsdextrautils"],
}
"""What each domain's tasks may use beyond the common packages (one shared layer per domain)."""


def domain_apt_packages(domain: Domain) -> list[str]:
    """The common packages, then the domain's own."""
    extra = [p for p in DOMAIN_APT_PACKAGES[domain] if p not in COMMON_APT_PACKAGES]
    return COMMON_APT_PACKAGES + extra


def dockerfile_prefix(domain: Domain) -> str:
    """The shared first layers of every task Dockerfile in `domain`.

    `STOPSIGNAL SIGKILL`: Harbor's containers idle on `sleep infinity` as PID 1, which ignores
    SIGTERM, so without it every container stop (two per trial with a separate verifier) waits
    out the engine's 10 s grace period; nothing in a task container needs a graceful stop."""
    packages = " ".join(domain_apt_packages(domain))
    return (
        f"FROM {BASE_IMAGE}\n"
        "ENV DEBIAN_FRONTEND=noninteractive\n"
        f"RUN apt-get update && apt-get install -y --no-install-recommends {packages} \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "WORKDIR /app\n"
        "STOPSIGNAL SIGKILL\n"
    )


VERIFIER_KIT = Path(__file__).with_name("verifier_kit.py")
"""Shipped as tests/verifier_kit.py in every task: checks recorded per assertion, agent code
run as nobody with a timeout."""
CHECK_COMMAND = "python3 -I -S /tests/check.py"
"""How test.sh runs a task's checker: isolated from PYTHONPATH, user site dirs and .pth files."""


GRADER_TOOLS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
                "/lib", "/lib64", "/usr/lib", "/etc/ld.so.preload", "/etc/ld.so.conf.d")  # fmt: skip
"""What the grader runs or loads: an artifact covering one of them would hand the clean
verifier container the agent's binaries (or a preloaded library) in their place."""


def covers_grader_tools(path: str) -> bool:
    folder = path.rstrip("/")
    return any(tool == folder or tool.startswith(folder + "/") for tool in GRADER_TOOLS)


def result_folders(named_paths: Iterable[str]) -> list[str]:
    """The folder of each path an instruction names (a path ending in `/` is one), where the
    agent's result can land, leaving out any that covers the grader's tools (`/etc` for
    `/etc/x.conf`, `/` for `/x`): a named output there is then missing from the separate
    verifier, and its oracle fails validation instead of the grader trusting the agent."""
    folders = (p if p.endswith("/") else p.rsplit("/", 1)[0] for p in named_paths)
    return [f.rstrip("/") for f in folders if f.rstrip("/") and not covers_grader_tools(f)]


def grade_separately(config: TaskConfig, result_paths: Iterable[str]) -> TaskConfig:
    """`config` graded in Harbor's separate verifier: a fresh container of the clean image,
    handed only `result_paths` (copied out of the agent's container by the engine, not by its
    binaries), so an agent that replaces the grader's tools fools nobody. No paths: graded in
    the agent's container, as before. Nested paths are folded into the outer one (Harbor
    refuses overlapping artifacts)."""
    paths = list(dict.fromkeys(result_paths))
    outermost = [
        p for p in paths if not any(q != p and p.startswith(q.rstrip("/") + "/") for q in paths)
    ]
    if outermost:
        config.verifier.environment_mode = VerifierEnvironmentMode.SEPARATE
        config.artifacts = outermost
    return config


@dataclass(frozen=True)
class Resources:
    agent_timeout_sec: float
    verifier_timeout_sec: float
    cpus: int
    memory_mb: int
    storage_mb: int


RESOURCES = {
    Difficulty.EASY: Resources(600, 120, 1, 1024, 4096),
    Difficulty.MEDIUM: Resources(1200, 180, 1, 2048, 8192),
    Difficulty.HARD: Resources(1800, 300, 2, 4096, 10240),
}
"""Timeouts and container limits per difficulty (a family may override them)."""
