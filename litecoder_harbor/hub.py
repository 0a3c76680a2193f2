"""Hugging Face Hub dataset repos: the card every dataset folder carries and the push of a
folder, shared by the stages that hand data to others (curated datasets, published task sets).

The push is `huggingface_hub`'s own client: the token comes from `HF_TOKEN` or `hf auth login`,
the endpoint from `HF_ENDPOINT`, so a mirror or a local stand-in works unchanged. The whole
folder lands as ONE commit, so a reader of the repo never sees half a dataset.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.llm.secrets import scrub_server_text

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def check_repo_id(repo_id: str, option: str = "--push-to-hub") -> str:
    """`org/name` as the Hub spells repo ids, or one line naming the option."""
    if not REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".", "-")):
        raise LitecoderError(
            f"{option}: {repo_id!r} is not a Hub repo id", hint="write it as org/name"
        )
    return repo_id


def dataset_card(front_matter: dict[str, Any], body: str) -> str:
    """A dataset card: YAML front matter (configs, features, license, tags …) then markdown."""
    header = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n\n{body.strip()}\n"


def push_folder(folder: Path, repo_id: str, *, message: str, private: bool = False) -> str:
    """Create the dataset repo if needed and commit every file under `folder` to it; returns
    the commit's URL."""
    from huggingface_hub import CommitOperationAdd, HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    check_repo_id(repo_id)
    if get_token() is None:
        raise LitecoderError(
            "--push-to-hub: no Hugging Face token", hint="set HF_TOKEN or run `hf auth login`"
        )
    files = sorted(path for path in Path(folder).rglob("*") if path.is_file())
    operations = [
        CommitOperationAdd(path_in_repo=path.relative_to(folder).as_posix(), path_or_fileobj=path)
        for path in files
    ]
    api = HfApi()
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.create_commit(repo_id, operations, commit_message=message, repo_type="dataset")
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise LitecoderError(f"--push-to-hub: {repo_id}: {_first_lines(exc)}") from None
    return commit.commit_url


def _first_lines(exc: Exception) -> str:
    """What the Hub said, on one line and without the token: the first line, plus the first
    listed reason when the client lists them (an invalid card's YAML error)."""
    said = scrub_server_text(str(exc), [("HF_TOKEN", os.environ.get("HF_TOKEN", ""))])
    lines = [line.strip() for line in said.strip().splitlines()] or [type(exc).__name__]
    reasons = [line for line in lines[1:] if line.startswith("- ")]
    return " ".join(lines[:1] + reasons[:1])
