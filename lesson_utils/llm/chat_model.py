"""The real chat model as one object: network + tokenizer + chat format, text in and out.

    lm = load_chat_model()
    lm.top_next_tokens("The capital of France is", k=5)
    lm.generate("Once upon a time", max_new_tokens=20)            # plain text completion
    lm.chat("What is 2 + 2?", system="Answer in one word.")       # chat-formatted
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from ..inputs import whole_number
from . import generation
from .chat import END_OF_TURN, check_messages, render_chat, user
from .model import Transformer
from .tokenizers import Tokenizer, get_tokenizer


@dataclass
class Generated:
    ids: list[int]     # the new token ids (without the prompt and the stop token)
    text: str


class ChatModel:
    def __init__(self, model: Transformer, tokenizer: Tokenizer):
        self.model, self.tokenizer = model, tokenizer
        # End of a chat turn, or end of a document: generation stops at either.
        self.stop_ids = (tokenizer.encode(END_OF_TURN)[0], tokenizer.encode("<|endoftext|>")[0])

    def __repr__(self) -> str:
        from .quantized import is_fast, model_bytes
        if is_fast(self.model):
            return (f"ChatModel(SmolLM2-135M-Instruct, fast path: 4-bit layers, "
                    f"{model_bytes(self.model) / 1e6:.0f} MB of weights, on {self.model.device})")
        n = sum(p.numel() for p in self.model.parameters())
        return f"ChatModel(SmolLM2-135M-Instruct, {n:,} parameters, on {self.model.device})"

    @property
    def device(self) -> torch.device:
        return self.model.device

    def encode(self, text: str) -> list[int]:
        ids = self.tokenizer.encode(text)
        return generation.check_prompt_ids(ids, self.model.config.context_length)

    def next_token_probs(self, prompt: str) -> torch.Tensor:
        """Probabilities (49152,) of every token coming next after the text `prompt`."""
        return generation.next_token_distribution(self.model, self.encode(_text(prompt)))

    def top_next_tokens(self, prompt: str, k: int = 10) -> list[dict]:
        """The k most likely next tokens: [{"id": 7042, "text": " Paris", "p": 0.9}, ...]."""
        return self.top_tokens(self.next_token_probs(prompt), k)

    def top_tokens(self, probs: torch.Tensor, k: int = 10) -> list[dict]:
        """The k most likely tokens of a distribution (V,) you already have, as top_next_tokens()."""
        whole_number("k", k, low=1)
        top = probs.topk(min(k, probs.numel()))
        texts = self.tokenizer.token_strings(top.indices.tolist())
        return [{"id": i, "text": t, "p": p}
                for i, t, p in zip(top.indices.tolist(), texts, top.values.tolist(), strict=True)]

    def _settings(self, settings: dict) -> dict:
        settings.setdefault("stop_ids", self.stop_ids)
        settings.setdefault("pad_id", self.tokenizer.pad_id or 0)
        return settings

    def generate(self, prompt: str, **settings) -> Generated:
        """Continue the raw text `prompt` (write chat special tokens yourself, or use chat()).

        settings: max_new_tokens (64), temperature (0 = greedy), top_k, top_p, seed.
        """
        ids = generation.generate(self.model, self.encode(_text(prompt)), **self._settings(settings))
        return Generated(ids, self.tokenizer.decode(ids))

    def generate_batch(self, prompts: list[str], batch_size: int | None = None,
                       **settings) -> list[Generated]:
        """generate() for many prompts at once: the same results, much faster per token.

        batch_size: at most this many prompts run together (long prompts need memory); None = all.
        """
        if isinstance(prompts, str) or not isinstance(prompts, (list, tuple)):
            raise TypeError("prompts must be a list of strings; for one prompt use generate()")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a whole number >= 1 or None, got {batch_size!r}")
        encoded = [self.encode(_text(p)) for p in prompts]
        size = batch_size or max(1, len(encoded))
        outs = []
        for first in range(0, max(1, len(encoded)), size):   # an empty list still reaches the check
            part = encoded[first:first + size]
            outs += generation.generate_batch(self.model, part, **self._settings(settings))
        return [Generated(ids, self.tokenizer.decode(ids)) for ids in outs]

    def stream(self, prompt: str, **settings) -> Iterator[str]:
        """generate(), yielding text as it is produced (whole characters only)."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        for token in generation.stream(self.model, self.encode(_text(prompt)), **self._settings(settings)):
            piece = decoder.decode(self.tokenizer.token_bytes(token))
            if piece:
                yield piece
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def chat_prompt(self, messages, system: str | None = None) -> str:
        """The raw text the model sees for a conversation (or one question as a str)."""
        if isinstance(messages, str):
            messages = user(_text(messages), system)
        elif system is not None:
            raise ValueError("give the system message either inside messages or as system=, not both")
        return render_chat(check_messages(messages))

    def chat(self, messages, system: str | None = None, **settings) -> str:
        """The assistant's reply to a conversation, or to one question given as a str."""
        settings.setdefault("max_new_tokens", 128)
        return self.generate(self.chat_prompt(messages, system), **settings).text


def _text(prompt) -> str:
    if not isinstance(prompt, str):
        raise TypeError(f"the prompt must be a str, got {type(prompt).__name__}")
    if not prompt:
        raise ValueError("the prompt is empty: write at least one character")
    return prompt


def load_chat_model(device=None, progress=print, fast: bool = False) -> ChatModel:
    """SmolLM2-135M-Instruct, ready to use. The first call builds the weight cache (~10 s).

    fast: False (the default) runs the float32 weights, the exact numbers the notebooks teach
          and compare with transformers. True runs the file's 4-bit weights as 4-bit on the CPU
          (lesson_utils.llm.quantized): faster generation, the same next token at about 98 steps in 100.
    """
    if fast:
        from .quantized import load_fast_transformer
        return ChatModel(load_fast_transformer(device=device), get_tokenizer("smollm2"))
    from .weights import load_transformer
    return ChatModel(load_transformer(device=device, progress=progress), get_tokenizer("smollm2"))
