"""Looking at attention in the real model: its weights, what kind of work each head does, its speed.

    record = attention_record(model, tokenizer, "The cat sat on the mat")
    record.weights[layer, head]            # (T, T): row t = how much token t looks at each earlier token
    previous_token_scores(record.weights)  # (L, H): how much each head looks one token back
    induction_scores(weights, n)           # (L, H): on a repeated sequence, the token after the last match

The attention maths itself is written out in notebook 03 and in model.Attention.attend;
this module is the plumbing around it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from ..inputs import whole_number
from ..llm.model import Transformer
from ..llm.tokenizers import Tokenizer


@dataclass
class AttentionRecord:
    ids: list[int]
    tokens: list[str]          # each token's text, for labels
    weights: torch.Tensor      # (layers, heads, T, T); row t sums to 1 over positions 0..t

    def row(self, layer: int, head: int, position: int) -> list[tuple[str, float]]:
        """What token `position` looks at in one head: [(token, weight), ...] over positions 0..position."""
        n_layers, n_heads, T, _ = self.weights.shape
        checks = (("layer", layer, n_layers), ("head", head, n_heads), ("position", position, T))
        for name, value, top in checks:
            whole_number(name, value, 0, top - 1)
        weights = self.weights[layer, head, position, : position + 1].tolist()
        return list(zip(self.tokens[: position + 1], weights, strict=True))


def attention_record(model: Transformer, tokenizer: Tokenizer, text: str) -> AttentionRecord:
    """Run the model once on `text` and keep every layer's attention weights."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    ids = tokenizer.encode(text)
    if not ids:
        raise ValueError("the text is empty: type at least one word")
    return record_from_ids(model, tokenizer, ids)


def record_from_ids(model: Transformer, tokenizer: Tokenizer, ids: list[int]) -> AttentionRecord:
    if len(ids) > 512:
        raise ValueError(f"{len(ids)} tokens: keep the text under 512 tokens, since every layer's "
                         "(T, T) weights are kept")
    with torch.inference_mode():
        out = model(torch.tensor([ids], device=model.device), output_attentions=True)
    weights = torch.stack([w[0] for w in out.attentions]).float().cpu()       # (L, H, T, T)
    return AttentionRecord(list(ids), tokenizer.token_strings(ids), weights)


def previous_token_scores(weights: torch.Tensor) -> torch.Tensor:
    """(L, H, T, T) -> (L, H): each head's average weight on the token just before, over positions 1..T-1."""
    T = weights.shape[-1]
    if T < 2:
        raise ValueError("need at least 2 tokens to look one token back")
    positions = torch.arange(1, T)
    return weights[..., positions, positions - 1].mean(-1)


def repeated_random_tokens(n: int, seed: int = 0, low: int = 1000, high: int = 20000) -> list[int]:
    """n random token ids, then the same n again: [a, b, c, a, b, c]. Ids from low..high-1 are
    ordinary word pieces (no special tokens, no single bytes)."""
    whole_number("n", n, low=2)
    generator = torch.Generator().manual_seed(seed)
    first = torch.randint(low, high, (n,), generator=generator).tolist()
    return first + first


def induction_scores(weights: torch.Tensor, n: int) -> torch.Tensor:
    """(L, H, 2n, 2n) weights on a sequence repeated twice -> (L, H).

    An induction head, at a token of the second copy, looks at the token that came
    *after* the same token in the first copy (position t - n + 1): the one that is about
    to repeat. Score: that weight, averaged over the second copy.
    """
    T = weights.shape[-1]
    if T != 2 * n:
        raise ValueError(f"the weights cover {T} tokens; an induction score needs a sequence of 2n = {2 * n}")
    positions = torch.arange(n, 2 * n)
    return weights[..., positions, positions - n + 1].mean(-1)


def top_heads(scores: torch.Tensor, k: int = 5) -> list[tuple[int, int, float]]:
    """The k highest (layer, head, score) of an (L, H) score table."""
    flat = scores.flatten().topk(k)
    n_heads = scores.shape[1]
    return [(i // n_heads, i % n_heads, s) for i, s in zip(flat.indices.tolist(), flat.values.tolist(),
                                                             strict=True)]


def capture_attention(model: Transformer, ids: list[int], layer: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The input (after its RMSNorm) and output of one layer's attention, as the model computed them.

    Returns two (T, D) tensors. Uses forward hooks: the model runs as usual and we keep copies.
    """
    seen = {}
    attn = model.blocks[layer].attn

    def keep(module, args, output):
        seen["input"], seen["output"] = args[0][0].detach().clone(), output[0][0].detach().clone()

    handle = attn.register_forward_hook(keep)
    try:
        with torch.inference_mode():
            model(torch.tensor([ids], device=model.device))
    finally:
        handle.remove()
    return seen["input"].float().cpu(), seen["output"].float().cpu()


# ---------------------------------------------------------------- parallel vs sequential

def causal_attention_all_at_once(x: torch.Tensor) -> torch.Tensor:
    """Every position's attention output in one go: x (T, D) as queries, keys and values -> (T, D)."""
    T, D = x.shape
    scores = x @ x.T / D ** 0.5                                          # (T, T)
    scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-1) @ x


def recurrent_steps(x: torch.Tensor, w: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """A recurrent network reading x (T, D) one position at a time: h_t = tanh(h_{t-1} W + x_t U).

    Step t needs step t-1's result, so the T steps cannot run side by side.
    """
    h = torch.zeros(x.shape[1], device=x.device)
    out = []
    for t in range(x.shape[0]):
        h = torch.tanh(h @ w + x[t] @ u)
        out.append(h)
    return torch.stack(out)


def time_parallel_vs_sequential(lengths=(32, 64, 128, 256, 512, 1024), dim: int = 576, device=None,
                                repeats: int = 3, seed: int = 0) -> list[dict]:
    """Seconds for causal attention over T positions at once vs a recurrent loop over the same T.

    [{"T": 32, "parallel_s": ..., "sequential_s": ...}, ...]; each figure is the best of `repeats`.
    """
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    generator = torch.Generator().manual_seed(seed)
    w = (torch.randn(dim, dim, generator=generator) / dim ** 0.5).to(device)
    u = (torch.randn(dim, dim, generator=generator) / dim ** 0.5).to(device)
    rows = []
    for T in lengths:
        x = torch.randn(T, dim, generator=generator).to(device)
        row = {"T": T}
        for name, run in (("parallel_s", lambda x=x: causal_attention_all_at_once(x)),
                          ("sequential_s", lambda x=x: recurrent_steps(x, w, u))):
            best = float("inf")
            for _ in range(repeats):
                if device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                with torch.inference_mode():
                    run()
                if device.type == "cuda":
                    torch.cuda.synchronize()
                best = min(best, time.perf_counter() - start)
            row[name] = best
        rows.append(row)
    return rows
