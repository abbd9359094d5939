"""Embeddings: each token id becomes a vector of 576 numbers, and distances between vectors mean something.

    E = model.embed.weight                              # (49152, 576): row i is token i's vector
    nearest_tokens(E, E[7042], k=5)                     # tokens whose vectors point the way " Paris"'s does
    word_vectors = WordVectors(model, tokenizer)        # words -> vectors, neighbours, analogies
    contextual_vectors(model, tokenizer, "I sat by the river bank.", " bank")   # (31, 576): one per layer

All similarities here are cosine similarities: the cosine of the angle between two
vectors, from -1 (opposite) through 0 (unrelated) to 1 (same direction). Length is left
out on purpose: in this model a vector's length mostly says how frequent a token is, not
what it means.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..inputs import whole_number
from ..llm.model import Transformer
from ..llm.tokenizers import Tokenizer


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine of the angle between vectors.

    (D,), (D,) -> scalar;  (N, D), (D,) -> (N,);  (N, D), (M, D) -> (N, M)
    """
    a, b = torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)
    a = a / a.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    b = b / b.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return a @ b.T if b.dim() == 2 else a @ b


def nearest_tokens(matrix: torch.Tensor, vector: torch.Tensor, k: int = 10,
                   exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
    """The k rows of `matrix` (V, D) most cosine-similar to `vector` (D,): [(row, similarity), ...]."""
    whole_number("k", k, low=1)
    sims = cosine_similarity(matrix, vector)
    if exclude:
        sims[list(exclude)] = float("-inf")
    top = sims.topk(min(k, len(sims)))
    return list(zip(top.indices.tolist(), top.values.tolist(), strict=True))


class WordVectors:
    """Words -> input-embedding vectors of the real model, and searches among all 49,152 tokens.

    A word is looked up with a leading space (" cat"), the way it appears inside a
    sentence. A word that takes several tokens gets the average of their vectors
    (`pieces()` tells how many it took).
    """

    def __init__(self, model: Transformer, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        self.matrix = model.embed.weight.detach().float().cpu()      # (V, D)

    def ids(self, word: str) -> list[int]:
        if not isinstance(word, str):
            raise TypeError(f"a word must be a str, got {type(word).__name__}")
        word = word.strip()
        if not word:
            raise ValueError("the word is empty: type at least one letter")
        return self.tokenizer.encode(" " + word)

    def pieces(self, word: str) -> int:
        return len(self.ids(word))

    def vector(self, word: str) -> torch.Tensor:
        """(D,): the word's embedding row, or the mean of its tokens' rows."""
        return self.matrix[self.ids(word)].mean(0)

    def vectors(self, words: Sequence[str]) -> torch.Tensor:
        return torch.stack([self.vector(w) for w in words])          # (N, D)

    def neighbours(self, word_or_vector, k: int = 8, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The k tokens nearest to a word (itself left out) or to a vector: [(" dog", 0.61), ...]."""
        if isinstance(word_or_vector, str):
            vector = self.vector(word_or_vector)
            skip = set(self.ids(word_or_vector)) if self.pieces(word_or_vector) == 1 else set()
        else:
            vector, skip = torch.as_tensor(word_or_vector, dtype=torch.float32), set()
        for word in exclude:
            skip.update(self.ids(word))
        found = nearest_tokens(self.matrix, vector, k, exclude=sorted(skip))
        texts = self.tokenizer.token_strings([i for i, _ in found])
        return [(t, s) for t, (_, s) in zip(texts, found, strict=True)]

    def analogy(self, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
        """a is to b as c is to ?: the tokens nearest to vector(b) - vector(a) + vector(c),
        leaving out a, b and c themselves (otherwise c usually wins)."""
        target = self.vector(b) - self.vector(a) + self.vector(c)
        return self.neighbours(target, k, exclude=(a, b, c))

    def rank(self, vector: torch.Tensor, word: str, exclude: Sequence[str] = ()) -> int:
        """1 + how many tokens are nearer to `vector` than `word` is (1 = the nearest)."""
        sims = cosine_similarity(self.matrix, vector)
        for w in exclude:
            sims[self.ids(w)] = float("-inf")
        ids = self.ids(word)
        if len(ids) != 1:
            raise ValueError(f"{word!r} is {len(ids)} tokens; rank() needs a word that is one token")
        return int((sims > sims[ids[0]]).sum()) + 1


class PCAMap:
    """A 2-D map of vectors: the two directions along which the fitted vectors vary most.

    fit on (N, D) vectors; place() puts any (M, D) vectors on the same map -> (M, 2).
    """

    def __init__(self, vectors: torch.Tensor):
        vectors = torch.as_tensor(vectors, dtype=torch.float32)
        if vectors.dim() != 2 or len(vectors) < 3:
            raise ValueError("PCAMap needs a 2-D tensor of at least 3 vectors, shape (N, D)")
        self.mean = vectors.mean(0)
        _, s, vh = torch.linalg.svd(vectors - self.mean, full_matrices=False)
        self.axes = vh[:2]                                              # (2, D)
        variance = s ** 2
        self.explained = (variance[:2] / variance.sum()).tolist()       # share of the spread each axis shows
        # Fix each axis's sign (the SVD may flip it), so the map looks the same on every machine.
        signs = torch.sign(self.axes[torch.arange(2), self.axes.abs().argmax(1)])
        self.axes = self.axes * signs[:, None]

    def place(self, vectors: torch.Tensor) -> torch.Tensor:
        vectors = torch.as_tensor(vectors, dtype=torch.float32)
        return (vectors - self.mean) @ self.axes.T                      # (M, 2)


def unit(vectors: torch.Tensor) -> torch.Tensor:
    """Each vector divided by its length, so only its direction is left: (..., D) -> (..., D)."""
    return vectors / vectors.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def neighbour_agreement(points: torch.Tensor, labels: Sequence) -> float:
    """Share of points whose nearest other point has the same label: (N, D) or (N, 2), N labels -> 0..1.

    Nearest by cosine in many dimensions, by straight-line distance on a 2-D map (as the eye sees it).
    """
    points = torch.as_tensor(points, dtype=torch.float32)
    if len(points) != len(labels) or len(points) < 2:
        raise ValueError("give at least 2 points and one label per point")
    closeness = -torch.cdist(points, points) if points.shape[1] == 2 else cosine_similarity(points, points)
    closeness.fill_diagonal_(float("-inf"))
    nearest = closeness.argmax(1).tolist()
    return sum(labels[i] == labels[j] for i, j in enumerate(nearest)) / len(labels)


class WordMap:
    """Groups of words placed on a 2-D PCA map of their (unit-length) embedding vectors.

    groups: {"animals": ["cat", "dog", ...], ...}; words of more than one token are left
    out (see `skipped`). place(["queen"]) puts other words on the same map.
    """

    def __init__(self, word_vectors: WordVectors, groups: dict[str, Sequence[str]]):
        if not isinstance(groups, dict) or not groups:
            raise ValueError('groups must be a dict like {"animals": ["cat", "dog"], "colours": ["red"]}')
        self.word_vectors = word_vectors
        self.words, self.labels, self.skipped = [], [], []
        for group, words in groups.items():
            for word in words:
                (self.words if word_vectors.pieces(word) == 1 else self.skipped).append(word)
                if word_vectors.pieces(word) == 1:
                    self.labels.append(group)
        self.groups = list(groups)
        self.vectors = unit(word_vectors.vectors(self.words))          # (N, D)
        self.pca = PCAMap(self.vectors)
        self.points = self.pca.place(self.vectors)                      # (N, 2)

    def place(self, words: Sequence[str]) -> torch.Tensor:
        return self.pca.place(unit(self.word_vectors.vectors(words)))   # (M, 2)

    def agreement(self) -> dict[str, float]:
        """How often a word's nearest neighbour is in its own group, in all dimensions and on the map."""
        return {"full": neighbour_agreement(self.vectors, self.labels),
                "map": neighbour_agreement(self.points, self.labels)}


def contextual_vectors(model: Transformer, tokenizer: Tokenizer, sentence: str,
                       word: str) -> torch.Tensor:
    """The model's vector for `word` inside `sentence`, after each layer: (n_layers + 1, D).

    Row 0 is the input embedding (the same in every sentence); row L is the residual
    stream after block L. `word` must be one token where it occurs, e.g. " bank".
    """
    ids = tokenizer.encode(sentence)
    target = tokenizer.encode(word)
    if len(target) != 1:
        raise ValueError(f"{word!r} is {len(target)} tokens; choose a word that is one token, space included")
    if target[0] not in ids:
        raise ValueError(f"{word!r} does not occur as a token in {sentence!r}; mind the leading space")
    position = ids.index(target[0])
    with torch.inference_mode():
        out = model(torch.tensor([ids], device=model.device), output_hidden_states=True)
    return torch.stack([h[0, position] for h in out.hidden_states]).float().cpu()


def sense_separation(first: torch.Tensor, second: torch.Tensor) -> dict[str, list[float]]:
    """How well two groups of contextual vectors (S1, L, D) and (S2, L, D) separate, per layer.

    For each layer: the mean cosine similarity between sentences of the same group
    ("within"), between sentences of different groups ("across"), and their difference
    ("separation", 0 when the layer cannot tell the groups apart). Vectors are centred
    first (the mean over all sentences at that layer subtracted), so a direction that
    every vector shares does not hide the differences.
    """
    first, second = torch.as_tensor(first), torch.as_tensor(second)
    if first.dim() != 3 or second.dim() != 3 or first.shape[1:] != second.shape[1:]:
        raise ValueError("give two tensors of shape (sentences, layers, D) with the same layers and D")
    if len(first) < 2 or len(second) < 2:
        raise ValueError("each group needs at least 2 sentences")
    result = {"within": [], "across": [], "separation": []}
    n1 = len(first)
    for layer in range(first.shape[1]):
        x = torch.cat([first[:, layer], second[:, layer]])
        x = x - x.mean(0)
        sims = cosine_similarity(x, x)
        same = torch.zeros_like(sims, dtype=torch.bool)
        same[:n1, :n1] = True
        same[n1:, n1:] = True
        off_diagonal = ~torch.eye(len(x), dtype=torch.bool)
        within = sims[same & off_diagonal].mean().item()
        across = sims[~same].mean().item()
        result["within"].append(within)
        result["across"].append(across)
        result["separation"].append(within - across)
    return result


def sentence_embedding(model: Transformer, tokenizer: Tokenizer, sentences: Sequence[str],
                       layer: int | None = None, batch_size: int = 1) -> torch.Tensor:
    """One vector per sentence: the mean of its tokens' hidden states at `layer` -> (N, D).

    layer=None takes the model's last layer after the final RMSNorm, the vectors the
    model turns into next-token predictions. batch_size > 1 runs several sentences per
    forward pass (padded on the right, where the causal mask hides the padding): faster,
    and equal to one at a time up to float rounding.
    """
    if isinstance(sentences, str):
        raise TypeError("give a list of sentences; for one sentence write [sentence]")
    n_layers = model.config.n_layers
    bad = isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer <= n_layers
    if layer is not None and bad:
        raise ValueError(f"layer must be a whole number from 0 to {n_layers}, or None for the last one")
    whole_number("batch_size", batch_size, low=1)
    encoded = [tokenizer.encode(s) for s in sentences]
    if any(not ids for ids in encoded):
        raise ValueError("a sentence is empty; give at least one word")
    rows = []
    with torch.inference_mode():
        for first in range(0, len(encoded), batch_size):
            chunk = encoded[first:first + batch_size]
            longest = max(map(len, chunk))
            ids = torch.tensor([c + [0] * (longest - len(c)) for c in chunk], device=model.device)
            out = model(ids, output_hidden_states=True)
            states = model.norm(out.hidden_states[-1]) if layer is None else out.hidden_states[layer]
            for b, c in enumerate(chunk):
                rows.append(states[b, :len(c)].mean(0).float().cpu())
    return torch.stack(rows)
