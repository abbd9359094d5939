"""Exercises of notebook 04: softmax by hand, a sentence's log-probability, where " Paris" takes the lead."""

from __future__ import annotations

import math
import operator

from .checks import unanswered, verdict


def _numbers(answer):
    try:
        return [float(x) for x in (answer.tolist() if hasattr(answer, "tolist") else answer)]
    except (TypeError, ValueError):
        return None


def check_softmax_values(answer, logits: list[float]) -> bool:
    """Exercise: the probabilities softmax gives for a few logits, worked out by hand."""
    if unanswered(answer):
        return False
    got = _numbers(answer)
    exps = [math.exp(z) for z in logits]
    want = [e / sum(exps) for e in exps]
    if got is None or len(got) != len(want):
        return verdict(False, f"give {len(want)} probabilities, one per logit, as a list")
    if all(abs(g - w) < 5e-3 for g, w in zip(got, want, strict=True)):
        return verdict(True, f"{[round(w, 3) for w in want]}: exponentiate, then divide by the total "
                              f"{sum(exps):.3f}.")
    if all(abs(g - e) < 5e-3 for g, e in zip(got, exps, strict=True)):
        return verdict(False, "those are the exponentials; divide each by their sum so they add up to 1.")
    total = sum(logits)
    if total and all(abs(g - z / total) < 5e-3 for g, z in zip(got, logits, strict=True)):
        return verdict(False, "dividing the logits by their sum is not softmax: take e to the power of "
                               "each logit first.")
    if abs(sum(got) - 1) > 1e-2:
        return verdict(False, f"your numbers add up to {sum(got):.3f}; probabilities must add up to 1.")
    return verdict(False, f"expected {[round(w, 3) for w in want]}: e^logit, divided by the sum of all.")


def check_sentence_logprob(answer, score) -> bool:
    """Exercise: a sentence's log-probability from its per-token probabilities. `score` is a SentenceScore."""
    if unanswered(answer):
        return False
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "item"):
        return verdict(False, "give one number (a sum of logarithms)")
    got = float(answer)
    want = score.total
    if abs(got - want) < 0.01:                   # printed probabilities are rounded
        return verdict(True, f"log P = {want:.2f}, so P = {math.exp(want):.1e}; perplexity "
                              f"{score.perplexity:.0f}.")
    if abs(got - math.exp(want)) < 1e-9 or (want < -700 and got == 0):
        return verdict(False, "that is the probability itself; the question asks for its logarithm (the "
                               "sum of the log-probabilities).")
    if abs(got - sum(math.exp(lp) for lp in score.logprobs)) < 1e-3:
        return verdict(False, "you added the probabilities; add their *logarithms* (multiplying "
                               "probabilities = adding logs).")
    if abs(got + want) < 1e-3:
        return verdict(False, "right size, wrong sign: logarithms of probabilities are negative.")
    return verdict(False, f"{got:.3f} is not it. Add math.log(p) for each token probability p in the table "
                           "(the first token is not scored).")


def check_first_top_layer(answer, ranks: list[int]) -> bool:
    """Exercise: after how many layers does the answer first become the top prediction? ranks[k] is its
    rank after k layers (ranks[0]: the embedding alone)."""
    if unanswered(answer):
        return False
    try:
        if isinstance(answer, (bool, float)):
            raise TypeError
        answer = operator.index(answer)
    except TypeError:
        return verdict(False, "give a whole number of layers, from 0 to 30")
    first = next((k for k, rank in enumerate(ranks) if rank == 1), None)
    if answer == first:
        return verdict(True, f"after {first} layers (blocks[0] to blocks[{first - 1}]) it is the top "
                              f"guess; after {first - 1} it was number {ranks[first - 1]}.")
    if first is not None and answer == first - 1:
        return verdict(False, "off by one: ranks[k] is the read-out after k layers, so the answer is the "
                               "position k in the list, not the block number k - 1.")
    if 0 <= answer < len(ranks):
        return verdict(False, f"after {answer} layers its rank is {ranks[answer]}. Look for the first k "
                               "with ranks[k] == 1.")
    return verdict(False, f"there are {len(ranks)} read-outs, numbered 0 to {len(ranks) - 1}")
