"""The chat format: a conversation is only text with special tokens between the turns.

SmolLM2's template (stored in the GGUF file as a Jinja template) writes each message as

    <|im_start|>ROLE
    CONTENT<|im_end|>

one after another, puts a default system message first when the conversation has
none, and ends with "<|im_start|>assistant\\n" so that the model writes the reply.
"""

from __future__ import annotations

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
