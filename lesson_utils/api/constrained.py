"""Structured output that always parses: decoding under a grammar, with llguidance.

At every step the grammar says which tokens keep the text a valid beginning of the answer (a JSON value
that fits the schema, a tool call). Their logits stay; every other token's logit becomes -inf, so it
cannot be drawn, whatever the temperature. When the text is complete the grammar allows only the end
of the turn. Notebook 10 writes the idea out by hand for a small schema and checks it against this.

Why llguidance (https://github.com/guidance-ai/llguidance): a small wheel with no dependencies, the
JSON-schema compiler and the token masks in Rust (a mask over SmolLM2's 49,152 tokens takes well
under a millisecond), read straight from tiktoken's encoding, which is what our tokenizer is;
xgrammar, the other well-kept engine, pulls in transformers and triton.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import torch
from llguidance import LLMatcher, LLTokenizer
from llguidance.tiktoken import lltokenizer_from_encoding

from ..llm.tokenizers import Tokenizer
from .chat_format import CALL_CLOSE, CALL_OPEN
from .protocol import ToolSpec, bad

END_OF_TURN_ID = 2  # <|im_end|>: the one token a finished grammar allows
# JSON written as json.dumps writes it: ", " and ": " between items, no other whitespace, so a small
# model cannot fill its answer with blank lines.
COMPACT = {"item_separator": ", ", "key_separator": ": ", "whitespace_flexible": False}


@functools.cache
def _lltokenizer(tokenizer: Tokenizer) -> LLTokenizer:
    return lltokenizer_from_encoding(tokenizer.encoding, eos_token=END_OF_TURN_ID)


def _checked(grammar: str, tokenizer: Tokenizer, param: str) -> str:
    failed, messages = LLMatcher.validate_grammar_with_warnings(grammar, _lltokenizer(tokenizer))
    if failed:
        raise bad(f"the schema cannot be used: {messages[0]}", param, "invalid_schema")
    return grammar


def json_grammar(schema: dict | None, tokenizer: Tokenizer) -> str:
    """The grammar of JSON text that fits `schema`; None means any JSON object (json_object)."""
    schema = {"type": "object"} if schema is None else schema
    try:
        grammar = LLMatcher.grammar_from_json_schema(schema, overrides=COMPACT)
    except ValueError as e:
        raise bad(
            f"the schema cannot be used: {e}", "response_format.json_schema.schema", "invalid_schema"
        ) from None
    return _checked(grammar, tokenizer, "response_format.json_schema.schema")


def tool_grammar(tools: list[ToolSpec], choice: str, tokenizer: Tokenizer) -> str:
    """The grammar of a reply when tools are offered: a call (with arguments that fit the tool's
    schema) or, when choice is "auto", a plain answer, which must then not begin with "<"."""
    offered = tools if choice in ("auto", "required") else [t for t in tools if t.name == choice]
    call = {
        "x-guidance": COMPACT,
        "anyOf": [
            {
                "type": "object",
                "properties": {"name": {"const": t.name}, "arguments": t.parameters},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
            for t in offered
        ]
    }
    rules = [f'call: "{CALL_OPEN}" arguments "{CALL_CLOSE}"', f"arguments: %json {json.dumps(call)}"]
    if choice == "auto":
        rules = ["start: call | plain", *rules, r"plain: /[^<][\s\S]*/"]
    else:
        rules = ["start: call", *rules]
    return _checked(LLMatcher.grammar_from_lark("\n".join(rules)), tokenizer, "tools")


class Constraint:
    """One reply's grammar state: which tokens may come next, and the tokens taken so far."""

    def __init__(self, grammar: str, tokenizer: Tokenizer):
        self.matcher = LLMatcher(_lltokenizer(tokenizer), grammar)
        self.vocab_size = tokenizer.n_vocab

    def allowed(self) -> torch.Tensor:
        """A bool tensor (V,): True for each token the grammar allows next."""
        bits = np.frombuffer(self.matcher.compute_bitmask(), dtype=np.uint8)
        return torch.from_numpy(np.unpackbits(bits, bitorder="little")[: self.vocab_size].astype(bool))

    def mask(self, logits: torch.Tensor) -> torch.Tensor:
        """logits (V,) with every token the grammar forbids at -inf."""
        return logits.masked_fill(~self.allowed().to(logits.device), float("-inf"))

    def take(self, token: int) -> None:
        if not self.matcher.consume_token(token):
            raise RuntimeError(f"the grammar refused token {token}: {self.matcher.get_error()}")

    def done(self) -> bool:
        """True when the grammar allows nothing more than the end of the turn."""
        return self.matcher.is_stopped()
