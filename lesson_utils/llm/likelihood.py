"""How likely the model finds a whole text: log-probabilities and perplexity.

    score = sentence_score(model, tokenizer, "The capital of France is Paris.")
    score.total          # log P(token 2 | token 1) + log P(token 3 | tokens 1-2) + ...  (natural log)
    score.perplexity     # exp(-total / tokens scored): "as unsure as choosing among this many tokens"

The first token has nothing before it, so it is not scored (SmolLM2 adds no start token).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .model import Transformer
from .tokenizers import Tokenizer


@dataclass
class SentenceScore:
    tokens: list[str]          # every token of the text
    logprobs: list[float]      # log P of tokens[1:], each given the tokens before it

    @property
    def total(self) -> float:
        return sum(self.logprobs)

    @property
    def perplexity(self) -> float:
        return math.exp(-self.total / len(self.logprobs))


def token_logprobs(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log P(target) under each row of logits: logits (..., V) and targets (...) -> (...).

    The one place the series turns scores into the log-probability of a given token: sentence
    scores here, the tiny GPT's continuations, and the answers of post-training all use it.
    Keeps gradients when the logits have them.
    """
    return logits.log_softmax(-1).gather(-1, targets[..., None])[..., 0]


@torch.inference_mode()
def sentence_score(model: Transformer, tokenizer: Tokenizer, text: str) -> SentenceScore:
    """Score a text token by token; it needs at least two tokens."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    ids = tokenizer.encode(text)
    if len(ids) < 2:
        raise ValueError(f"{text!r} is {len(ids)} token(s); a score needs at least two, since the first "
                         "token has nothing before it to be predicted from")
    if len(ids) > model.config.context_length:
        raise ValueError(f"{len(ids)} tokens do not fit in the context window of "
                         f"{model.config.context_length}; score a shorter text")
    logits = model(torch.tensor([ids], device=model.device)).logits[0].float()
    logprobs = token_logprobs(logits[:-1], torch.tensor(ids[1:], device=logits.device))
    return SentenceScore(tokenizer.token_strings(ids), logprobs.cpu().tolist())


@torch.inference_mode()
def continuation_probs(model: Transformer, prompt_ids: list[int], continuation_ids: list[int]) -> list[float]:
    """The probability the model gave each token of a continuation, one forward pass:
    [P(c1 | prompt), P(c2 | prompt c1), ...]."""
    if not prompt_ids or not continuation_ids:
        raise ValueError("give a non-empty prompt and a non-empty continuation (token id lists)")
    ids = list(prompt_ids) + list(continuation_ids)
    logits = model(torch.tensor([ids], device=model.device)).logits[0, len(prompt_ids) - 1:-1].float()
    return token_logprobs(logits, torch.tensor(continuation_ids, device=logits.device)).exp().cpu().tolist()
