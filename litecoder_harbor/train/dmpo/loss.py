r"""DMPO's loss, symbol for symbol as in the paper (Shi et al., EMNLP 2024, Eq. 10):

    L = −log σ( β Σ_{t<T_w} φ(t, T_w) log[πθ(a_t^w|s_t^w) / πref(a_t^w|s_t^w)]
              − β Σ_{t<T_l} φ(t, T_l) log[πθ(a_t^l|s_t^l) / πref(a_t^l|s_t^l)] )

    φ(t, T) = γ^t (1 − γ^(T−t)) / (1 − γ^T),   and (T − t) / T for γ = 1,

with t the 0-based assistant turn, T the number of assistant turns of that trajectory and each
turn's log-ratio the sum over its tokens (as in the official code, `average_log_prob=False`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def turn_weights(num_turns: int, gamma: float) -> torch.Tensor:
    """φ(t, T) for t = 0..T−1: earlier turns weigh more; the weights sum to a length-normalised
    total, which keeps trajectories of different lengths comparable."""
    T = num_turns
    t = torch.arange(T, dtype=torch.float64)
    if gamma == 1:  # the limit γ → 1
        return ((T - t) / T).float()
    return (gamma**t * (1 - gamma ** (T - t)) / (1 - gamma**T)).float()


def trajectory_rewards(
    turn_logratios: list[torch.Tensor], beta: float, gamma: float
) -> torch.Tensor:
    """β Σ_t φ(t, T) log[πθ(a_t|s_t) / πref(a_t|s_t)] for each trajectory: DMPO's implicit reward."""
    return torch.stack(
        [beta * (turn_weights(len(r), gamma).to(r) * r).sum() for r in turn_logratios]
    )


def dmpo_loss(
    chosen_turn_logratios: list[torch.Tensor],
    rejected_turn_logratios: list[torch.Tensor],
    beta: float,
    gamma: float,
) -> torch.Tensor:
    """The mean DMPO loss of a batch. Item i of each list holds one trajectory's per-turn summed
    log-ratios log πθ/πref (a 1-D tensor of length T_w or T_l)."""
    if len(chosen_turn_logratios) != len(rejected_turn_logratios):
        raise ValueError("chosen and rejected must hold the same number of trajectories")
    chosen_rewards = trajectory_rewards(chosen_turn_logratios, beta, gamma)
    rejected_rewards = trajectory_rewards(rejected_turn_logratios, beta, gamma)
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()


def sum_by_turn(per_token_logratios: torch.Tensor, turn_index: torch.Tensor) -> list[torch.Tensor]:
    """Per-turn sums of per-token log-ratios, one 1-D tensor per row. `turn_index` gives each
    token's 0-based assistant turn and −1 for tokens outside assistant turns (prompt, user turns,
    tool results, padding), which therefore contribute nothing and receive no gradient."""
    num_turns = (turn_index.max(dim=1).values + 1).tolist()
    width = max(max(num_turns), 1)
    inside = turn_index >= 0
    sums = per_token_logratios.new_zeros(turn_index.size(0), width).scatter_add(
        1, turn_index.clamp(min=0), per_token_logratios * inside
    )
    return [row[:T] for row, T in zip(sums, num_turns, strict=True)]
