"""Exercises of notebook 00: parameters of a block, softmax, the chat text."""

from __future__ import annotations

import math

import torch

from ..llm.chat import render_chat
from ..llm.model import ModelConfig
from .checks import unanswered, verdict


def block_parameter_count(config: ModelConfig | None = None) -> int:
    """Numbers in one Block: attention (q, k, v, out), feed-forward (gate, up, down), two norms."""
    config = config or ModelConfig()
    D, F, hd = config.dim, config.hidden_dim, config.head_dim
    attention = D * config.n_heads * hd + 2 * D * config.n_kv_heads * hd + config.n_heads * hd * D
    feed_forward = 3 * D * F
    return attention + feed_forward + 2 * D


def check_block_parameters(answer) -> bool:
    """Exercise: how many numbers does one of the 30 Blocks hold?"""
    if unanswered(answer):
        return False
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return verdict(False, f"give a number, not {type(answer).__name__}")
    cfg = ModelConfig()
    right = block_parameter_count(cfg)
    D, F = cfg.dim, cfg.hidden_dim
    if answer == right:
        return verdict(True, f"{right:,} numbers per Block, so the 30 Blocks hold {30 * right:,}.")
    if answer == right - 2 * D:
        return verdict(False, "close: add the two RMSNorm gain vectors (576 numbers each).")
    if answer == 4 * D * D + 3 * D * F + 2 * D:
        return verdict(False, "the key and value matrices are smaller than the query matrix: "
                               "3 key/value heads × 64 = 192 rows each, not 576.")
    if answer == 3 * D * F or answer == 3 * D * F + 2 * D:
        return verdict(False, "that is the feed-forward part only; add the attention matrices.")
    if answer == 2 * D * F + right - 3 * D * F:
        return verdict(False, "SwiGLU has three matrices (gate, up, down), not two.")
    return verdict(False, f"{answer:,} is off by {answer - right:+,}. Add up attention (q, k, v, out), "
                           "feed-forward (gate, up, down) and the two norms, using the shapes printed above.")


def check_softmax(softmax) -> bool:
    """Exercise: write softmax(logits) -> probabilities for a list of numbers."""
    if unanswered(softmax):
        return False
    if not callable(softmax):
        return verdict(False, "pass your function itself, e.g. check_softmax(my_softmax)")
    cases = [[2.0, 1.0, 0.1], [0.0, 0.0, 0.0, 0.0], [-3.0, 5.0], [1000.0, 1001.0, 1002.0]]
    for logits in cases:
        try:
            result = softmax(list(logits))
            if result is None:
                unanswered(None)
                return False
            got = [float(p) for p in result]
        except OverflowError:
            return verdict(False, f"softmax({logits}) overflowed: math.exp(1000) is too large. Subtract "
                                   "the largest logit from all of them first; the result is the same.")
        except Exception as e:  # a student's bug, reported in words instead of a traceback
            return verdict(False, f"softmax({logits}) raised {type(e).__name__}: {e}")
        want = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()
        if len(got) != len(want):
            return verdict(False, f"softmax({logits}) gave {len(got)} numbers; it must give one per logit.")
        if any(math.isnan(g) for g in got):
            return verdict(False, f"softmax({logits}) gave nan; subtract the largest logit before exp().")
        if abs(sum(got) - 1) > 1e-6:
            return verdict(False, f"softmax({logits}) sums to {sum(got):.4f}; divide by the total of the "
                                   "exponentials so the probabilities sum to 1.")
        if max(abs(g - w) for g, w in zip(got, want, strict=True)) > 1e-6:
            return verdict(False, f"softmax({logits}) gave {[round(g, 4) for g in got]}, expected "
                                   f"{[round(w, 4) for w in want]}: exponentiate each logit, then normalise.")
    return verdict(True, "your softmax matches torch.softmax, even for logits as large as 1000.")


def check_chat_text(text, messages) -> bool:
    """Exercise: write by hand the raw text the model sees for `messages`."""
    if unanswered(text):
        return False
    if not isinstance(text, str):
        return verdict(False, f"give the text as a str, not {type(text).__name__}")
    want = render_chat(messages)
    if text == want:
        return verdict(True, f"that is exactly what the model reads ({len(want)} characters).")
    same = min(len(text), len(want))
    i = next((i for i, (a, b) in enumerate(zip(text, want, strict=False)) if a != b), same)
    return verdict(False, f"the texts agree for {i} characters, then yours has {text[i:i + 20]!r} "
                           f"where the template has {want[i:i + 20]!r}.")
