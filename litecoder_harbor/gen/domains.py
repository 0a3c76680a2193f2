"""The ten task domains of LiteCoder-Terminal and the Docker layers their tasks share.

Every task of a domain starts its Dockerfile with the same prefix, so on one Docker host the
base image and the domain's package layer are built once and shared by all its tasks. Each
domain lists its packages in `task_templates/<domain>/__init__.py`, next to its families.
"""

from __future__ import annotations

import importlib
from enum import StrEnum


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
"""What every template builds on. Pulled where a registry is reachable, else made locally
(`litecoder images ensure`)."""

COMMON_APT_PACKAGES = ["python3", "tmux"]
"""In every image: checkers run on the image's own Python, so grading installs nothing; tmux is
what Terminus-2 drives, so teacher runs install nothing either (and work air-gapped).
Apt packages are not version-pinned (Harbor's task rubric: pinned apt versions vanish from
Debian's mirror at the next point release); pip packages always are."""


def domain_apt_packages(domain: Domain) -> list[str]:
    """`APT_PACKAGES` of task_templates/<domain>/__init__.py, after the common ones."""
    module = importlib.import_module(f"litecoder_harbor.task_templates.{domain.value}")
    extra = [p for p in getattr(module, "APT_PACKAGES", []) if p not in COMMON_APT_PACKAGES]
    return COMMON_APT_PACKAGES + extra


def dockerfile_prefix(domain: Domain) -> str:
    """The shared first layers of every task Dockerfile in `domain`."""
    packages = " ".join(domain_apt_packages(domain))
    return (
        f"FROM {BASE_IMAGE}\n"
        "ENV DEBIAN_FRONTEND=noninteractive\n"
        f"RUN apt-get update && apt-get install -y --no-install-recommends {packages} \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "WORKDIR /app\n"
    )
