"""An API conversation, tools included, as the text SmolLM2 reads; and a tool call read back from its reply.

SmolLM2's chat template writes every message as <|im_start|>ROLE\\nCONTENT<|im_end|>, whatever the role,
so a tool's result is a turn of its own with the role "tool". The tools themselves are described
in the system message, and a call is written as

    <tool_call>{"name": "calculator", "arguments": {"expression": "12 * 7"}}</tool_call>

which is how SmolLM2's instruction data wrote calls. With tools the server decodes under a grammar
(constrained.py) that only lets the model write that shape with arguments that fit the tool's schema.
"""

from __future__ import annotations

import json
import secrets

from ..llm.chat import DEFAULT_SYSTEM, END_OF_TURN
from .protocol import ToolSpec

CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"


def tools_text(tools: list[ToolSpec], choice: str) -> str:
    """What the system message says about the tools."""
    listed = "\n".join(
        json.dumps({"name": t.name, "description": t.description, "parameters": t.parameters}) for t in tools
    )
    if choice == "auto":
        when = "If a tool helps, call it; otherwise answer directly."
    elif choice == "required":
        when = "Call one of the tools."
    else:
        when = f"Call the tool {choice}."
    return (
        f"You can call these tools:\n<tools>\n{listed}\n</tools>\n{when} To call a tool, reply with "
        f'only {CALL_OPEN}{{"name": <tool name>, "arguments": <arguments>}}{CALL_CLOSE}; its result comes '
        "back in a tool message."
    )


def turns(messages: list[dict], tools: list[ToolSpec], choice: str) -> list[tuple[str, str]]:
    """The checked messages (protocol.parse_request) as (role, text) turns, the tools in the system turn."""
    system = messages[0]["content"] if messages[0]["role"] == "system" else DEFAULT_SYSTEM
    rest = messages[1:] if messages[0]["role"] == "system" else messages
    if tools and choice != "none":
        system = f"{system}\n\n{tools_text(tools, choice)}"
    out = [("system", system)]
    for m in rest:
        text = m["content"]
        if m["role"] == "assistant":
            text += "".join(
                f"{CALL_OPEN}{json.dumps({'name': c['name'], 'arguments': _arguments(c)})}{CALL_CLOSE}"
                for c in m["tool_calls"]
            )
        out.append((m["role"], text))
    return out


def render(messages: list[dict], tools: list[ToolSpec], choice: str) -> str:
    """The prompt text the model reads, ending where the reply begins."""
    return (
        "".join(f"<|im_start|>{role}\n{text}{END_OF_TURN}\n" for role, text in turns(messages, tools, choice))
        + "<|im_start|>assistant\n"
    )


def encode(tokenizer, messages: list[dict], tools: list[ToolSpec], choice: str) -> list[int]:
    """render()'s text as token ids, with the chat's special tokens only where the format puts them.

    A message that contains the text "<|im_end|>" gets its characters, not the token, so no message
    can close its own turn and open another (a guard against prompt injection).
    """
    start, end, newline = (tokenizer.encode(t) for t in ("<|im_start|>", END_OF_TURN, "\n"))
    ids = []
    for role, text in turns(messages, tools, choice):
        ids += start + tokenizer.encode(f"{role}\n{text}", allow_special=False) + end + newline
    return ids + start + tokenizer.encode("assistant\n")


def _arguments(call: dict):
    """An earlier call's arguments as JSON; text that is not JSON is kept as a string."""
    try:
        return json.loads(call["arguments"])
    except json.JSONDecodeError:
        return call["arguments"]


def read_tool_call(text: str) -> dict | None:
    """The call in a reply made under the tool grammar, in OpenAI's shape, or None for a plain answer.

    '<tool_call>{"name": "f", "arguments": {"x": 1}}</tool_call>' ->
    {"id": "call_…", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    """
    if not text.startswith(CALL_OPEN):
        return None
    body = text[len(CALL_OPEN) :]
    body = body[: body.index(CALL_CLOSE)] if CALL_CLOSE in body else body
    try:
        call = json.loads(body)
    except json.JSONDecodeError:
        return None  # cut off by max_tokens: the text is returned as it is
    return {
        "id": f"call_{secrets.token_hex(12)}",
        "type": "function",
        "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
    }
