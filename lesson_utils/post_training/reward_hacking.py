"""Reward hacking in miniature: push notebook 06's tiny story model towards a flawed reward.

The goal is cheerful stories; the reward only counts cheerful words. A policy-gradient
loop (REINFORCE, the core of PPO) raises the probability of samples that scored above
the batch average. With a KL leash, each sample's score also loses β × (how much more
likely the policy finds it than the original model did), so drifting away costs:

    score = reward − β · Σ_t [log π(token_t) − log π_ref(token_t)]

    policy, log = optimise_against_reward(tiny_model, tokenizer, happy_word_reward, beta=0.5)
    log.reward, log.kl, log.perplexity        # one value per step
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..scratch.tiny_gpt import TinyGPT, continuation_logprobs, sample_batch

HAPPY_WORDS = frozenset({"happy", "smile", "smiled", "love", "loved", "glad", "laughed", "fun", "joy"})


def happy_word_reward(text: str) -> float:
    """How many cheerful words a text holds: "She smiled, happy and glad." -> 3.0."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return float(sum(word in HAPPY_WORDS for word in re.findall(r"[a-z]+", text.lower())))


def leashed_score(reward: torch.Tensor, logp_policy: torch.Tensor, logp_ref: torch.Tensor,
                  beta: float) -> torch.Tensor:
    """reward (n,) − β · Σ_t (log π − log π_ref) over each sample's tokens (n, L) -> (n,)."""
    return reward - beta * (logp_policy - logp_ref).sum(-1)


@dataclass
class RunLog:
    beta: float
    reward: list[float] = field(default_factory=list)       # mean reward of the step's samples
    kl: list[float] = field(default_factory=list)           # mean Σ (log π − log π_ref) per sample
    perplexity: list[float] = field(default_factory=list)   # of the samples, under the original model
    samples: dict[int, str] = field(default_factory=dict)   # step -> first sample's text


def optimise_against_reward(reference: TinyGPT, tokenizer, reward_fn: Callable[[str], float],
                            beta: float, steps: int = 40, batch: int = 24, length: int = 32,
                            lr: float = 3e-4, prompt: str = "Once upon a time", seed: int = 0,
                            sample_every: int = 10) -> tuple[TinyGPT, RunLog]:
    """REINFORCE with a KL leash of strength beta (0 = no leash) on a copy of `reference`."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta < 0:
        raise ValueError(f"beta must be a number >= 0 (0 removes the leash), got {beta!r}")
    generator = torch.Generator().manual_seed(seed)      # the only randomness: the samples drawn
    reference.eval()
    policy = copy.deepcopy(reference).train()
    optimiser = torch.optim.Adam(policy.parameters(), lr=lr)
    prompt_ids = tokenizer.encode(prompt)
    if len(prompt_ids) + length > reference.config.context:   # the log-probs need one window
        raise ValueError(f"prompt ({len(prompt_ids)} tokens) + length ({length}) exceeds the model's "
                         f"context of {reference.config.context} tokens")
    log = RunLog(beta)
    for step in range(steps + 1):
        ids = sample_batch(policy, prompt_ids, batch, length, generator)
        texts = [tokenizer.decode(row[len(prompt_ids):].tolist()) for row in ids]
        reward = torch.tensor([reward_fn(t) for t in texts])
        with torch.no_grad():
            logp_ref = continuation_logprobs(reference, ids, len(prompt_ids))
        logp = continuation_logprobs(policy, ids, len(prompt_ids))
        log.reward.append(float(reward.mean()))
        log.kl.append(float((logp.detach() - logp_ref).sum(-1).mean()))
        log.perplexity.append(math.exp(-float(logp_ref.mean())))
        if step % sample_every == 0 or step == steps:
            log.samples[step] = texts[0]
        if step == steps:
            break
        score = leashed_score(reward, logp.detach(), logp_ref, beta)
        advantage = score - score.mean()              # better or worse than this batch's average
        loss = -(advantage * logp.sum(-1)).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return policy.eval(), log
