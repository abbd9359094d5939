"""A reward model: one number for how much a person would like an answer, learned from pairs.

Bradley–Terry: if answers A and B have rewards r_A and r_B, a person prefers A with
probability σ(r_A − r_B) = 1 / (1 + e^−(r_A − r_B)). Training makes that probability
high for the answers people actually chose.

    head = RewardHead.fit(features, chosen, rejected)   # features (N, D) from frozen_pass
    head(features)                                       # (N,) one reward per answer
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .sequences import chat_sequence, frozen_pass


def preference_probability(reward_a, reward_b):
    """P(a person prefers A over B) = σ(r_A − r_B); works on numbers and on tensors.

    Example: rewards 2.0 and 1.0 -> σ(1) = 0.731; equal rewards -> 0.5.
    """
    if isinstance(reward_a, torch.Tensor) or isinstance(reward_b, torch.Tensor):
        return torch.sigmoid(torch.as_tensor(reward_a) - torch.as_tensor(reward_b))
    d = float(reward_a) - float(reward_b)
    return 1 / (1 + math.exp(-d)) if d >= 0 else math.exp(d) / (1 + math.exp(d))   # no overflow either way


def bradley_terry_loss(reward_chosen: torch.Tensor, reward_rejected: torch.Tensor) -> torch.Tensor:
    """Mean −log σ(r_chosen − r_rejected): small when chosen answers get the higher rewards."""
    return -F.logsigmoid(reward_chosen - reward_rejected).mean()


@dataclass
class FitLog:
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)


class RewardHead(nn.Module):
    """reward = w · standardised(features) + b, on the frozen language model's features (D,)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.linear = nn.Linear(len(mean), 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(N, D) features -> (N,) rewards."""
        if features.dim() != 2 or features.shape[1] != len(self.mean):
            raise ValueError(f"features must have shape (answers, {len(self.mean)}), "
                             f"got {tuple(features.shape)}")
        return self.linear((features - self.mean) / self.std)[:, 0]

    @classmethod
    def fit(cls, features: torch.Tensor, chosen: torch.Tensor, rejected: torch.Tensor,
            test: tuple[torch.Tensor, torch.Tensor] | None = None, steps: int = 300,
            lr: float = 0.01, weight_decay: float = 0.01) -> tuple[RewardHead, FitLog]:
        """Train on pairs: chosen[i] and rejected[i] index rows of features (N, D).

        test: optional (chosen, rejected) index tensors of held-out pairs, logged each step.
        weight_decay: a penalty on large weights; with 576 weights and ~100 pairs the head
        could otherwise learn the training pairs by heart.
        """
        if len(chosen) != len(rejected) or len(chosen) == 0:
            raise ValueError("chosen and rejected must be index tensors of the same, non-zero length")
        features = features.float()
        seen = features[torch.cat([chosen, rejected]).unique()]     # training answers only
        head = cls(seen.mean(0), seen.std(0) + 1e-6)
        optimiser = torch.optim.Adam(head.parameters(), lr=lr)
        log = FitLog()
        for step in range(steps + 1):
            rewards = head(features)
            loss = bradley_terry_loss(rewards[chosen], rewards[rejected])
            if step % 10 == 0 or step == steps:
                log.steps.append(step)
                log.train_loss.append(float(loss.detach()))
                if test is not None:
                    with torch.no_grad():
                        log.test_loss.append(float(bradley_terry_loss(rewards[test[0]], rewards[test[1]])))
            if step == steps:
                break
            penalty = weight_decay * head.linear.weight.pow(2).sum()
            optimiser.zero_grad()
            (loss + penalty).backward()
            optimiser.step()
        return head.eval(), log


def pair_accuracy(rewards: torch.Tensor, chosen: torch.Tensor, rejected: torch.Tensor) -> float:
    """Share of pairs in which the chosen answer got the higher reward."""
    return float((rewards[chosen] > rewards[rejected]).float().mean())


def score_answers(chat_model, head: RewardHead, prompts, answers, finished=True) -> torch.Tensor:
    """Rewards (N,) of N answers; prompts: one question for all, or one per answer;
    finished: one bool for all, or one per answer (False: cut off, no <|im_end|>)."""
    if isinstance(answers, str):
        raise TypeError("answers must be a list of strings; for one answer write [answer]")
    questions = [prompts] * len(answers) if isinstance(prompts, str) else list(prompts)
    flags = [finished] * len(answers) if isinstance(finished, bool) else list(finished)
    if not len(questions) == len(flags) == len(answers):
        raise ValueError(f"got {len(answers)} answers, {len(questions)} prompts and "
                         f"{len(flags)} finished flags")
    sequences = [chat_sequence(chat_model, q, a, f)
                 for q, a, f in zip(questions, answers, flags, strict=True)]
    last = chat_model.model.config.n_layers - 1
    return head(frozen_pass(chat_model.model, sequences, start_layer=last).features)
