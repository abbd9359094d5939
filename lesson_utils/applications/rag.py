"""Retrieval-augmented generation: find the text that holds the answer, then let the model read it.

    docs = load_knowledge_base()                      # 34 short documents the model never saw
    chunks = chunk_documents(docs, size=50, overlap=10)
    bm25 = BM25([c.text for c in chunks])             # lexical: shared rare words
    question = "When does the Thaw term begin?"
    best = top_k(bm25.scores(question), 3)            # the 3 best chunks, best first
    prompt = build_prompt(question, [chunks[i] for i in best])

Dense retrieval (embeddings) lives in DenseIndex; the metrics (hit rate@k, MRR) in
retrieval_metrics.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..assets import ASSETS
from ..inputs import whole_number

KNOWLEDGE = ASSETS / "knowledge"
WORD = re.compile(r"[a-z0-9]+(?:[.,'-][a-z0-9]+)*")


@dataclass(frozen=True)
class Document:
    id: str          # the file name without .md, e.g. "college_03_library"
    title: str
    text: str        # the body, without the title line


@dataclass(frozen=True)
class Question:
    question: str
    answers: tuple[str, ...]     # any of these in a reply counts as right
    doc: str                     # id of the document that holds the answer


def load_knowledge_base(folder: Path | str = KNOWLEDGE / "docs") -> list[Document]:
    """Every `# Title` + body markdown file of the folder, sorted by name."""
    folder = Path(folder)
    files = sorted(folder.glob("*.md"))
    if not files:
        raise FileNotFoundError(f"no .md documents in {folder}; the knowledge base ships with the repository")
    docs = []
    for path in files:
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        docs.append(Document(path.stem, title.removeprefix("# ").strip(), body.strip()))
    return docs


def load_questions(path: Path | str = KNOWLEDGE / "questions.jsonl") -> list[Question]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Question(r["question"], tuple(r["answer"]), r["doc"]) for r in rows]


@dataclass(frozen=True)
class Chunk:
    doc: str         # document id
    index: int       # position of the chunk within its document
    start: int       # character offsets of the chunk in the document's text
    end: int
    text: str


def chunk_text(text: str, size: int, overlap: int = 0, doc: str = "") -> list[Chunk]:
    """Cut a text into chunks of `size` words, each sharing `overlap` words with the one before.

    "a b c d e", size 2, overlap 1 -> "a b", "b c", "c d", "d e"
    """
    for name, value in (("size", size), ("overlap", overlap)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be a whole number of words, got {value!r}")
    if size < 1:
        raise ValueError(f"size must be at least 1 word, got {size}")
    if not 0 <= overlap < size:
        raise ValueError(f"overlap must be from 0 to size - 1 ({size - 1}) words, got {overlap}")
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    chunks, first = [], 0
    while first < len(spans):
        last = min(first + size, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        chunks.append(Chunk(doc, len(chunks), start, end, text[start:end]))
        if last == len(spans) - 1:
            break
        first += size - overlap
    return chunks


def chunk_documents(docs: list[Document], size: int, overlap: int = 0) -> list[Chunk]:
    """All documents' chunks; each chunk's text starts with its document's title, for context."""
    out = []
    for d in docs:
        for c in chunk_text(d.text, size, overlap, d.id):
            out.append(Chunk(c.doc, c.index, c.start, c.end, f"{d.title}: {c.text}"))
    return out


def words(text: str) -> list[str]:
    """Lower-cased words and numbers: "The E-12 code, 4.5 h" -> ["the", "e-12", "code", "4.5", "h"]."""
    return WORD.findall(text.lower())


class BM25:
    """Okapi BM25: a chunk scores high when it holds the query's words, rare words counting most.

    score(q, c) = Σ over query words w of  idf(w) · tf(w, c) · (k1 + 1) / (tf(w, c) + k1 · L(c))
    L(c) = 1 − b + b · |c| / average |c|   (long chunks need more matches for the same score)
    idf(w) = log(1 + (N − n(w) + 0.5) / (n(w) + 0.5)),  n(w) = chunks holding w, N = all chunks.
    """

    def __init__(self, texts: list[str], k1: float = 1.5, b: float = 0.75):
        if not texts:
            raise ValueError("give at least one text to search")
        self.k1, self.b = k1, b
        self.counts = [Counter(words(t)) for t in texts]
        self.lengths = np.array([sum(c.values()) for c in self.counts], dtype=float)
        self.average = self.lengths.mean()
        holding = Counter(w for c in self.counts for w in c)
        n = len(texts)
        self.idf = {w: math.log(1 + (n - k + 0.5) / (k + 0.5)) for w, k in holding.items()}

    def scores(self, query: str) -> np.ndarray:
        """One score per text (N,); words the texts never use add nothing."""
        _check_query(query)
        out = np.zeros(len(self.counts))
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.average)
        for w in set(words(query)):
            if w not in self.idf:
                continue
            tf = np.array([c[w] for c in self.counts], dtype=float)
            out += self.idf[w] * tf * (self.k1 + 1) / (tf + norm)
        return out


class DenseIndex:
    """Embedding search: texts and queries become vectors; the score is their cosine similarity.

    The vectors are SmolLM2's mean-pooled final states (embeddings.sentence_embedding), minus
    their average over the texts, which removes what every text shares (notebook 02).
    """

    def __init__(self, model, tokenizer, texts: list[str], batch_size: int = 16):
        from ..inside.embeddings import sentence_embedding
        if not texts:
            raise ValueError("give at least one text to search")
        self.model, self.tokenizer = model, tokenizer
        raw = sentence_embedding(model, tokenizer, texts, batch_size=batch_size)
        self.centre = raw.mean(0)
        self.vectors = torch.nn.functional.normalize(raw - self.centre, dim=1)      # (N, D)

    def embed(self, queries: list[str]) -> torch.Tensor:
        from ..inside.embeddings import sentence_embedding
        for q in queries:
            _check_query(q)
        raw = sentence_embedding(self.model, self.tokenizer, queries, batch_size=16)
        return torch.nn.functional.normalize(raw - self.centre, dim=1)

    def scores(self, query: str) -> np.ndarray:
        return (self.vectors @ self.embed([query])[0]).numpy()


def _check_query(query) -> None:
    if not isinstance(query, str):
        raise TypeError(f"the question must be a str, got {type(query).__name__}")
    if not query.strip():
        raise ValueError("the question is empty: type a question")


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest scores, best first (ties: the earlier index first)."""
    whole_number("k", k, low=1)
    order = np.argsort(-np.asarray(scores), kind="stable")
    return order[:k].tolist()


def retrieval_metrics(ranked_docs: list[list[str]], gold: list[str], k: int) -> dict:
    """Hit rate@k (share of questions whose document is among the top k) and MRR.

    ranked_docs[i]: document ids of question i's chunks, best first (repeats allowed).
    MRR: the mean of 1 / (rank of the first chunk from the right document), 0 when absent.
    """
    if len(ranked_docs) != len(gold) or not gold:
        raise ValueError("give one ranking per question, and at least one question")
    hits, reciprocal = 0, 0.0
    for ranking, want in zip(ranked_docs, gold, strict=True):
        if want in ranking[:k]:
            hits += 1
        if want in ranking:
            reciprocal += 1 / (ranking.index(want) + 1)
    return {"hit_rate": hits / len(gold), "mrr": reciprocal / len(gold)}


def build_prompt(question: str, chunks: list[Chunk]) -> list[dict]:
    """A conversation asking the model to answer from numbered sources (none: closed book)."""
    _check_query(question)
    if not chunks:
        return [{"role": "user", "content": f"{question} Answer in one short sentence."}]
    sources = "\n".join(f"[{i}] {c.text}" for i, c in enumerate(chunks, 1))
    rule = "Answer the question from the sources below, in one short sentence."
    return [{"role": "system", "content": rule},
            {"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {question}"}]


def is_correct(reply: str, answers: tuple[str, ...]) -> bool:
    """Does the reply contain one of the accepted answers as whole words (case and spacing ignored)?

    "It costs 25 degrees" does not contain "5 degrees"; "at 6:00" contains "6:00" but "16:00" does not.
    """
    squash = " ".join(reply.lower().split())
    for answer in answers:
        target = re.escape(" ".join(answer.lower().split()))
        if re.search(rf"(?<![\w.]){target}(?![\w])", squash):
            return True
    return False


def search(scores: np.ndarray, chunks: list[Chunk], k: int) -> list[dict]:
    """The top k chunks of one search as rows {"rank", "chunk", "doc", "score", "text"}, best first."""
    return [{"rank": r, "chunk": i, "doc": chunks[i].doc, "score": float(scores[i]), "text": chunks[i].text}
            for r, i in enumerate(top_k(scores, k), 1)]
