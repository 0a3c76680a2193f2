"""Preference pairs: solved vs unsolved of one task and scaffold, capped and seeded, in the
layout TRL's DPOTrainer tokenizes and collates."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from support.harbor_jobs import terminus_trajectory, tool_trajectory, write_task, write_trial

from litecoder_harbor.curate import PREFERENCE_SCHEMA, CurateOptions, curate_preference

INSTRUCTION = "Repair the build in /app so that make succeeds."


@pytest.fixture
def jobs(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    other = write_task(tmp_path / "tasks", "lonely", "Only ever solved.")
    job = tmp_path / "jobs" / "job"
    for i in range(3):
        write_trial(
            job,
            f"build__win{i}",
            task=task,
            trajectory=terminus_trajectory(INSTRUCTION, ["make"] * (i + 1)),
        )
        write_trial(job, f"build__lose{i}", task=task, reward=0.0,
                    trajectory=terminus_trajectory(INSTRUCTION, ["ls"] * (i + 1), done=i != 0))  # fmt: skip
    write_trial(job, "build__cc-lose", task=task, reward=0.0, agent="claude-code",
                trajectory=tool_trajectory(INSTRUCTION, ["ls"]))  # other scaffold: no partner  # fmt: skip
    write_trial(
        job, "lonely__a", task=other, trajectory=terminus_trajectory("Only ever solved.", ["true"])
    )
    return tmp_path


def pairs(tmp_path, out="out", **kwargs):
    result = curate_preference(
        [tmp_path / "jobs"],
        CurateOptions(out=tmp_path / out, cache_dir=None, plots=False),
        **kwargs,
    )
    return result, pq.read_table(result.out / "data").to_pylist()


def test_pairs_are_solved_against_unsolved_of_one_task_and_scaffold_capped_and_seeded(jobs):
    result, rows = pairs(jobs, max_pairs_per_task=4, seed=1)
    assert len(rows) == 4  # 3 x 3 candidates, capped
    assert set(rows[0]) == set(PREFERENCE_SCHEMA.names)
    for row in rows:
        assert row["chosen_trial"].startswith("build__win") and row["rejected_trial"].startswith(
            "build__lose"
        )
        assert (row["chosen_reward"], row["rejected_reward"], row["scaffold"]) == (
            1.0,
            0.0,
            "terminus-2",
        )
        assert [m["role"] for m in row["prompt"]] == ["user"]
        assert row["prompt"][0]["content"].endswith("root@box:/app#\n")
        for side in ("chosen", "rejected"):
            assert row[side][0]["role"] == row[side][-1]["role"] == "assistant"
            assert row[f"{side}_turns"] == sum(m["role"] == "assistant" for m in row[side])
    assert (
        result.summary["filters"]["dropped"]["no partner"] == 2
    )  # lonely's win, the claude-code loss
    assert pairs(jobs, out="again", max_pairs_per_task=4, seed=1)[1] == rows
    assert pairs(jobs, out="other", max_pairs_per_task=4, seed=2)[1] != rows
    assert len(pairs(jobs, out="all", max_pairs_per_task=100)[1]) == 9


def test_ties_are_dropped(tmp_path):
    task = write_task(tmp_path / "tasks", "build", INSTRUCTION)
    job = tmp_path / "jobs" / "job"
    write_trial(
        job,
        "build__a",
        task=task,
        reward=1.0,
        trajectory=terminus_trajectory(INSTRUCTION, ["make"]),
    )
    write_trial(
        job, "build__b", task=task, reward=1.0, trajectory=terminus_trajectory(INSTRUCTION, ["ls"])
    )
    result = curate_preference(
        [tmp_path / "jobs"],
        CurateOptions(out=tmp_path / "o", cache_dir=None, plots=False, min_reward=0.5),
    )
    assert result.rows == 0 and result.summary["filters"]["dropped"]["no partner"] == 2


def test_rows_go_through_dpo_trainers_tokenization_and_collator(jobs, tmp_path):
    import datasets
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast
    from trl import DPOConfig, DPOTrainer

    _, rows = pairs(jobs, max_pairs_per_task=2)
    words = sorted({w for r in rows for side in ("prompt", "chosen", "rejected") for m in r[side]
                    for w in (m["role"] + " " + m["content"]).split()})  # fmt: skip
    vocab = {w: i for i, w in enumerate(["[UNK]", "[PAD]", "<end>", *words])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    template = (
        "{% for m in messages %}{{ m['role'] }} {{ m['content'] }} <end> {% endfor %}"
        "{% if add_generation_prompt %}assistant {% endif %}"
    )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                        eos_token="<end>", chat_template=template)  # fmt: skip
    config = GPT2Config(vocab_size=len(vocab), n_positions=2048, n_embd=16, n_layer=1, n_head=1,
                        bos_token_id=2, eos_token_id=2, pad_token_id=1)  # fmt: skip
    model = GPT2LMHeadModel(config)
    dataset = datasets.load_dataset(str(tmp_path / "out"), split="train")
    trainer = DPOTrainer(
        model=model,
        ref_model=GPT2LMHeadModel(model.config),
        args=DPOConfig(
            output_dir=str(tmp_path / "dpo"),
            per_device_train_batch_size=2,
            report_to=[],
            use_cpu=True,
            max_length=None,
        ),  # fmt: skip
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    batch = next(iter(trainer.get_train_dataloader()))
    assert batch["input_ids"].shape[0] == 4  # two pairs: chosen rows, then rejected rows
    assert torch.all(batch["completion_mask"].sum(dim=1) > 0)
    first = trainer.train_dataset[0]
    prompt = tokenizer.decode(first["prompt_ids"])
    assert prompt.startswith("user You are an AI assistant") and prompt.endswith("assistant")
    assert tokenizer.decode(first["chosen_ids"]).startswith('{ "analysis"')
