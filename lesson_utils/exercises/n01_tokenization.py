"""Exercises of notebook 01: write BPE's merge step, count a chat's tokens, predict a cost."""

from __future__ import annotations

import copy

from ..llm.chat import render_chat
from ..llm.tokenizers import Tokenizer
from ..scratch.bpe import merge
from .checks import student_call, unanswered, verdict

# (ids, pair, new id) and what merge must return; the comments say what each case tests.
MERGE_CASES = [
    ([1, 2, 3, 1, 2], (1, 2), 256),       # the example from the notebook
    ([5, 6, 7], (8, 9), 300),             # the pair does not occur: nothing changes
    ([], (1, 2), 256),                    # an empty list stays empty
    ([4], (4, 4), 256),                   # one token has no pair
    ([7, 7, 7], (7, 7), 300),             # overlapping: left to right, so [300, 7]
    ([7, 7, 7, 7], (7, 7), 300),          # two non-overlapping copies: [300, 300]
    ([1, 2, 1, 3, 2, 1, 2], (1, 2), 999),  # the pair at both ends, with near misses between
]


def check_merge(merge_fn) -> bool:
    """Exercise: write merge(ids, pair, new_id), BPE's replace-every-occurrence step."""
    if unanswered(merge_fn):
        return False
    if not callable(merge_fn):
        return verdict(False, "pass your function itself, e.g. check_merge(my_merge)")
    for ids, pair, new_id in MERGE_CASES:
        given = copy.copy(ids)
        want = merge(ids, pair, new_id)
        got, problem = student_call(f"merge({ids}, {pair}, {new_id})", merge_fn, given, pair, new_id)
        if problem:
            return verdict(False, problem)
        if got is None:
            return verdict(False, f"merge({ids}, {pair}, {new_id}) returned None; build a new list and "
                                   "return it")
        if given != ids and got != want:
            return verdict(False, f"merge({ids}, ...) changed the list it was given into {given}; "
                                   "leave the input alone and return a new list")
        if not isinstance(got, (list, tuple)):
            return verdict(False, f"merge({ids}, {pair}, {new_id}) returned {got!r}, which is "
                                   "not a list; return the new list of token ids")
        got = list(got)
        if got == want:
            continue
        hint = ""
        if len(got) == len(ids) and pair[0] != pair[1]:
            hint = " Both tokens of the pair must become one new token, so the list gets shorter."
        elif ids == [7, 7, 7]:
            hint = (" Here the pair overlaps itself: after replacing the first two 7s, move on past both of "
                    "them, so the third 7 stays.")
        return verdict(False, f"merge({ids}, {pair}, {new_id}) gave {got}, expected {want}.{hint}")
    return verdict(True, f"your merge handles all {len(MERGE_CASES)} cases, overlapping pairs included.")


def check_chat_token_count(answer, messages, tokenizer: Tokenizer) -> bool:
    """Exercise: how many tokens does the model read for this conversation?"""
    if unanswered(answer):
        return False
    if isinstance(answer, bool) or not isinstance(answer, int):
        return verdict(False, f"give a whole number of tokens, not {type(answer).__name__}")
    text = render_chat(messages)
    right = len(tokenizer.encode(text))
    content_only = sum(len(tokenizer.encode(m["content"])) for m in messages)
    if answer == right:
        return verdict(True, f"{right} tokens, of which {content_only} are the messages themselves; "
                              "the rest is the chat format.")
    hints = {
        content_only: "that counts the messages' words only. The model reads the whole chat text: "
                      "render it with render_chat first, then encode that.",
        len(tokenizer.encode(render_chat(messages, add_generation_prompt=False))):
            "almost: the text ends with '<|im_start|>assistant\\n' so the model writes the reply; "
            "count that too (render_chat adds it by default).",
        len(tokenizer.encode(text, allow_special=False)):
            "that reads '<|im_start|>' as 12 ordinary characters. In a chat it is one special token: "
            "encode with allow_special=True (the default).",
        len(text): "that is the number of characters, not tokens.",
    }
    if answer in hints:
        return verdict(False, hints[answer])
    return verdict(False, f"{answer} is off by {answer - right:+}. Render the conversation with "
                           "render_chat, encode it with the smollm2 tokenizer, and take len() of the ids.")


def check_costlier(answer, text_a: str, text_b: str, tokenizer: Tokenizer) -> bool:
    """Exercise: predict which of two texts takes more tokens ("A", "B" or "same"), then see the counts."""
    if unanswered(answer):
        return False
    choice = answer.strip().upper() if isinstance(answer, str) else None
    if choice not in ("A", "B", "SAME"):
        return verdict(False, 'answer "A", "B" or "same"')
    a, b = len(tokenizer.encode(text_a)), len(tokenizer.encode(text_b))
    right = "A" if a > b else "B" if b > a else "SAME"
    counts = (f"A is {len(text_a)} characters and {a} tokens; B is {len(text_b)} characters and {b} tokens "
              f"with {tokenizer.name}.")
    if choice == right:
        return verdict(True, counts)
    return verdict(False, counts + " Look at how each text is cut: run token_spans on both.")
