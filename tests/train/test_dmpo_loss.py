"""DMPO's pure pieces against values worked out by hand from the paper's formulas."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from litecoder_harbor.train.dmpo import dmpo_loss, sum_by_turn, turn_weights


def test_turn_weights_by_hand():
    # φ(t, 3) at γ = 0.5: 1·(1 − 0.125)/0.875, 0.5·(1 − 0.25)/0.875, 0.25·(1 − 0.5)/0.875
    assert turn_weights(3, 0.5).tolist() == pytest.approx([1.0, 0.375 / 0.875, 0.125 / 0.875])
    assert turn_weights(1, 0.7).tolist() == pytest.approx([1.0])


def test_turn_weights_at_gamma_one_are_the_limit():
    assert turn_weights(4, 1.0).tolist() == pytest.approx([1.0, 0.75, 0.5, 0.25])
    assert turn_weights(4, 1 - 1e-6).tolist() == pytest.approx([1.0, 0.75, 0.5, 0.25], abs=1e-5)


def test_dmpo_loss_by_hand():
    # γ = 0.5, β = 0.1. Pair 1: chosen turns (1, 2), φ = (1, 1/3): reward 0.1·(1 + 2/3);
    # rejected one turn 3: reward 0.3. Pair 2: chosen (0.5,), rejected (−1, 0, 4),
    # φ(·, 3) = (1, 3/7, 1/7): rewards 0.05 and 0.1·(−1 + 4/7).
    chosen = [torch.tensor([1.0, 2.0]), torch.tensor([0.5])]
    rejected = [torch.tensor([3.0]), torch.tensor([-1.0, 0.0, 4.0])]
    z1 = 0.1 * (1 + 2 / 3) - 0.3
    z2 = 0.05 - 0.1 * (-1 + 4 / 7)
    expected = (math.log1p(math.exp(-z1)) + math.log1p(math.exp(-z2))) / 2
    assert dmpo_loss(chosen, rejected, beta=0.1, gamma=0.5).item() == pytest.approx(expected)


def test_dmpo_loss_at_gamma_one():
    chosen, rejected = [torch.tensor([2.0, 2.0])], [torch.tensor([1.0])]
    z = 0.5 * (2.0 * 1.0 + 2.0 * 0.5) - 0.5 * 1.0  # φ(·, 2) = (1, 1/2)
    assert dmpo_loss(chosen, rejected, beta=0.5, gamma=1.0).item() == pytest.approx(
        math.log1p(math.exp(-z))
    )


def test_single_turn_is_dpo_sigmoid_loss():
    torch.manual_seed(0)
    chosen_logratios, rejected_logratios = torch.randn(6), torch.randn(6)
    dpo = -F.logsigmoid(0.1 * (chosen_logratios - rejected_logratios)).mean()
    dmpo = dmpo_loss(
        [r.reshape(1) for r in chosen_logratios],
        [r.reshape(1) for r in rejected_logratios],
        beta=0.1,
        gamma=0.7,
    )
    assert dmpo.item() == pytest.approx(dpo.item())


def test_sum_by_turn_adds_each_turns_tokens_and_nothing_else():
    per_token = torch.tensor([[1.0, 2.0, 4.0, 8.0, 16.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    turn_index = torch.tensor([[-1, 0, 0, -1, 1], [0, -1, -1, -1, -1]])
    sums = sum_by_turn(per_token, turn_index)
    assert [s.tolist() for s in sums] == [[6.0, 16.0], [1.0]]


def test_mismatched_batches_are_refused():
    with pytest.raises(ValueError, match="same number"):
        dmpo_loss([torch.tensor([1.0])], [], beta=0.1, gamma=0.7)
