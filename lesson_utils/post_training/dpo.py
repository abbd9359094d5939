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

from ..inputs import whole_number
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
    the very same tensors as in `model`, which saves a second 540 MB copy; `model` is left as it
    is, the untouched reference. Its weights must be frozen (load_transformer() gives them so):
    shared weights that could learn would be trained through the policy too. Because those modules
    are shared, whatever is done to a module of the policy as a whole (`policy.to(device)`, `.eval()`)
    reaches the model's as well: move or switch the model first, then make the copy.
    """
    total = model.config.n_layers
    whole_number("n_layers", n_layers, 1, total)
    if any(p.requires_grad for p in model.parameters()):
        raise ValueError("the model's weights can still learn (requires_grad); freeze them first with "
                         "model.requires_grad_(False), so that only the policy's copied blocks train")
    with torch.device("meta"):
        policy = Transformer(model.config)         # a skeleton: no memory, filled from `model` below
    policy.embed, policy.norm, policy.output = model.embed, model.norm, model.output
    policy.rope_cos, policy.rope_sin = model.rope_cos, model.rope_sin
    top = [copy.deepcopy(block) for block in model.blocks[total - n_layers:]]
    policy.blocks = nn.ModuleList(list(model.blocks[:total - n_layers]) + top)
    for block in top:
        block.requires_grad_(True)
    return policy.train(model.training)


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
