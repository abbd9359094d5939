"""Exercises of notebook 02: cosine by hand, a nearest-neighbour search, where the senses of "bank" split."""

from __future__ import annotations

import math
import operator

import torch

from ..inside.embeddings import cosine_similarity
from .checks import student_call, unanswered, verdict

COSINE_CASES = [
    ([1.0, 0.0], [0.0, 1.0]),          # at right angles: 0
    ([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]),  # same direction, twice as long: 1
    ([1.0, 1.0], [-1.0, -1.0]),        # opposite: -1
    ([3.0, 4.0], [4.0, 3.0]),          # 24 / 25 = 0.96
    ([0.5, -1.5, 2.0, 0.1], [1.0, 0.3, -0.7, 2.2]),
]


def check_cosine(cosine) -> bool:
    """Exercise: write cosine(a, b) for two lists of numbers."""
    if unanswered(cosine):
        return False
    if not callable(cosine):
        return verdict(False, "pass your function itself, e.g. check_cosine(my_cosine)")
    for a, b in COSINE_CASES:
        want = float(cosine_similarity(torch.tensor(a), torch.tensor(b)))
        got, problem = student_call(f"cosine({a}, {b})", cosine, list(a), list(b))
        if problem:
            return verdict(False, problem)
        if got is None:
            return verdict(False, "your function returned None; return the number")
        try:
            got = float(got)
        except (TypeError, ValueError):
            return verdict(False, f"cosine({a}, {b}) returned {got!r}; return one number")
        if math.isclose(got, want, abs_tol=1e-5):
            continue
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        if math.isclose(got, dot, abs_tol=1e-5):
            return verdict(False, f"cosine({a}, {b}) gave {got:.4f}, the dot product; divide it by the "
                                   "two lengths (square root of the sum of squares of each vector).")
        return verdict(False, f"cosine({a}, {b}) gave {got:.4f}, expected {want:.4f}: dot product divided "
                               "by the product of the two lengths.")
    return verdict(True, "your cosine matches, from opposite (-1) through unrelated (0) to the same "
                          "direction (1).")


def check_nearest(nearest, matrix: torch.Tensor, tokenizer) -> bool:
    """Exercise: write nearest(matrix, vector, k) -> the k row numbers most cosine-similar to vector."""
    if unanswered(nearest):
        return False
    if not callable(nearest):
        return verdict(False, "pass your function itself, e.g. check_nearest(my_nearest, E, smollm2)")
    for word in (" cat", " Paris", " seven"):
        token = tokenizer.encode(word)[0]
        vector = matrix[token]
        want = cosine_similarity(matrix, vector).topk(5).indices.tolist()
        got, problem = student_call(f"nearest(E, E[{token}], 5)", nearest, matrix, vector, 5)
        if problem:
            return verdict(False, problem)
        if got is None:
            return verdict(False, "your function returned None; return the list of row numbers")
        got = got.tolist() if hasattr(got, "tolist") else list(got)
        if got == want:
            continue
        raw_dot = (matrix @ vector).topk(5).indices.tolist()
        if got == raw_dot:
            return verdict(False, "that ranks by the dot product, so long vectors win; divide by the "
                                   "lengths (cosine) first.")
        if sorted(got) == sorted(want):
            return verdict(False, "the right rows, in the wrong order: most similar first.")
        return verdict(False, f"for {word!r} you gave rows {got}, expected {want} "
                               f"({tokenizer.token_strings(want)}).")
    return verdict(True, "your search finds the same nearest tokens as the library, most similar first.")


def check_bank_layer(answer, separation: list[float]) -> bool:
    """Exercise: at which layer do the two senses of "bank" separate most?"""
    if unanswered(answer):
        return False
    try:
        if isinstance(answer, bool) or isinstance(answer, float):
            raise TypeError
        answer = operator.index(answer)          # also a numpy integer or a one-number torch tensor
    except TypeError:
        return verdict(False, f"give a layer number (a whole number from 0 to {len(separation) - 1}); "
                               "wrap a tensor or array result in int()")
    best = max(range(len(separation)), key=lambda layer: separation[layer])
    if answer == best:
        return verdict(True, f"layer {best}: separation {separation[best]:.2f}, the largest of all "
                              f"{len(separation)} layers.")
    if not 0 <= answer < len(separation):
        return verdict(False, f"there are layers 0 to {len(separation) - 1} only")
    return verdict(False, f"layer {answer} has separation {separation[answer]:.2f}, but another layer has "
                           "more. Look for the largest value in the list, not the last one.")
