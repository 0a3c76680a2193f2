"""DMPOTrainer against TRL's DPOTrainer on the same model, reference and batch, and where its
gradients go."""

from __future__ import annotations

import json

import pytest
import torch
from datasets import Dataset
from support import training_data
from support.training_data import TOOLS, episode, preference_rows
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

from litecoder_harbor.train import preference_pairs
from litecoder_harbor.train.dmpo import DMPOConfig, DMPOTrainer, dmpo_loss, sum_by_turn

# Fixtures shared by tests/train (no conftest.py there: see support/training_data.py).
tiny_model = training_data.tiny_model

SETTINGS = {
    "report_to": "none",
    "use_cpu": True,
    "per_device_train_batch_size": 4,
    "max_length": None,
}


def models(tiny_model):
    """The policy and a reference that differs from it (a perturbed copy), so log-ratios are
    not all zero."""
    policy = AutoModelForCausalLM.from_pretrained(tiny_model)
    reference = AutoModelForCausalLM.from_pretrained(tiny_model)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(0.05 * torch.randn(parameter.shape, generator=generator))
    return policy, reference


def single_turn_pairs() -> Dataset:
    rows = []
    for task in range(4):
        good, bad = episode(task), episode(task, good=False)
        rows.append(
            {
                "prompt": good[:2],
                "chosen": good[2:3],
                "rejected": bad[2:3],
                "tools": json.dumps(TOOLS),
            }
        )
    return preference_pairs(Dataset.from_list(rows), "single-turn")


def first_batch_loss(trainer) -> torch.Tensor:
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    with torch.no_grad():
        return trainer.compute_loss(trainer.model, batch)


def test_single_turn_dmpo_equals_trl_dpo(tiny_model, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    pairs = single_turn_pairs()
    policy, reference = models(tiny_model)
    dpo = DPOTrainer(
        model=policy,
        ref_model=reference,
        args=DPOConfig(output_dir=str(tmp_path / "dpo"), **SETTINGS),
        train_dataset=pairs,
        processing_class=tokenizer,
    )
    policy, reference = models(tiny_model)
    dmpo = DMPOTrainer(
        model=policy,
        ref_model=reference,
        args=DMPOConfig(output_dir=str(tmp_path / "dmpo"), gamma=0.7, **SETTINGS),
        train_dataset=pairs,
        processing_class=tokenizer,
    )
    dpo_loss, dmpo_loss_value = first_batch_loss(dpo), first_batch_loss(dmpo)
    assert abs(dpo_loss.item() - 0.6931) > 1e-3  # the reference really differs
    assert dmpo_loss_value.item() == pytest.approx(dpo_loss.item(), rel=1e-5)


def test_gradients_reach_only_assistant_tokens(tiny_model, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    policy, reference = models(tiny_model)
    trainer = DMPOTrainer(
        model=policy,
        ref_model=reference,
        args=DMPOConfig(output_dir=str(tmp_path / "dmpo"), **SETTINGS),
        train_dataset=preference_pairs(Dataset.from_list(preference_rows(2)), "pairs"),
        processing_class=tokenizer,
    )
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    # log_probs[:, i] scores token i + 1: the same alignment the trainer uses
    turn_index, targets = batch["turn_index"][:, 1:], batch["input_ids"][:, 1:]
    per_token_logratios = torch.randn(turn_index.shape, requires_grad=True)
    turns = sum_by_turn(per_token_logratios, turn_index)
    assert [len(t) for t in turns] == [3, 3, 2, 2]  # chosen: 3 assistant turns, rejected: 2
    dmpo_loss(turns[:2], turns[2:], beta=0.1, gamma=0.7).backward()

    reached = per_token_logratios.grad != 0
    assert torch.equal(reached, turn_index >= 0)
    chosen = tokenizer.decode(targets[0][reached[0]])
    assert "<tool_call>" in chosen and chosen.endswith("Task 0 wrote: result 0.<|im_end|>\n")
    for outside in ("<tool_response>", "\nout.txt\n", "Report what task", "<tools>"):
        assert outside not in chosen
