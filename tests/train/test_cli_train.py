"""`litecoder train` as a user runs it: bad input is one `error:` line, exit code 2, before any
training starts; `tiny-model` writes a model transformers loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from support import training_data
from support.training_data import episode, sft_rows, write_dataset

# Fixtures shared by tests/train (no conftest.py there: see support/training_data.py).
sft_data = training_data.sft_data
tiny_model = training_data.tiny_model

RECIPES = Path(__file__).parents[2] / "training"


def one_error_line(proc) -> str:
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-2000:]
    return lines[0]


def sft(tiny_model, tmp_path, *args, recipe: Path = RECIPES / "sft-tiny.yaml"):
    return run_cli(
        "train", "sft", "--config", str(recipe), "--output-dir", str(tmp_path / "out"),
        f"model.name_or_path={tiny_model}", *args,
    )  # fmt: skip


def test_recipe_typo_names_the_key_and_the_fix(tmp_path):
    recipe = tmp_path / "typo.yaml"
    recipe.write_text(
        "model:\n  name_or_path: x\ntraining:\n  learning_rat: 1.0e-5\n  max_steps: 2\n"
    )
    line = one_error_line(run_cli("train", "sft", "--config", str(recipe)))
    assert "training.learning_rat: unknown field; did you mean 'learning_rate'?" in line
    recipe.write_text("model:\n  name_or_path: x\nlora:\n  rank: 8\n")
    line = one_error_line(run_cli("train", "dmpo", "--config", str(recipe)))
    assert "lora.rank: unknown field" in line and "(line 4)" in line


def test_override_typo_is_named(tmp_path):
    line = one_error_line(
        run_cli("train", "dmpo", "--config", str(RECIPES / "dmpo-tiny.yaml"), "gama=0.5")
    )
    assert "override 'gama=0.5': training.gama: unknown field; did you mean 'gamma'?" in line


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{"text": "hello"}], "no `messages` or `conversations` column (columns: text)"),
        (
            [{"messages": [{"role": "user", "content": "hi"}], "tools": "[]"}],
            "row 0: no assistant turn",
        ),
    ],
    ids=["no-conversation-column", "no-assistant-turn"],
)
def test_sft_dataset_problems(tiny_model, tmp_path, rows, expected):
    data = write_dataset(tmp_path / "data", rows)
    line = one_error_line(sft(tiny_model, tmp_path, "--dataset", str(data)))
    assert f"dataset {data}: {expected}" in line


def test_preference_dataset_without_rejected(tiny_model, tmp_path):
    messages = episode(0)
    data = write_dataset(tmp_path / "pref", [{"prompt": messages[:2], "chosen": messages[2:]}])
    proc = run_cli(
        "train", "dmpo", "--config", str(RECIPES / "dmpo-tiny.yaml"), "--dataset", str(data),
        "--output-dir", str(tmp_path / "out"), f"model.name_or_path={tiny_model}",
    )  # fmt: skip
    assert "no `rejected` column (columns: prompt, chosen)" in one_error_line(proc)


def test_max_length_shorter_than_every_prompt(tiny_model, sft_data, tmp_path):
    line = one_error_line(sft(tiny_model, tmp_path, "--dataset", str(sft_data), "max_length=16"))
    assert "training.max_length 16: every one of the 12 rows was dropped" in line
    assert not (tmp_path / "out").exists()


def test_bf16_without_a_gpu(tiny_model, sft_data, tmp_path):
    line = one_error_line(
        sft(tiny_model, tmp_path, "--dataset", str(sft_data), "bf16=true", "use_cpu=false")
    )
    assert "training.bf16: this machine has no CUDA GPU" in line


def test_resume_needs_a_checkpoint_and_checkpoints_need_resume(tiny_model, sft_data, tmp_path):
    line = one_error_line(sft(tiny_model, tmp_path, "--dataset", str(sft_data), "--resume"))
    assert "--resume:" in line and "holds no checkpoint-* folder" in line
    (tmp_path / "out" / "checkpoint-5").mkdir(parents=True)
    line = one_error_line(sft(tiny_model, tmp_path, "--dataset", str(sft_data)))
    assert "holds checkpoints of an earlier run (checkpoint-5)" in line and "--resume" in line


def test_tiny_model_command_writes_a_loadable_model(tmp_path):
    data = write_dataset(tmp_path / "data", sft_rows(2))
    proc = run_cli("train", "tiny-model", "--out", str(tmp_path / "tiny"), "--dataset", str(data))
    assert proc.returncode == 0, proc.stderr[-2000:]
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tiny")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "tiny")
    ids = tokenizer.apply_chat_template(
        episode(0)[:2], add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    out = model.generate(**ids, max_new_tokens=3, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 3 or tokenizer.eos_token_id in out[0]
    assert model.config.model_type == "qwen3" and "<|im_start|>" in tokenizer.get_vocab()
