"""The tiny Qwen3 and the SFT and preference datasets, each written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.training_data import preference_rows, sft_rows, write_dataset


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from litecoder_harbor.train import build_tiny_model

    texts = [m["content"] for row in sft_rows() for m in row["messages"]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen3", texts)


@pytest.fixture(scope="session")
def sft_data(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("sft") / "sft", sft_rows())


@pytest.fixture(scope="session")
def preference_data(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("pref") / "pref", preference_rows())
