"""The hubs DIST goes to. Harbor Hub: the exact `harbor publish` invocation for DIST, run when
Harbor has credentials (`HARBOR_API_KEY` or a `harbor auth login`), else shown with what is
missing. The HF Hub: DIST is a dataset repo as it stands (`tasks/` tree + card), pushed as one
commit."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harbor.auth.credentials import API_KEY_ENV_VAR, get_env_api_key, read_stored_credentials

from litecoder_harbor.hub import push_folder
from litecoder_harbor.publish.dataset import REGISTRY, TASKS


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


def push_to_hf_hub(out: Path, repo_id: str, *, name: str, version: str) -> str:
    """Push DIST to the HF dataset repo `repo_id` (token from `HF_TOKEN`, endpoint from
    `HF_ENDPOINT`) and return the commit URL. The local registry stays home: its task paths
    are this machine's."""
    with tempfile.TemporaryDirectory(prefix=".litecoder-push-", dir=out.parent) as view:
        repo = Path(view) / "repo"
        shutil.copytree(
            out, repo, ignore=lambda folder, _: [REGISTRY] if Path(folder) == out else []
        )
        return push_folder(repo, repo_id, message=f"{name}@{version}")
