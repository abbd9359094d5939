"""From logits to the next token: temperature, top-k, top-p, and the draw itself.

All functions take logits of shape (V,) or (B, V) and work on the last axis.
"""

from __future__ import annotations

import math

import torch

from ..inputs import whole_number


def check_sampling_args(temperature=1.0, top_k=None, top_p=None) -> None:
    """Raise a ValueError/TypeError that says what to change, for any bad setting."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"temperature must be a number, got {type(temperature).__name__}")
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 means always take the most likely token); "
                         f"got {temperature}")
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int):
            raise TypeError(f"top_k must be a whole number or None, got {type(top_k).__name__}")
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1 (or None to keep every token); got {top_k}")
    if top_p is not None:
        if isinstance(top_p, bool) or not isinstance(top_p, (int, float)):
            raise TypeError(f"top_p must be a number or None, got {type(top_p).__name__}")
        if not 0 < top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1]: 1 keeps every token, 0.9 keeps the most likely "
                             f"tokens that together hold 90% of the probability; got {top_p}")


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / T. T < 1 sharpens the distribution, T > 1 flattens it.

    Temperature 0 is the limit "always the top token"; it is handled by `greedy`,
    since dividing by 0 is not defined.
    """
    check_sampling_args(temperature)
    if temperature == 0:
        raise ValueError("temperature must be > 0 here; use greedy decoding (argmax) for temperature 0")
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits, set the rest to -inf. [1., 3., 2.], k=2 -> [-inf, 3., 2.]."""
    check_sampling_args(top_k=k)
    k = min(k, logits.shape[-1])
    kth = logits.topk(k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the fewest most-likely tokens whose probabilities add up to at least p.

    Probabilities [0.5, 0.3, 0.2], p=0.7 -> keeps the first two (0.5 + 0.3 >= 0.7).
    The most likely token is always kept.
    """
    check_sampling_args(top_p=p)
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    cumulative = sorted_logits.softmax(-1).cumsum(-1)
    # Drop a token when the tokens before it already reach p.
    drop_sorted = (cumulative - sorted_logits.softmax(-1)) >= p
    drop = drop_sorted.scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def sampling_distribution(logits: torch.Tensor, temperature: float = 1.0,
                          top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """The probabilities the next token is actually drawn from, after all reshaping.

    Temperature 0 gives all the probability to the most likely token.
    """
    check_sampling_args(temperature, top_k, top_p)
    logits = logits.float()
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).float()
    logits = apply_temperature(logits, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None and top_p < 1:
        logits = top_p_filter(logits, top_p)
    return logits.softmax(-1)


def sample_next(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one token per row of logits (B, V) -> ids (B,)."""
    if temperature == 0:
        check_sampling_args(temperature, top_k, top_p)
        return logits.argmax(-1)
    probs = sampling_distribution(logits, temperature, top_k, top_p)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def entropy_bits(probs: torch.Tensor) -> torch.Tensor:
    """Entropy in bits: 0 for a certain outcome, log2(n) for n equally likely ones."""
    p = probs.clamp_min(1e-30)
    return -(probs * p.log2()).sum(-1)


def sampling_view(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None, show: int = 12) -> dict:
    """What the sampling lab shows for one setting, from logits (V,) computed once.

    {"ids": the `show` most likely ids (by the model's own probabilities), "original": their
    probabilities at T = 1, "reshaped": after temperature/top-k/top-p, "kept": whether each
    survived the filters, "entropy_original" / "entropy_reshaped": in bits, over all V tokens,
    "n_kept": how many of all V tokens can still be drawn}
    """
    logits = logits.float()
    original = logits.softmax(-1)
    reshaped = sampling_distribution(logits, temperature, top_k, top_p)
    ids = original.topk(show).indices
    return {"ids": ids.tolist(), "original": original[ids].tolist(), "reshaped": reshaped[ids].tolist(),
            "kept": (reshaped[ids] > 0).tolist(), "entropy_original": float(entropy_bits(original)),
            "entropy_reshaped": float(entropy_bits(reshaped)), "n_kept": int((reshaped > 0).sum())}


def vote_accuracy(probs: torch.Tensor, right: int, n: int, trials: int = 2000, seed: int = 0) -> float:
    """Share of trials in which the most frequent of n draws from `probs` (V,) is the id `right`.

    Ties go to the answer drawn first among the tied ones, as a person counting votes might.
    """
    whole_number("n", n, low=1)
    generator = torch.Generator().manual_seed(seed)
    draws = torch.multinomial(probs.float().cpu(), trials * n, replacement=True, generator=generator)
    wins = 0
    for votes in draws.view(trials, n).tolist():
        counts: dict[int, int] = {}
        for v in votes:
            counts[v] = counts.get(v, 0) + 1
        best = max(counts.values())
        winner = next(v for v in votes if counts[v] == best)
        wins += winner == right
    return wins / trials
