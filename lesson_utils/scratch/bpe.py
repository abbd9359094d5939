"""Byte-pair encoding (BPE), trained from scratch on any text.

The idea in four lines:
1. start from the UTF-8 bytes of the text: 256 possible tokens, nothing unknown;
2. count every pair of neighbouring tokens;
3. give the most frequent pair a new token id and replace it everywhere;
4. repeat until the vocabulary has the size you want.

As in GPT-2 and SmolLM2, the text is first cut into chunks (words with their leading
space, single digits, runs of punctuation or whitespace) and pairs never cross a
chunk boundary, so " the" can become one token but "e t" never does.

    bpe = train_bpe(text, vocab_size=512)
    bpe.encode("the cat")        # -> [349, 367]  (ids depend on the text trained on)
    bpe.decode(bpe.encode(s))    # == s for every string s

Two trainers produce exactly the same merges: `train_bpe_naive` recounts every pair in
the whole text after each merge, as the four lines above say; `train_bpe` counts each
distinct chunk once, weighted by how often it occurs, and after a merge updates only
the counts of chunks that contained the merged pair.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import regex
import tiktoken

from ..inputs import whole_number
from ..llm.tokenizers import SMOLLM2_SPLIT_PATTERN, Tokenizer

Pair = tuple[int, int]


def pair_counts(ids: Iterable[int], counts: dict | None = None, weight: int = 1) -> dict[Pair, int]:
    """How often each pair of neighbours occurs: [1, 2, 3, 1, 2] -> {(1, 2): 2, (2, 3): 1, (3, 1): 1}.

    Pass `counts` to add to an existing dict; `weight` counts the sequence that many times.
    """
    counts = {} if counts is None else counts
    ids = list(ids)
    for pair in zip(ids, ids[1:], strict=False):
        counts[pair] = counts.get(pair, 0) + weight
    return counts


def merge(ids: list[int], pair: Pair, new_id: int) -> list[int]:
    """Replace each occurrence of `pair`, left to right, by `new_id`.

    [1, 2, 3, 1, 2], (1, 2), 256 -> [256, 3, 256];  [7, 7, 7], (7, 7), 300 -> [300, 7]
    """
    out, i, n = [], 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class BPE:
    """A trained byte-pair tokenizer: its merges, in the order they were learned."""

    def __init__(self, merges: dict[Pair, int], pattern: str = SMOLLM2_SPLIT_PATTERN):
        self.merges = dict(merges)                 # (left id, right id) -> new id, 256, 257, ...
        self.pattern = pattern
        self._split = regex.compile(pattern)
        self.vocab = {i: bytes([i]) for i in range(256)}
        for (a, b), new_id in self.merges.items():
            if new_id != len(self.vocab):
                raise ValueError(f"merge {(a, b)} -> {new_id}: new ids must count up from 256 without gaps")
            self.vocab[new_id] = self.vocab[a] + self.vocab[b]
        self._cache: dict[str, list[int]] = {}      # chunk -> ids with all merges

    def __repr__(self) -> str:
        return f"BPE({len(self.vocab)} tokens: 256 bytes + {len(self.merges)} merges)"

    @property
    def n_vocab(self) -> int:
        return len(self.vocab)

    def chunks(self, text: str) -> list[str]:
        """The text cut into chunks before any merging: "Hi there!" -> ["Hi", " there", "!"]."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return self._split.findall(text)

    def encode(self, text: str, n_merges: int | None = None) -> list[int]:
        """Text -> token ids, using all merges or only the first `n_merges` of them."""
        n_merges = len(self.merges) if n_merges is None else n_merges
        most = len(self.merges)
        whole_number("n_merges", n_merges, 0, most)
        ids = []
        full = n_merges == len(self.merges)     # only full encodes are cached: partial ones are rare
        for chunk in self.chunks(text):
            if full and chunk in self._cache:
                ids.extend(self._cache[chunk])
                continue
            chunk_ids = self._encode_chunk(chunk.encode("utf-8", "surrogatepass"), n_merges)
            if full:
                self._cache[chunk] = chunk_ids
            ids.extend(chunk_ids)
        return ids

    def _encode_chunk(self, raw: bytes, n_merges: int) -> list[int]:
        # Merge the pair that was learned first, again and again. That gives the same
        # result as replaying the merges in training order (a later merge can never
        # create a pair that an earlier merge would have taken).
        ids = list(raw)
        last = 256 + n_merges
        while len(ids) >= 2:
            pair = min(zip(ids, ids[1:], strict=False), key=lambda p: self.merges.get(p, last))
            new_id = self.merges.get(pair, last)
            if new_id >= last:
                break
            ids = merge(ids, pair, new_id)
        return ids

    def decode(self, ids) -> str:
        """Token ids -> text. Bytes that are not valid UTF-8 on their own become '�'."""
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        if isinstance(token_id, bool) or not isinstance(token_id, int):
            raise TypeError(f"token ids must be ints, got {token_id!r}")
        if token_id not in self.vocab:
            raise ValueError(f"token id {token_id} is not in this vocabulary (0..{self.n_vocab - 1})")
        return self.vocab[token_id]

    def to_tokenizer(self, name: str = "our_bpe") -> Tokenizer:
        """The same tokenizer as a tiktoken encoding, usable wherever the production ones are."""
        ranks = {raw: i for i, raw in self.vocab.items()}
        if len(ranks) != len(self.vocab):
            raise ValueError("two merges made the same bytes, so tiktoken cannot hold this vocabulary")
        return Tokenizer(name, tiktoken.Encoding(name=name, pat_str=self.pattern, mergeable_ranks=ranks,
                                                 special_tokens={}))


def _check_training_args(text, vocab_size) -> None:
    if not isinstance(text, str):
        raise TypeError(f"the training text must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError("the training text is empty; BPE needs text to count pairs in")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 256:
        raise ValueError(f"vocab_size must be a whole number >= 256 (the 256 byte values come first), "
                         f"got {vocab_size!r}")


def _best(counts: dict[Pair, int]) -> Pair:
    """The most frequent pair; on a tie, the smallest (left id, right id). Both trainers use this rule."""
    return min(counts, key=lambda p: (-counts[p], p))


def train_bpe_naive(text: str, vocab_size: int, pattern: str = SMOLLM2_SPLIT_PATTERN) -> BPE:
    """BPE exactly as described: after every merge, count all pairs of the whole text again."""
    _check_training_args(text, vocab_size)
    chunks = [list(chunk.encode("utf-8")) for chunk in regex.findall(pattern, text)]
    merges = {}
    for new_id in range(256, vocab_size):
        counts = {}
        for chunk in chunks:
            pair_counts(chunk, counts)
        if not counts or max(counts.values()) < 2:
            break                     # nothing left that occurs twice: more merges would not help
        pair = _best(counts)
        merges[pair] = new_id
        chunks = [merge(chunk, pair, new_id) for chunk in chunks]
    return BPE(merges, pattern)


def train_bpe(text: str, vocab_size: int, pattern: str = SMOLLM2_SPLIT_PATTERN,
              progress: Callable[[int, int], None] | None = None) -> BPE:
    """The same merges as train_bpe_naive, found much faster.

    Each distinct chunk (" the", " cat", ...) is stored once with its frequency; an
    index says which chunks contain each pair; and a heap finds the most frequent pair
    without scanning all of them. After a merge only the chunks that held the pair are
    recounted. progress(done, total) is called every 100 merges if given.
    """
    _check_training_args(text, vocab_size)
    freq = Counter(regex.findall(pattern, text))
    words = [list(chunk.encode("utf-8")) for chunk in freq]
    weights = list(freq.values())

    counts: dict[Pair, int] = {}
    where: dict[Pair, set[int]] = defaultdict(set)       # pair -> chunks that (may) contain it
    for w, (ids, weight) in enumerate(zip(words, weights, strict=True)):
        pair_counts(ids, counts, weight)
        for pair in zip(ids, ids[1:], strict=False):
            where[pair].add(w)
    heap = [(-c, pair) for pair, c in counts.items()]
    heapq.heapify(heap)

    merges = {}
    total = vocab_size - 256
    for new_id in range(256, vocab_size):
        # Entries go stale when a count changes (a fresh entry is pushed then); skip them.
        while heap and counts.get(heap[0][1], 0) != -heap[0][0]:
            heapq.heappop(heap)
        if not heap or -heap[0][0] < 2:
            break
        pair = heapq.heappop(heap)[1]
        merges[pair] = new_id
        changed: dict[Pair, int] = {}
        for w in where.pop(pair):
            old = words[w]
            new = merge(old, pair, new_id)
            if len(new) == len(old):
                continue                                  # the index was stale for this chunk
            for p in zip(old, old[1:], strict=False):
                changed[p] = changed.get(p, 0) - weights[w]
            for p in zip(new, new[1:], strict=False):
                changed[p] = changed.get(p, 0) + weights[w]
                where[p].add(w)
            words[w] = new
        for p, delta in changed.items():
            if delta:
                counts[p] = counts.get(p, 0) + delta
                if counts[p] > 0:
                    heapq.heappush(heap, (-counts[p], p))
                else:
                    del counts[p]
        counts.pop(pair, None)
        if progress and (new_id - 255) % 100 == 0:
            progress(new_id - 255, total)
    return BPE(merges, pattern)


def tokens_after_each_merge(bpe: BPE, text: str) -> list[int]:
    """How many tokens `text` takes after 0, 1, 2, ... merges: [bytes, ..., len(bpe.encode(text))].

    Replays the merges in the order they were learned, touching only the chunks that
    hold each merged pair, so the whole curve costs about as much as one encode.
    """
    chunks = [list(p.encode("utf-8", "surrogatepass")) for p in bpe.chunks(text)]
    where: dict[Pair, set[int]] = defaultdict(set)
    for k, ids in enumerate(chunks):
        for pair in zip(ids, ids[1:], strict=False):
            where[pair].add(k)
    n = sum(map(len, chunks))
    curve = [n]
    for pair, new_id in bpe.merges.items():
        for k in where.pop(pair, ()):
            new = merge(chunks[k], pair, new_id)
            n -= len(chunks[k]) - len(new)
            chunks[k] = new
            for p in zip(new, new[1:], strict=False):
                where[p].add(k)
        curve.append(n)
    return curve
