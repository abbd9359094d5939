"""lesson_utils.api.protocol: a request's fields, checked, with a message that names the field."""

import pytest

from lesson_utils.api.protocol import DEFAULT_MAX_TOKENS, MODEL_ID, APIError, parse_json, parse_request

HI = [{"role": "user", "content": "Hi"}]


def request(**fields):
    return parse_request({"model": MODEL_ID, "messages": HI, **fields})


def refused(**fields) -> APIError:
    with pytest.raises(APIError) as caught:
        request(**fields)
    return caught.value


def test_defaults_are_openais():
    chat = request()
    assert chat.temperature == 1.0 and chat.top_p is None and chat.seed is None
    assert chat.max_tokens == DEFAULT_MAX_TOKENS and not chat.max_tokens_given
    assert chat.stop == [] and not chat.logprobs and not chat.stream and chat.tool_choice == "none"


def test_every_honoured_field_is_read():
    schema = {"type": "object"}
    tools = [{"type": "function", "function": {"name": "calc", "parameters": {"type": "object"}}}]
    chat = request(temperature=0, top_p=0.5, max_completion_tokens=9, stop="\n", seed=3, logprobs=True,
                   top_logprobs=2, stream=True, stream_options={"include_usage": True}, tools=tools,
                   tool_choice={"type": "function", "function": {"name": "calc"}}, user="u1",
                   metadata={"a": "b"})
    assert (chat.temperature, chat.top_p, chat.max_tokens, chat.stop, chat.seed) == (0, 0.5, 9, ["\n"], 3)
    assert chat.max_tokens_given and chat.logprobs and chat.top_logprobs == 2 and chat.include_usage
    assert [t.name for t in chat.tools] == ["calc"] and chat.tool_choice == "calc"
    chat = request(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}})
    assert chat.response_format == "json_schema" and chat.schema == schema
    assert request(tools=tools).tool_choice == "auto"


def test_developer_and_text_parts_are_read_as_system_and_text():
    chat = parse_request({"model": MODEL_ID, "messages": [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}]})
    assert chat.messages == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]


@pytest.mark.parametrize("field, value", [("n", 1), ("presence_penalty", 0), ("frequency_penalty", 0.0),
                                          ("logit_bias", {}), ("service_tier", "auto")])
def test_an_unsupported_field_at_its_default_is_accepted(field, value):
    request(**{field: value})


@pytest.mark.parametrize("field, value", [("n", 2), ("presence_penalty", 0.5), ("logit_bias", {"42": 5}),
                                          ("n", True), ("audio", {"voice": "alloy"})])
def test_an_unsupported_field_that_would_change_the_answer_is_refused_by_name(field, value):
    error = refused(**{field: value})
    assert error.status == 400 and error.param == field and field in error.message


def test_a_misspelt_field_is_named():
    error = refused(temprature=0)
    assert error.param == "temprature" and error.code == "unknown_parameter"


def test_tool_messages_must_answer_an_earlier_call():
    call = {"id": "call_1", "type": "function", "function": {"name": "calc", "arguments": "{}"}}
    good = [*HI, {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "84"}]
    assert parse_request({"model": MODEL_ID, "messages": good}).messages[2]["tool_call_id"] == "call_1"
    wrong = good[:2] + [{"role": "tool", "tool_call_id": "call_2", "content": "84"}]
    with pytest.raises(APIError, match="tool_call_id must be the id of a tool call"):
        parse_request({"model": MODEL_ID, "messages": wrong})


def test_max_tokens_and_max_completion_tokens_must_agree():
    assert request(max_tokens=5, max_completion_tokens=5).max_tokens == 5
    assert refused(max_tokens=5, max_completion_tokens=6).param == "max_tokens"


def test_json_errors_say_where():
    with pytest.raises(APIError, match="line 1, column 2"):
        parse_json(b"{bad")
    with pytest.raises(APIError, match="not UTF-8"):
        parse_json(b"{\"a\": \"\xff\"}")


def test_the_error_body_is_openais_shape():
    body = refused(temperature=3).body()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == "invalid_request_error" and body["error"]["param"] == "temperature"
