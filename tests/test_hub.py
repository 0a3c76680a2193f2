"""Dataset cards and folder pushes through the real `huggingface_hub` client, against a local
stand-in of the Hub's endpoints (the Hub itself is not reachable from the test machine)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from support.hf_hub_stub import HubStub

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.hub import check_repo_id, dataset_card

TOKEN = "hf_canary0123456789abcdef"
PUSH = (
    "import sys; from pathlib import Path; from litecoder_harbor.hub import push_folder;"
    "from litecoder_harbor.errors import LitecoderError\n"
    "try: print(push_folder(Path(sys.argv[1]), sys.argv[2], message=sys.argv[3]))\n"
    "except LitecoderError as e: sys.exit(f'error: {e}')"
)


def push(folder, repo_id, message, **env):
    """`push_folder` in a fresh process, so `HF_ENDPOINT` is read as a user's shell sets it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    return subprocess.run(
        [sys.executable, "-c", PUSH, str(folder), repo_id, message],
        env={**base, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HOME": str(folder.parent / "hf"), **env},
        capture_output=True,
        text=True,
    )


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "dataset"
    (root / "data").mkdir(parents=True)
    (root / "data" / "train.parquet").write_bytes(b"PAR1\x00binary")
    (root / "README.md").write_text(dataset_card({"license": "mit", "tags": ["terminal"]}, "# Set"))
    return root


def test_a_folder_lands_as_one_commit_and_a_second_push_updates_the_repo(folder):
    with HubStub() as hub:
        first = push(folder, "org/set", "first", HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN)
        assert first.returncode == 0, first.stderr
        (folder / "data" / "train.parquet").write_bytes(b"PAR1\x00changed")
        second = push(folder, "org/set", "second", HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN)
        assert second.returncode == 0, second.stderr
    repo = hub.repos["org/set"]
    assert repo.commits == ["first", "second"]
    assert repo.files["data/train.parquet"] == b"PAR1\x00changed"
    assert repo.files["README.md"] == (folder / "README.md").read_bytes()
    assert set(hub.tokens) == {f"Bearer {TOKEN}"} and hub.unexpected == []
    assert "/datasets/org/set/commit/" in second.stdout


def test_without_a_token_nothing_is_sent(folder):
    with HubStub() as hub:
        result = push(folder, "org/set", "m", HF_ENDPOINT=hub.url)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: --push-to-hub: no Hugging Face token (set HF_TOKEN or run `hf auth login`)"
    ]
    assert hub.tokens == []


def test_a_refusing_hub_is_one_line_without_the_token(folder):
    (folder / "README.md").write_text("---\nlicense: [unclosed\n---\n")
    with HubStub() as hub:
        result = push(folder, "org/set", "m", HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: --push-to-hub: org/set: ") and TOKEN not in line
    assert hub.repos["org/set"].files == {}


@pytest.mark.parametrize("bad", ["name", "org/", "/name", "org/na me", "a/b/c", "org/name.."])
def test_repo_ids_are_checked_before_anything_is_sent(bad):
    with pytest.raises(LitecoderError, match="--push-to-hub: .* is not a Hub repo id"):
        check_repo_id(bad)


def test_card_front_matter_round_trips():
    card = dataset_card({"license": "mit", "configs": [{"config_name": "default"}]}, "\n# T\n")
    _, front, body = card.split("---\n", 2)
    assert yaml.safe_load(front) == {"license": "mit", "configs": [{"config_name": "default"}]}
    assert body == "\n# T\n"
