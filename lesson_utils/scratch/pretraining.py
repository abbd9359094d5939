"""Pretraining data in miniature: split into documents, clean, count, tokenize.

    report = clean_documents(split_documents(text))
    report.kept, report.counts     # the documents left, and how many each rule removed

Real pipelines do the same at the scale of billions of web pages: drop junk, drop exact
and near duplicates (so the model does not learn the same text many times over), keep
the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def split_documents(text: str) -> list[str]:
    """Paragraphs separated by blank lines, each stripped: "a\\n\\nb" -> ["a", "b"]."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def normalise(document: str) -> str:
    """Lower case, letters and digits only, single spaces: what near-duplicates share.
    "The cat, the CAT!" -> "the cat the cat"."""
    return " ".join(re.findall(r"[a-z0-9]+", document.lower()))


def junk_reason(document: str, min_chars: int = 40) -> str | None:
    """Why a document is junk, or None: too short, mostly not letters, or a run of the same word."""
    if len(document) < min_chars:
        return "too short"
    letters = sum(ch.isalpha() for ch in document)
    if letters < 0.6 * len(document):
        return "mostly not letters"
    words = document.lower().split()
    if len(words) >= 8 and len(set(words)) < 0.3 * len(words):
        return "the same few words repeated"
    return None


@dataclass
class CleaningReport:
    kept: list[str]
    counts: dict[str, int] = field(default_factory=dict)    # rule -> documents it removed
    examples: dict[str, str] = field(default_factory=dict)  # rule -> one removed document


def clean_documents(documents: list[str], min_chars: int = 40) -> CleaningReport:
    """Drop junk, then exact duplicates, then near duplicates (the same after `normalise`).
    The first copy of a duplicated document is kept."""
    report = CleaningReport(kept=[], counts={"junk": 0, "exact duplicate": 0, "near duplicate": 0})
    seen_exact, seen_near = set(), set()
    for document in documents:
        rule, key = None, normalise(document)
        if junk_reason(document, min_chars):
            rule = "junk"
        elif document in seen_exact:
            rule = "exact duplicate"
        elif key in seen_near:
            rule = "near duplicate"
        if rule:
            report.counts[rule] += 1
            report.examples.setdefault(rule, document)
            continue
        seen_exact.add(document)
        seen_near.add(key)
        report.kept.append(document)
    return report


@dataclass
class Dataset:
    report: CleaningReport
    train_text: str
    val_text: str
    tokenizer: object          # a lesson_utils.scratch.bpe.BPE
    train_ids: list[int]
    val_ids: list[int]


def prepare_corpus(text: str, vocab_size: int = 512, val_every: int = 10) -> Dataset:
    """Clean `text`, hold out every `val_every`-th document for validation, train a BPE tokenizer on
    the training part, and tokenize both parts. Deterministic."""
    from .bpe import train_bpe
    report = clean_documents(split_documents(text))
    train = [d for i, d in enumerate(report.kept) if i % val_every]
    val = [d for i, d in enumerate(report.kept) if not i % val_every]
    train_text, val_text = "\n\n".join(train), "\n\n".join(val)
    bpe = train_bpe(train_text, vocab_size)
    return Dataset(report, train_text, val_text, bpe, bpe.encode(train_text), bpe.encode(val_text))
