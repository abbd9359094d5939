"""Exercises of notebook 03: the causal mask, softmax of masked scores, one attention output by hand."""

from __future__ import annotations

import torch

from .checks import student_call, unanswered, verdict


def _as_tensor(value):
    try:
        return torch.as_tensor(value, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        return None


def check_causal_mask(mask_fn) -> bool:
    """Exercise: causal_mask(T) -> (T, T) with True (or 1) where row t may look at column s, i.e. s <= t."""
    if unanswered(mask_fn):
        return False
    if not callable(mask_fn):
        return verdict(False, "pass your function itself, e.g. check_causal_mask(my_causal_mask)")
    for T in (1, 3, 6):
        want = torch.ones(T, T).tril().bool()
        got, problem = student_call(f"my_causal_mask({T})", mask_fn, T)
        if problem:
            return verdict(False, problem)
        got_t = _as_tensor(got)
        if got_t is None or got_t.shape != (T, T):
            shape = tuple(got_t.shape) if got_t is not None else type(got).__name__
            return verdict(False, f"my_causal_mask({T}) should be {T} x {T}, got {shape}")
        got_b = got_t.bool()
        if torch.equal(got_b, want):
            continue
        if torch.equal(got_b, want.T):
            return verdict(False, "that is the mask turned over: row t (the token looking) may see columns "
                                   "0..t, the past, so the allowed part is the lower-left triangle.")
        if torch.equal(got_b, torch.ones(T, T).tril(-1).bool()):
            return verdict(False, "each token may also look at itself: include the diagonal.")
        return verdict(False, f"for T={T} expected\n{want.int()}\ngot\n{got_b.int()}")
    return verdict(True, "row t allows columns 0..t: each token sees itself and the past, never the future.")


def check_masked_softmax(softmax_fn) -> bool:
    """Exercise: masked_softmax(scores) -> weights: future positions get 0, each row sums to 1."""
    if unanswered(softmax_fn):
        return False
    if not callable(softmax_fn):
        return verdict(False, "pass your function itself, e.g. check_masked_softmax(my_masked_softmax)")
    cases = [torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 9.0], [2.0, 0.0, -1.0]]),
             torch.tensor([[100.0, -100.0], [3.0, 3.0]])]
    for scores in cases:
        T = len(scores)
        want = torch.softmax(scores.masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf")), dim=-1)
        got, problem = student_call("your function", softmax_fn, scores.clone())
        if problem:
            return verdict(False, problem)
        got = _as_tensor(got)
        if got is None or got.shape != want.shape:
            return verdict(False, f"return a {T} x {T} table of weights")
        if torch.allclose(got, want, atol=1e-5):
            continue
        if torch.allclose(got, torch.softmax(scores, dim=-1), atol=1e-5):
            return verdict(False, "the future is not masked: set the scores above the diagonal to -inf "
                                   "before the softmax.")
        if torch.isnan(got).any():
            return verdict(False, "you got nan: mask with -inf (or a very negative number) and softmax "
                                   "along each row (dim=-1).")
        if torch.allclose(got.sum(0), torch.ones(T), atol=1e-4):
            return verdict(False, "your columns sum to 1; each *row* (one looking token) must: dim=-1.")
        return verdict(False, f"for scores\n{scores}\nexpected\n{want.round(decimals=3)}\ngot\n"
                               f"{got.round(decimals=3)}")
    return verdict(True, "future positions get weight 0, and every row is a probability distribution.")


def check_attention_output(answer, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> bool:
    """Exercise: the attention output of the last token of a 3-token toy, a vector like v's rows."""
    if unanswered(answer):
        return False
    got = _as_tensor(answer)
    scores = q[-1] @ k.T / k.shape[1] ** 0.5                          # the last token may see all three
    weights = torch.softmax(scores, dim=-1)
    want = weights @ v
    if got is None or got.shape != want.shape:
        return verdict(False, f"give {len(want)} numbers (a vector like one row of v), as a list or tensor")
    if torch.allclose(got, want, atol=1e-3):
        return verdict(True, f"weights {[round(x, 3) for x in weights.tolist()]} mix the value rows into "
                              f"{[round(x, 3) for x in want.tolist()]}.")
    unscaled = torch.softmax(q[-1] @ k.T, dim=-1) @ v
    if torch.allclose(got, unscaled, atol=1e-3):
        return verdict(False, f"close: divide the scores by sqrt({k.shape[1]}) before the softmax.")
    if torch.allclose(got, v[-1], atol=1e-3):
        return verdict(False, "that is the token's own value; attention mixes all the values it may see.")
    return verdict(False, f"expected {[round(x, 3) for x in want.tolist()]}: scores = q·k / sqrt(d) for "
                           "each key, softmax, then the weighted sum of the rows of v.")
