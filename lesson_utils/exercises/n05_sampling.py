"""Exercises of notebook 05: temperature, the top-k filter, the top-p (nucleus) filter."""

from __future__ import annotations

import torch

from ..llm.sampling import sampling_distribution
from .checks import unanswered, verdict

LOGITS = [torch.tensor([2.0, 1.0, 0.5, -1.0]), torch.tensor([0.1, 3.0, 2.9, 0.0, -2.0, 1.5])]


def _run(fn, *args):
    try:
        out = fn(*args)
    except Exception as e:  # a student's bug, reported in words instead of a traceback
        return None, f"raised {type(e).__name__}: {e}"
    if out is None:
        return None, "returned None; return the probabilities"
    try:
        return torch.as_tensor(out, dtype=torch.float32), None
    except (TypeError, ValueError, RuntimeError):
        return None, f"returned {type(out).__name__}; return a tensor or list of probabilities"


def check_temperature(fn) -> bool:
    """Exercise: probabilities(logits, T) = softmax(logits / T), for T > 0."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "pass your function itself, e.g. check_temperature(my_temperature)")
    for logits in LOGITS:
        for T in (0.5, 1.0, 2.0):
            got, problem = _run(fn, logits.clone(), T)
            if problem:
                return verdict(False, f"with T={T} your function {problem}")
            want = sampling_distribution(logits, T)
            if got.shape == want.shape and torch.allclose(got, want, atol=1e-5):
                continue
            if got.shape == want.shape and torch.allclose(got, torch.softmax(logits * T, -1), atol=1e-5):
                return verdict(False, "you multiplied by T; divide the logits by T (a small T sharpens).")
            if got.shape == want.shape and torch.allclose(got, torch.softmax(logits, -1) / T, atol=1e-5):
                return verdict(False, "divide the logits by T *before* the softmax, not the probabilities "
                                       "after it.")
            return verdict(False, f"for logits {logits.tolist()} and T={T} expected "
                                   f"{[round(x, 3) for x in want.tolist()]}, got "
                                   f"{[round(x, 3) for x in got.tolist()]}")
    return verdict(True, "softmax(logits / T): small T sharpens, large T flattens.")


def check_top_k(fn) -> bool:
    """Exercise: top_k(probs, k) keeps the k largest probabilities, sets the rest to 0, renormalises."""
    return _check_filter(fn, "k", (1, 2, 3), lambda logits, k: sampling_distribution(logits, 1.0, top_k=k))


def check_top_p(fn) -> bool:
    """Exercise: top_p(probs, p) keeps the fewest most likely tokens whose probabilities add up to at
    least p, sets the rest to 0, renormalises."""
    return _check_filter(fn, "p", (0.5, 0.8, 0.95),
                         lambda logits, p: sampling_distribution(logits, 1.0, top_p=p))


def _check_filter(fn, name, values, reference) -> bool:
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "pass your function itself")
    for logits in LOGITS:
        probs = torch.softmax(logits, -1)
        for value in values:
            got, problem = _run(fn, probs.clone(), value)
            if problem:
                return verdict(False, f"with {name}={value} your function {problem}")
            want = reference(logits, value)
            if got.shape == want.shape and torch.allclose(got, want, atol=1e-5):
                continue
            kept = want > 0
            if got.shape == want.shape and torch.allclose(got, probs * kept, atol=1e-5):
                return verdict(False, "the right tokens are kept, but renormalise: divide by the sum of the "
                                       "kept probabilities so they add up to 1 again.")
            return verdict(False, f"for probabilities {[round(x, 3) for x in probs.tolist()]} and "
                                   f"{name}={value} expected {[round(x, 3) for x in want.tolist()]}, got "
                                   f"{[round(x, 3) for x in got.tolist()]}")
    return verdict(True, f"your filter matches lesson_utils for every {name} tried.")
