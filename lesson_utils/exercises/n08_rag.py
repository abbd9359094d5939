"""Exercises of notebook 08: chunking with overlap, BM25's idf, the mean reciprocal rank."""

from __future__ import annotations

import math

from ..applications.rag import chunk_text
from .checks import unanswered, verdict


def check_chunking(fn) -> bool:
    """Exercise: fn(words, size, overlap) -> list of chunks, each a list of words."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_chunks(words, size, overlap): ...")
    cases = [(list("abcde"), 2, 1), (list("abcdefg"), 3, 0), (list("abcdefgh"), 4, 2), (list("ab"), 5, 1)]
    for words, size, overlap in cases:
        want = [c.text.split() for c in chunk_text(" ".join(words), size, overlap)]
        try:
            result = fn(words, size, overlap)
            if result is None:
                return verdict(False, "your function returned None: build the list of chunks and return it")
            got = [list(c) for c in result]
        except Exception as e:  # noqa: BLE001 (any error in student code becomes a hint)
            return verdict(False, f"calling it with size={size}, overlap={overlap} raised "
                                   f"{type(e).__name__}: {e}")
        if got != want:
            hint = ""
            if len(got) == len(want) + 1:
                hint = " You made one chunk too many: stop once a chunk reaches the last word."
            return verdict(False, f"for {' '.join(words)!r}, size {size}, overlap {overlap} you gave {got}; "
                                   f"the chunks are {want}. Each new chunk starts size - overlap words after "
                                   f"the previous one.{hint}")
    return verdict(True, "each chunk starts size − overlap words after the one before, so any run of "
                          "up to overlap + 1 words appears whole in some chunk.")


def check_idf(fn) -> bool:
    """Exercise: fn(n_chunks, n_holding) -> BM25's idf = log(1 + (N - n + 0.5) / (n + 0.5))."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_idf(n_chunks, n_holding): ...")
    for n_chunks, n_holding in [(100, 1), (100, 50), (100, 100), (71, 3)]:
        want = math.log(1 + (n_chunks - n_holding + 0.5) / (n_holding + 0.5))
        try:
            result = fn(n_chunks, n_holding)
            got = None if result is None else float(result)
        except Exception as e:  # noqa: BLE001
            return verdict(False, f"calling it with ({n_chunks}, {n_holding}) raised "
                                   f"{type(e).__name__}: {e}")
        if got is None:
            return verdict(False, "your function returned None: return the idf as a number")
        if abs(got - want) > 1e-6:
            if abs(got - math.log((n_chunks - n_holding + 0.5) / (n_holding + 0.5))) < 1e-6:
                return verdict(False, "close: BM25 adds 1 inside the log, so a word in every chunk gets a "
                                       "small positive idf instead of a negative one.")
            return verdict(False, f"for N={n_chunks}, n={n_holding} you gave {got:.4f}; idf is {want:.4f} = "
                                   f"log(1 + (N - n + 0.5) / (n + 0.5)).")
    return verdict(True, "a word in 1 chunk of 100 is worth 4.2; one in every chunk only 0.005. "
                          "Rare words decide the ranking.")


def check_mrr(fn) -> bool:
    """Exercise: fn(ranks) -> mean reciprocal rank; ranks[i] is 1-based, or None when not retrieved."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_mrr(ranks): ...")
    for ranks in ([1, 2, 4], [1, None, 1], [None, None], [3]):
        want = sum(1 / r for r in ranks if r) / len(ranks)
        try:
            result = fn(list(ranks))
        except Exception as e:  # noqa: BLE001
            return verdict(False, f"calling it with {ranks} raised {type(e).__name__}: {e}. "
                                   "Remember the None entries (count them as 0).")
        if result is None:
            return verdict(False, "your function returned None: return the mean as a number")
        got = float(result)
        if abs(got - want) > 1e-9:
            found = [r for r in ranks if r]
            skipped_none = found and abs(got - sum(1 / r for r in found) / len(found)) < 1e-9
            if skipped_none and len(found) < len(ranks):
                return verdict(False, "divide by the number of questions, including the ones whose document "
                                       "was never retrieved (they add 0).")
            return verdict(False, f"for ranks {ranks} you gave {got:.4f}; MRR is {want:.4f}, the mean of "
                                   "1/rank (0 for None).")
    return verdict(True, "a right answer at rank 1 counts 1, at rank 2 only 0.5: MRR rewards putting "
                          "it first.")
