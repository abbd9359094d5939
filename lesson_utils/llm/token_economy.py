"""Counting tokens: how a text is cut, how many tokens it costs, what that costs in money.

    spans = token_spans(get_tokenizer("smollm2"), "Hello world")   # [TokenSpan(19556, "Hello"), ...]
    text_stats(tokenizer, "Hello world")                            # 11 characters, 2 words, 2 tokens
    price_usd(1_000_000, usd_per_million=0.5)                       # 0.5
"""

from __future__ import annotations

from dataclasses import dataclass

from ..inputs import whole_number
from .tokenizers import Tokenizer


@dataclass(frozen=True)
class TokenSpan:
    id: int
    text: str             # the token's characters, or its bytes as "<0xF0><0x9F>" for part of a character
    special: bool = False


def _check(tokenizer, text) -> None:
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"tokenizer must be a Tokenizer, e.g. get_tokenizer('smollm2'); got "
                        f"{type(tokenizer).__name__}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")


def token_spans(tokenizer: Tokenizer, text: str) -> list[TokenSpan]:
    """The text cut into its tokens, in order: "Hello world" -> [(19556, "Hello"), (905, " world")]."""
    _check(tokenizer, text)
    ids = tokenizer.encode(text)
    special = set(tokenizer.special_tokens.values())
    return [TokenSpan(i, s, i in special)
            for i, s in zip(ids, tokenizer.token_strings(ids), strict=True)]


def count_words(text: str) -> int:
    """Words separated by whitespace. Chinese and Japanese write no spaces, so a whole
    sentence counts as one "word" there: compare those languages by characters instead."""
    return len(text.split())


@dataclass(frozen=True)
class TextStats:
    characters: int
    words: int
    tokens: int

    @property
    def chars_per_token(self) -> float:
        return self.characters / self.tokens if self.tokens else 0.0


def text_stats(tokenizer: Tokenizer, text: str) -> TextStats:
    """Characters, whitespace-separated words and tokens of one text."""
    _check(tokenizer, text)
    return TextStats(len(text), count_words(text), len(tokenizer.encode(text)))


def price_usd(n_tokens: int, usd_per_million: float) -> float:
    """What n_tokens cost at a price quoted per million tokens: (250_000, 2.0) -> 0.5."""
    whole_number("n_tokens", n_tokens, low=0)
    price = usd_per_million
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
        raise ValueError(f"usd_per_million must be a price >= 0, e.g. 0.5, got {usd_per_million!r}")
    return n_tokens * usd_per_million / 1_000_000


def compare_tokenizers(texts: dict[str, str], tokenizers: dict[str, Tokenizer]) -> list[dict]:
    """One row per text: its characters and words, and per tokenizer its tokens and chars/token.

    {"English": "Hi there"}, {"smollm2": tok} ->
    [{"text": "English", "characters": 8, "words": 2, "smollm2 tokens": 2, "smollm2 chars/token": 4.0}]
    """
    if not texts or not tokenizers:
        raise ValueError("give at least one text and one tokenizer, each as a dict name -> value")
    rows = []
    for label, text in texts.items():
        row = {"text": label, "characters": len(text), "words": count_words(text)}
        for name, tokenizer in tokenizers.items():
            stats = text_stats(tokenizer, text)
            row[f"{name} tokens"] = stats.tokens
            row[f"{name} chars/token"] = stats.chars_per_token
        rows.append(row)
    return rows
