"""What a chat-completions request may say, checked before the model sees it (OpenAI's shapes).

    request = parse_request({"model": MODEL_ID, "messages": [{"role": "user", "content": "Hi"}]})
    request.max_tokens  -> 256 (our default when neither max_tokens nor max_completion_tokens is set)

Every problem is an `APIError`, which the server sends as OpenAI's error shape,
{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}, so a client library shows it as
it would show a hosted provider's. A field of OpenAI's API that this server does not honour is
refused when it is sent with anything but its default value: nothing that would change the answer
is silently ignored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

MODEL_ID = "SmolLM2-135M-Instruct"
DEFAULT_MAX_TOKENS = 256
MAX_STOP_SEQUENCES = 4
MAX_TOP_LOGPROBS = 20

# OpenAI fields this server does not implement, each with the value(s) that mean "not used".
UNSUPPORTED_UNLESS_DEFAULT = {
    "n": (None, 1),
    "presence_penalty": (None, 0, 0.0),
    "frequency_penalty": (None, 0, 0.0),
    "logit_bias": (None, {}),
    "audio": (None,),
    "modalities": (None, ["text"]),
    "prediction": (None,),
    "reasoning_effort": (None,),
    "web_search_options": (None,),
    "service_tier": (None, "auto", "default"),
    "function_call": (None,),
    "functions": (None,),
    "verbosity": (None,),
}
# Fields that do not change the answer, accepted and not used.
ACCEPTED_AND_UNUSED = {
    "user",
    "metadata",
    "store",
    "parallel_tool_calls",
    "safety_identifier",
    "prompt_cache_key",
}
KNOWN = {
    "model",
    "messages",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "logprobs",
    "top_logprobs",
    "response_format",
    "tools",
    "tool_choice",
    "stream",
    "stream_options",
}


class APIError(Exception):
    """A request the server will not answer, as OpenAI words it: HTTP status, message, param, code."""

    def __init__(
        self,
        status: int,
        message: str,
        param: str | None = None,
        code: str | None = None,
        kind: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.kind = kind or {
            400: "invalid_request_error",
            401: "authentication_error",
            404: "invalid_request_error",
            429: "rate_limit_error",
        }.get(status, "server_error")
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


def bad(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param, code)


@dataclass
class ToolSpec:
    name: str
    description: str
    parameters: dict


@dataclass
class ChatRequest:
    messages: list[dict]  # checked: role, content (str or None), tool_calls, tool_call_id
    temperature: float = 1.0
    top_p: float | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    max_tokens_given: bool = False  # False: the default, lowered to fit the context window
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    response_format: str = "text"  # "text", "json_object" or "json_schema"
    schema: dict | None = None  # the JSON schema of json_schema
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: str = "auto"  # "auto", "none", "required", or a tool's name
    stream: bool = False
    include_usage: bool = False


def parse_request(body: Any) -> ChatRequest:
    """The request body (parsed JSON) -> a checked ChatRequest, or an APIError naming the field."""
    if not isinstance(body, dict):
        raise bad(
            "the request body must be a JSON object like "
            '{"model": "SmolLM2-135M-Instruct", "messages": [{"role": "user", "content": "Hi"}]}'
        )
    for name, value in body.items():
        if name in UNSUPPORTED_UNLESS_DEFAULT:
            if not any(
                value == default and type(value) is type(default)
                for default in UNSUPPORTED_UNLESS_DEFAULT[name]
            ):
                raise bad(
                    f"{name} is not supported by this server; leave it out", name, "unsupported_parameter"
                )
        elif name not in KNOWN and name not in ACCEPTED_AND_UNUSED:
            raise bad(f"unrecognized request argument supplied: {name}", name, "unknown_parameter")
    if "model" not in body:
        raise bad(f'you must give a model, e.g. "model": "{MODEL_ID}"', "model", "missing_required_parameter")
    if body["model"] != MODEL_ID:
        raise APIError(
            404,
            f"the model {body['model']!r} does not exist here; the one model is {MODEL_ID!r} "
            "(GET /v1/models lists it)",
            "model",
            "model_not_found",
        )
    request = ChatRequest(messages=_messages(body.get("messages")))
    if body.get("temperature") is not None:
        request.temperature = _number(body["temperature"], "temperature", 0, 2)
    if body.get("top_p") is not None:
        request.top_p = _number(body["top_p"], "top_p", 0, 1, low_open=True)
    request.max_tokens = _max_tokens(body)
    request.max_tokens_given = (
        body.get("max_tokens") is not None or body.get("max_completion_tokens") is not None
    )
    request.stop = _stop(body.get("stop"))
    if body.get("seed") is not None:
        request.seed = _whole(body["seed"], "seed", -(2**63), 2**63 - 1)
    request.logprobs = _flag(body.get("logprobs"), "logprobs")
    if body.get("top_logprobs") is not None:
        request.top_logprobs = _whole(body["top_logprobs"], "top_logprobs", 0, MAX_TOP_LOGPROBS)
        if not request.logprobs:
            raise bad('top_logprobs needs "logprobs": true', "top_logprobs")
    request.response_format, request.schema = _response_format(body.get("response_format"))
    request.tools = _tools(body.get("tools"))
    request.tool_choice = _tool_choice(body.get("tool_choice"), request.tools)
    if request.tools and request.tool_choice != "none" and request.response_format != "text":
        raise bad("give either tools or a JSON response_format, not both", "response_format")
    request.stream = _flag(body.get("stream"), "stream")
    request.include_usage = _stream_options(body.get("stream_options"), request.stream)
    return request


def parse_json(raw: bytes) -> Any:
    """The request's bytes as JSON, or an APIError saying where the JSON breaks."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise bad("the request body is not UTF-8 text; send JSON encoded as UTF-8") from None
    except json.JSONDecodeError as e:
        raise bad(
            f"the request body is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
            "send a JSON object"
        ) from None


# ---------------------------------------------------------------- the fields, one by one


def _number(value, name: str, low: float, high: float, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad(f"{name} must be a number, got {json.dumps(value)}", name, "invalid_type")
    if value < low or value > high or (low_open and value == low):
        interval = f"{'(' if low_open else '['}{low}, {high}]"
        raise bad(f"{name} must be in {interval}, got {value}", name, "invalid_value")
    return float(value)


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"{name} must be a whole number, got {json.dumps(value)}", name, "invalid_type")
    if not low <= value <= high:
        raise bad(f"{name} must be between {low} and {high}, got {value}", name, "invalid_value")
    return value


def _flag(value, name: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad(f"{name} must be true or false, got {json.dumps(value)}", name, "invalid_type")
    return value


def _max_tokens(body: dict) -> int:
    given = [name for name in ("max_completion_tokens", "max_tokens") if body.get(name) is not None]
    if len(given) == 2 and body["max_tokens"] != body["max_completion_tokens"]:
        raise bad("max_tokens and max_completion_tokens disagree; give one of them", "max_tokens")
    if not given:
        return DEFAULT_MAX_TOKENS
    return _whole(body[given[0]], given[0], 1, 8192)


def _stop(value) -> list[str]:
    if value is None:
        return []
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise bad("stop must be a string or a list of strings", "stop", "invalid_type")
    if len(stops) > MAX_STOP_SEQUENCES or any(s == "" for s in stops):
        raise bad(f"stop takes 1 to {MAX_STOP_SEQUENCES} non-empty strings", "stop", "invalid_value")
    return stops


def _text_of(content, where: str) -> str:
    """A message's content: a string, or a list of {"type": "text", "text": ...} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for j, part in enumerate(content):
            if (
                not isinstance(part, dict)
                or part.get("type") != "text"
                or not isinstance(part.get("text"), str)
            ):
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise bad(
                    f"{where}.content[{j}] is {kind!r}: this model reads text only; send "
                    '{"type": "text", "text": "..."} parts or a string',
                    f"{where}.content",
                )
            texts.append(part["text"])
        return "".join(texts)
    raise bad(
        f"{where}.content must be a string, got {json.dumps(content)[:40]}",
        f"{where}.content",
        "invalid_type",
    )


def _messages(value) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise bad(
            'messages must be a non-empty list, e.g. [{"role": "user", "content": "Hi"}]',
            "messages",
            "invalid_value" if isinstance(value, list) else "invalid_type",
        )
    checked, call_ids = [], set()
    for i, m in enumerate(value):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise bad(f"{where} must be an object with a role and content", where, "invalid_type")
        role = m.get("role")
        if role == "developer":  # OpenAI's newer name for the system message
            role = "system"
        if role not in ("system", "user", "assistant", "tool"):
            raise bad(
                f"{where}.role must be system, developer, user, assistant or tool; got {json.dumps(role)}",
                f"{where}.role",
                "invalid_value",
            )
        if role == "assistant":
            calls = _assistant_calls(m.get("tool_calls"), where)
            call_ids |= {c["id"] for c in calls}
            if m.get("content") is None and not calls:
                raise bad(f"{where} needs content or tool_calls", f"{where}.content")
            content = "" if m.get("content") is None else _text_of(m["content"], where)
            checked.append({"role": role, "content": content, "tool_calls": calls})
            continue
        if "content" not in m:
            raise bad(f"{where} has no content", f"{where}.content", "missing_required_parameter")
        content = _text_of(m["content"], where)
        if role == "tool":
            call_id = m.get("tool_call_id")
            if not isinstance(call_id, str) or call_id not in call_ids:
                raise bad(
                    f"{where}.tool_call_id must be the id of a tool call in an earlier assistant "
                    f"message, got {json.dumps(call_id)}",
                    f"{where}.tool_call_id",
                )
            checked.append({"role": role, "content": content, "tool_call_id": call_id})
        else:
            checked.append({"role": role, "content": content})
    if checked[-1]["role"] == "assistant":
        raise bad(
            "the last message is the assistant's; end with a user or tool message for it to answer",
            f"messages[{len(checked) - 1}].role",
        )
    return checked


def _assistant_calls(calls, where: str) -> list[dict]:
    if calls is None:
        return []
    if not isinstance(calls, list):
        raise bad(f"{where}.tool_calls must be a list", f"{where}.tool_calls", "invalid_type")
    out = []
    for j, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not (
            isinstance(function, dict)
            and isinstance(call.get("id"), str)
            and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments"), str)
        ):
            raise bad(
                f'{where}.tool_calls[{j}] must be {{"id": ..., "type": "function", "function": '
                '{"name": ..., "arguments": "<JSON text>"}}',
                f"{where}.tool_calls[{j}]",
            )
        out.append({"id": call["id"], "name": function["name"], "arguments": function["arguments"]})
    return out


def _response_format(value) -> tuple[str, dict | None]:
    if value is None:
        return "text", None
    kind = value.get("type") if isinstance(value, dict) else None
    if kind in ("text", "json_object"):
        return kind, None
    if kind != "json_schema":
        raise bad(
            'response_format must be {"type": "text"}, {"type": "json_object"} or {"type": '
            '"json_schema", "json_schema": {"name": ..., "schema": {...}}}',
            "response_format",
        )
    spec = value.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise bad(
            'response_format.json_schema needs a "schema" object (and a "name")',
            "response_format.json_schema",
        )
    return kind, spec["schema"]


def _tools(value) -> list[ToolSpec]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad('tools must be a list of {"type": "function", "function": {...}}', "tools", "invalid_type")
    tools = []
    for i, tool in enumerate(value):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
            raise bad(
                f'tools[{i}] must be {{"type": "function", "function": {{"name": ..., '
                '"parameters": {...}}}}',
                f"tools[{i}]",
            )
        name = function.get("name")
        if (
            not isinstance(name, str)
            or not name.replace("_", "a").replace("-", "a").isalnum()
            or len(name) > 64
        ):
            raise bad(
                f"tools[{i}].function.name must be letters, digits, _ or -, at most 64 characters; "
                f"got {json.dumps(name)}",
                f"tools[{i}].function.name",
            )
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(parameters, dict):
            raise bad(
                f"tools[{i}].function.parameters must be a JSON schema object",
                f"tools[{i}].function.parameters",
            )
        if name in [t.name for t in tools]:
            raise bad(f"two tools are called {name!r}", f"tools[{i}].function.name")
        tools.append(ToolSpec(name, str(function.get("description", "")), parameters))
    return tools


def _tool_choice(value, tools: list[ToolSpec]) -> str:
    if value is None:
        return "auto" if tools else "none"
    if value in ("auto", "none", "required"):
        if value == "required" and not tools:
            raise bad('tool_choice "required" needs tools', "tool_choice")
        return value
    name = (value.get("function") or {}).get("name") if isinstance(value, dict) else None
    if not isinstance(name, str):
        raise bad(
            'tool_choice must be "auto", "none", "required" or {"type": "function", "function": '
            '{"name": ...}}',
            "tool_choice",
        )
    if name not in [t.name for t in tools]:
        raise bad(
            f"tool_choice names {name!r}, which is not among the tools ({', '.join(t.name for t in tools)})",
            "tool_choice",
        )
    return name


def _stream_options(value, stream: bool) -> bool:
    if value is None:
        return False
    if not stream:
        raise bad('stream_options is only allowed with "stream": true', "stream_options")
    if not isinstance(value, dict) or set(value) - {"include_usage", "include_obfuscation"}:
        raise bad('stream_options must be {"include_usage": true or false}', "stream_options")
    return _flag(value.get("include_usage"), "stream_options.include_usage")
