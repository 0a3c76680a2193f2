"""Real training runs of the shipped tiny recipes on the tiny Qwen3 (CPU, seconds): SFT's loss
falls, what max_length cuts is reported, the LoRA adapter and the merged model reload to the
same function, a run resumes from its checkpoint, and DMPO widens the reward margin."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from support import training_data
from support.training_data import episode, sft_rows, write_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

from litecoder_harbor.train import load_recipe, train_dmpo, train_sft

# Fixtures shared by tests/train (no conftest.py there: see support/training_data.py).
preference_data = training_data.preference_data
tiny_model = training_data.tiny_model

RECIPES = Path(__file__).parents[2] / "training"
FAST = ["max_steps=12", "logging_steps=2", "save_steps=12", "per_device_train_batch_size=4"]


def long_prompt_row() -> dict:
    """A row whose user message alone is longer than the runs' max_length."""
    row = sft_rows(1)[0]
    messages = episode(0)
    messages[1] = {"role": "user", "content": " ".join(f"word{i}" for i in range(400))}
    return row | {"messages": messages, "conversations": []}


@pytest.fixture(scope="module")
def sft_run(tiny_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sft-run")
    data = write_dataset(folder / "data", [*sft_rows(12), long_prompt_row()])
    path = RECIPES / "sft-tiny.yaml"
    recipe = load_recipe(path, "sft", [f"model.name_or_path={tiny_model}", "max_length=400", *FAST])
    lines: list[str] = []
    result = train_sft(recipe, path, dataset=str(data), output_dir=folder / "out", log=lines.append)
    return result, lines, recipe, path, data


def test_sft_loss_falls(sft_run):
    result, *_ = sft_run
    losses = [entry["loss"] for entry in result.log_history if "loss" in entry]
    assert len(losses) >= 5
    assert losses[-1] < losses[0] - 0.1


def test_sft_reports_what_max_length_cut(sft_run):
    result, lines, *_ = sft_run
    assert (result.rows, result.truncated, result.dropped) == (13, 1, 1)
    assert lines == [
        "max_length 400: 1 of 13 rows truncated, 1 dropped (prompt alone fills max_length)"
    ]


def test_adapter_and_merged_model_reload_to_the_same_function(sft_run, tiny_model):
    from peft import PeftModel

    result, *_ = sft_run
    tokenizer = AutoTokenizer.from_pretrained(result.merged_dir)
    ids = tokenizer.apply_chat_template(episode(1), return_tensors="pt", return_dict=True)[
        "input_ids"
    ]
    adapted = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_model), result.model_dir
    )
    merged = AutoModelForCausalLM.from_pretrained(result.merged_dir)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    with torch.no_grad():
        adapted_logits, merged_logits = adapted(ids).logits, merged(ids).logits
        base_logits = base(ids).logits
    assert torch.allclose(adapted_logits, merged_logits, atol=1e-4)
    assert not torch.allclose(base_logits, merged_logits, atol=1e-2)  # training changed it


def test_sft_resumes_from_its_checkpoint(sft_run, tiny_model):
    result, _, _, path, data = sft_run
    assert (result.output_dir / "checkpoint-12").is_dir()
    more = load_recipe(
        path, "sft", [f"model.name_or_path={tiny_model}", "max_length=400", *FAST, "max_steps=14"]
    )
    resumed = train_sft(
        more, path, dataset=str(data), output_dir=result.output_dir, resume=True, log=lambda _: None
    )
    steps = [entry["step"] for entry in resumed.log_history if "loss" in entry]
    assert steps[-1] == 14
    assert [s for s in steps if s <= 12] == [e["step"] for e in result.log_history if "loss" in e]


def test_dmpo_widens_the_reward_margin(tiny_model, preference_data, tmp_path):
    path = RECIPES / "dmpo-tiny.yaml"
    recipe = load_recipe(path, "dmpo", [f"model.name_or_path={tiny_model}", *FAST])
    result = train_dmpo(
        recipe, path, dataset=str(preference_data), output_dir=tmp_path / "out", log=print
    )
    margins = [
        entry["rewards/margins"] for entry in result.log_history if "rewards/margins" in entry
    ]
    assert len(margins) >= 5
    assert margins[-1] > margins[0] + 0.1
    assert (result.model_dir / "adapter_model.safetensors").is_file()
    assert AutoModelForCausalLM.from_pretrained(result.merged_dir) is not None
