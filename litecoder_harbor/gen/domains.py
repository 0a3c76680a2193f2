"""The ten task domains of LiteCoder-Terminal and the Docker layers their tasks share.

Every task of a domain starts its Dockerfile with the same prefix, so on one Docker host the
base image and the domain's package layer are built once and shared by all its tasks.
"""

from __future__ import annotations

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

# Debian bookworm versions, pinned so a task builds the same environment next year.
_COMMON_PACKAGES = ["python3=3.11.2-1+b1"]

DOMAIN_PACKAGES: dict[Domain, list[str]] = {domain: [] for domain in Domain}


def dockerfile_prefix(domain: Domain) -> str:
    """The shared first layers of every task Dockerfile in `domain`."""
    packages = " ".join(_COMMON_PACKAGES + DOMAIN_PACKAGES[domain])
    return (
        f"FROM {BASE_IMAGE}\n"
        "ENV DEBIAN_FRONTEND=noninteractive\n"
        f"RUN apt-get update && apt-get install -y --no-install-recommends {packages} \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "WORKDIR /app\n"
    )
