"""Direct preference optimisation (DPO): move the model towards the chosen answers, on a leash.

For a pair (chosen c, rejected r) of answers to one prompt, with the policy π being trained
and the frozen reference model π_ref it started from:

    margin = β · [ (log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r)) ]
    loss   = −log σ(margin)

The loss falls when the policy raises the chosen answer's probability more than the
rejected one's, *compared with where it started*; β sets how far it pays to move.

    policy = trainable_copy(model, n_layers=4)         # only the last 4 blocks learn
    lp = policy_logprobs(policy, frozen, indices, sequences)
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..llm.model import Transformer
from .sequences import ChatSequence, FrozenPass, answer_logprobs, pad_right


def dpo_loss(policy_chosen: torch.Tensor, policy_rejected: torch.Tensor, ref_chosen: torch.Tensor,
             ref_rejected: torch.Tensor, beta: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean DPO loss over a batch of pairs, and each pair's margin (B,).

    All four inputs are (B,) summed log-probabilities of whole answers.
    Example: policy (−10, −12), reference (−11, −11), β = 0.1 -> margin 0.2, loss 0.598.
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta <= 0:
        raise ValueError(f"beta must be a number > 0 (0.1 is usual), got {beta!r}")
    shapes = {tuple(t.shape) for t in (policy_chosen, policy_rejected, ref_chosen, ref_rejected)}
    if len(shapes) != 1:
        raise ValueError(f"the four log-probability tensors must have one shape, got {sorted(shapes)}")
    margin = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
    return -F.logsigmoid(margin).mean(), margin


def trainable_copy(model: Transformer, n_layers: int) -> Transformer:
    """A policy that shares the model's frozen parts and has its own copy of the last n_layers blocks.

    Only the copied blocks can learn. Everything else (embedding, lower blocks, final norm) is
    the very same tensors as in `model`, frozen in both (requires_grad False), which saves
    a second 540 MB copy; `model` itself stays the untouched reference.
    """
    total = model.config.n_layers
    if isinstance(n_layers, bool) or not isinstance(n_layers, int) or not 1 <= n_layers <= total:
        raise ValueError(f"n_layers must be a whole number from 1 to {total}")
    for p in model.parameters():
        p.requires_grad_(False)
    policy = copy.copy(model)                      # a new module object...
    policy._modules = dict(model._modules)         # ...with its own table of sub-modules
    top = [copy.deepcopy(block) for block in model.blocks[total - n_layers:]]
    policy.blocks = nn.ModuleList(list(model.blocks[:total - n_layers]) + top)
    for block in top:
        for p in block.parameters():
            p.requires_grad_(True)
    return policy


def policy_logprobs(policy: Transformer, frozen: FrozenPass, indices: Sequence[int],
                    sequences: Sequence[ChatSequence]) -> torch.Tensor:
    """log P(answer | prompt) under the policy (B,) for sequences[indices], with gradients.

    Starts from the cached residual stream at frozen.start_layer, so only the trainable
    top of the network runs.
    """
    batch = [sequences[i] for i in indices]
    hidden = pad_right([frozen.hidden[i] for i in indices]).to(policy.device)
    final = policy.run_blocks(hidden, frozen.start_layer)
    return answer_logprobs(policy, final, batch)
