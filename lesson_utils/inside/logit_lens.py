"""Reading predictions out of the middle of the model (the "logit lens").

The model turns its last vector into next-token probabilities with its final RMSNorm
and the (tied) embedding matrix. Applying the same read-out to a vector from an
earlier point shows what the model would predict if it stopped there.

    steps = block_steps(model, ids, layer=20)       # the residual stream through one block
    read_out(model, tokenizer, steps["after_ffn"][-1], k=5)
    answer_rank_by_layer(model, ids, token_id)      # one token's rank after the embedding and each block
"""

from __future__ import annotations

import torch

from ..inputs import whole_number
from ..llm.model import Transformer
from ..llm.tokenizers import Tokenizer


def _ids_tensor(model: Transformer, ids) -> torch.Tensor:
    if not ids:
        raise ValueError("give at least one token id")
    return torch.tensor([list(ids)], device=model.device)


@torch.inference_mode()
def next_token_probs_from(model: Transformer, vector: torch.Tensor) -> torch.Tensor:
    """A residual-stream vector (D,) -> probabilities (V,), through the final norm and the read-out."""
    vector = torch.as_tensor(vector, dtype=model.embed.weight.dtype, device=model.device)
    return (model.norm(vector) @ model.embed.weight.T).float().softmax(-1).cpu()


def read_out(model: Transformer, tokenizer: Tokenizer, vector: torch.Tensor,
             k: int = 5) -> list[tuple[str, float]]:
    """The k most likely next tokens if the model stopped at `vector` (D,): [(" Paris", 0.71), ...]."""
    probs = next_token_probs_from(model, vector)
    top = probs.topk(k)
    return list(zip(tokenizer.token_strings(top.indices.tolist()), top.values.tolist(), strict=True))


@torch.inference_mode()
def block_steps(model: Transformer, ids, layer: int) -> dict[str, torch.Tensor]:
    """One block's work on a text, step by step; every entry is (T, D) on the CPU.

    input        the residual stream entering the block
    attention    what attention adds (computed from the RMS-normed input)
    after_attention   input + attention
    ffn          what the feed-forward part adds (from the RMS-normed after_attention)
    after_ffn    after_attention + ffn: the block's output, the next block's input
    """
    n_layers = model.config.n_layers
    whole_number("layer", layer, 0, n_layers - 1)
    x_ids = _ids_tensor(model, ids)
    out = model(x_ids, output_hidden_states=True)
    x = out.hidden_states[layer]
    T = x.shape[1]
    rope, mask = model.rope_and_mask(1, T)
    block = model.blocks[layer]
    attention, _ = block.attn(block.attn_norm(x), rope, mask)
    after_attention = x + attention
    ffn = block.ffn(block.ffn_norm(after_attention))
    steps = {"input": x, "attention": attention, "after_attention": after_attention, "ffn": ffn,
             "after_ffn": after_attention + ffn}
    return {name: t[0].float().cpu() for name, t in steps.items()}


@torch.inference_mode()
def layer_probs(model: Transformer, ids) -> torch.Tensor:
    """Next-token probabilities read out after the embedding and after each block, at the last
    position: (n_layers + 1, V), from one forward pass."""
    out = model(_ids_tensor(model, ids), output_hidden_states=True)
    last = torch.stack([h[0, -1] for h in out.hidden_states])             # (L + 1, D)
    return (model.norm(last) @ model.embed.weight.T).float().softmax(-1).cpu()


def ranks_of(probs: torch.Tensor, token_id: int) -> list[int]:
    """Rank of `token_id` in each row of probs (N, V): 1 = the most likely."""
    return ((probs > probs[:, token_id:token_id + 1]).sum(-1) + 1).tolist()


def answer_rank_by_layer(model: Transformer, ids, token_id: int) -> list[int]:
    """Rank of `token_id` among all tokens (1 = the top guess), read out after the embedding and each
    block."""
    return ranks_of(layer_probs(model, ids), token_id)


def top_prediction_by_layer(model: Transformer, tokenizer: Tokenizer, ids) -> list[tuple[str, float]]:
    """The most likely next token and its probability, read out after the embedding and after each block."""
    best = layer_probs(model, ids).max(-1)
    return list(zip(tokenizer.token_strings(best.indices.tolist()), best.values.tolist(), strict=True))
