"""Harbor Hub: the exact `harbor publish` invocation for DIST, run when Harbor has
credentials (`HARBOR_API_KEY` or a `harbor auth login`), else shown with what is missing."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harbor.auth.credentials import API_KEY_ENV_VAR, get_env_api_key, read_stored_credentials

from litecoder_harbor.publish.dataset import TASKS


def harbor_publish_command(out: Path, version: str) -> list[str]:
    """Tasks first (DIST/tasks, each its own package), then the dataset (DIST/dataset.toml
    pinning their digests), tagged with the version; Harbor adds `latest` itself."""
    return ["harbor", "publish", str(out / TASKS), str(out), "--tag", version]


@dataclass(frozen=True)
class HubOutcome:
    command: list[str]
    missing: str | None  # what is needed before the command can run; None: it ran
    returncode: int | None = None


def harbor_credentials_missing() -> str | None:
    """None when Harbor would find credentials; else what to provide (never the key itself)."""
    if get_env_api_key() or read_stored_credentials():
        return None
    return f"no Harbor credentials: set {API_KEY_ENV_VAR} or run `harbor auth login`"


def publish_to_harbor_hub(out: Path, version: str) -> HubOutcome:
    command = harbor_publish_command(out, version)
    missing = harbor_credentials_missing()
    if missing is None and shutil.which("harbor") is None:
        missing = "the `harbor` command is not on PATH"
    if missing is not None:
        return HubOutcome(command, missing)
    return HubOutcome(command, None, subprocess.run(command, check=False).returncode)
