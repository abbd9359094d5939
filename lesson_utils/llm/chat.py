"""The chat format: a conversation is only text with special tokens between the turns.

SmolLM2's template (stored in the GGUF file as a Jinja template) writes each message as

    <|im_start|>ROLE
    CONTENT<|im_end|>

one after another, puts a default system message first when the conversation has
none, and ends with "<|im_start|>assistant\\n" so that the model writes the reply.
"""

from __future__ import annotations

from ..inputs import whole_number

DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
ROLES = ("system", "user", "assistant")
END_OF_TURN = "<|im_end|>"


def check_messages(messages) -> list[dict]:
    if isinstance(messages, str):
        raise TypeError('messages must be a list of dicts, e.g. [{"role": "user", "content": "Hi"}]; '
                        "for a single question use user(text)")
    if not isinstance(messages, (list, tuple)) or not messages:
        raise ValueError('messages must be a non-empty list like [{"role": "user", "content": "Hi"}]')
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            raise ValueError(f"message {i} must be a dict with exactly the keys 'role' and 'content', "
                             f"got {m!r}")
        if m["role"] not in ROLES:
            raise ValueError(f"message {i} has role {m['role']!r}; use one of {ROLES}")
        if not isinstance(m["content"], str):
            raise TypeError(f"message {i}: content must be a str, got {type(m['content']).__name__}")
    return list(messages)


def render_chat(messages, add_generation_prompt: bool = True) -> str:
    """A conversation -> the exact text SmolLM2 was trained on.

    [{"role": "user", "content": "Hi"}] ->
    "<|im_start|>system\\nYou are a helpful ...<|im_end|>\\n<|im_start|>user\\nHi<|im_end|>\\n"
    "<|im_start|>assistant\\n"
    """
    messages = check_messages(messages)
    parts = []
    if messages[0]["role"] != "system":
        parts.append(f"<|im_start|>system\n{DEFAULT_SYSTEM}{END_OF_TURN}\n")
    for m in messages:
        parts.append(f"<|im_start|>{m['role']}\n{m['content']}{END_OF_TURN}\n")
    if add_generation_prompt:
        parts.append("<|im_start|>assistant\n")
    return "".join(parts)


def user(text: str, system: str | None = None) -> list[dict]:
    """The conversation of one question: [system?, user]."""
    messages = [{"role": "system", "content": system}] if system is not None else []
    return check_messages(messages + [{"role": "user", "content": text}])


def drop_oldest_turns(messages, count_tokens, max_tokens: int) -> tuple[list[dict], int]:
    """What chat applications do when a conversation outgrows the context window.

    Drop the oldest user/assistant messages (a whole user + assistant exchange at a
    time) until the rendered conversation takes at most `max_tokens` tokens. A leading
    system message and the last message are always kept. count_tokens(text) -> int,
    e.g. lambda text: len(tokenizer.encode(text)).
    Returns (the messages kept, how many were dropped).
    """
    messages = check_messages(messages)
    if not callable(count_tokens):
        raise TypeError("count_tokens must be a function text -> number of tokens, "
                        "e.g. lambda text: len(tokenizer.encode(text))")
    whole_number("max_tokens", max_tokens, low=1)
    head = messages[:1] if messages[0]["role"] == "system" else []
    body = messages[len(head):]
    dropped = 0
    while count_tokens(render_chat(head + body)) > max_tokens:
        if len(body) <= 1:
            raise ValueError(f"even the system message and the last message alone take "
                             f"{count_tokens(render_chat(head + body))} tokens, more than {max_tokens}; "
                             "shorten them")
        body = body[1:]
        dropped += 1
        while len(body) > 1 and body[0]["role"] == "assistant":     # never start with a reply
            body = body[1:]
            dropped += 1
    return head + body, dropped
