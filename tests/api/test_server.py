"""lesson_utils.api.server on 127.0.0.1, spoken to by the official openai SDK and by raw httpx.

Every server here starts on a free port and stops at the end of its test or module; the load test
is bounded in count (16 clients x 4 requests) and in time (each client's timeout).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import jsonschema
import openai
import pytest
import torch

from lesson_utils.api.protocol import MODEL_ID
from lesson_utils.api.server import BackgroundServer, Faults, serve
from lesson_utils.llm.generation import next_token_logits

FRANCE = [{"role": "user", "content": "What is the capital of France?"}]
CALCULATOR = {"type": "function", "function": {
    "name": "calculator", "description": "Evaluate an arithmetic expression, e.g. 12 * 7",
    "parameters": {"type": "object", "properties": {"expression": {"type": "string", "maxLength": 40}},
                   "required": ["expression"], "additionalProperties": False}}}


@pytest.fixture(scope="module")
def server(lm):
    with BackgroundServer(lm, timeout_seconds=120) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=60)


def ask(client, messages=FRANCE, **settings):
    settings = {"temperature": 0, **settings}
    if "max_completion_tokens" not in settings:
        settings.setdefault("max_tokens", 12)
    return client.chat.completions.create(model=MODEL_ID, messages=messages, **settings)


# ---------------------------------------------------------------- the openai SDK as the client

def test_the_sdk_lists_the_model_and_gets_the_same_reply_as_the_model_alone(client, lm):
    assert [m.id for m in client.models.list()] == [MODEL_ID]
    reply = ask(client)
    assert reply.choices[0].message.content == lm.chat(FRANCE, max_new_tokens=12)
    assert reply.choices[0].finish_reason == "stop" and reply.object == "chat.completion"
    prompt = len(lm.encode(lm.chat_prompt(FRANCE)))
    assert reply.usage.prompt_tokens == prompt
    assert reply.usage.total_tokens == prompt + reply.usage.completion_tokens


def test_a_reply_cut_by_max_tokens_says_length(client):
    reply = ask(client, max_completion_tokens=3)
    assert reply.choices[0].finish_reason == "length" and reply.usage.completion_tokens == 3


def test_streaming_sends_the_same_text_in_pieces_then_usage(client):
    whole = ask(client).choices[0].message.content
    chunks = list(ask(client, stream=True, stream_options={"include_usage": True}))
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert "".join(pieces) == whole and len([p for p in pieces if p]) > 3
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    assert len({c.id for c in chunks}) == 1


def test_the_raw_stream_is_server_sent_events_ending_in_done(server):
    body = {"model": MODEL_ID, "messages": FRANCE, "temperature": 0, "max_tokens": 4, "stream": True}
    with httpx.stream("POST", f"{server.url}/chat/completions", json=body, timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    assert json.loads(lines[0][6:])["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_logprobs_are_the_models_own_next_token_probabilities(client, lm):
    reply = ask(client, max_tokens=2, logprobs=True, top_logprobs=3)
    first = reply.choices[0].logprobs.content[0]
    logits = next_token_logits(lm.model, lm.encode(lm.chat_prompt(FRANCE)))
    expected = torch.log_softmax(logits, -1)
    best = expected.topk(3)
    assert first.token == lm.tokenizer.decode([int(best.indices[0])])
    assert first.logprob == pytest.approx(float(best.values[0]), abs=1e-4)
    assert [t.logprob for t in first.top_logprobs] == pytest.approx(best.values.tolist(), abs=1e-4)
    assert bytes(first.bytes).decode() == first.token


def test_a_stop_sequence_ends_the_reply_before_it(client):
    whole = ask(client).choices[0].message.content
    assert "Paris" in whole
    reply = ask(client, stop=["Paris"])
    assert reply.choices[0].message.content == whole[:whole.index("Paris")]
    assert reply.choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].delta.content or "" for c in ask(client, stop=["Paris"], stream=True))
    assert streamed == whole[:whole.index("Paris")]


def test_a_seed_repeats_a_sampled_reply(client):
    one, two = (ask(client, temperature=1.0, seed=11, max_tokens=10).choices[0].message.content for _ in "12")
    assert one == two


def test_json_schema_replies_always_parse_and_validate(client):
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
                                               "population": {"type": "integer", "minimum": 0,
                                                              "maximum": 100000000}},
              "required": ["city", "population"], "additionalProperties": False}
    questions = ["Give the capital of France and its population.", "Name a big city in Japan.",
                 "Tell me about London."]
    for question in questions:
        reply = ask(client, [{"role": "user", "content": question}], max_tokens=40, response_format={
            "type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}})
        jsonschema.validate(json.loads(reply.choices[0].message.content), schema)
        assert reply.choices[0].finish_reason == "stop"


def test_json_object_gives_a_json_object(client):
    reply = ask(client, [{"role": "user", "content": "Describe a cat in JSON."}], max_tokens=40,
                response_format={"type": "json_object"}, temperature=0.8, seed=1)
    content = reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "length" or isinstance(json.loads(content), dict)


def test_a_required_tool_call_then_its_result_continues_the_conversation(client):
    messages = [{"role": "user", "content": "What is 347 times 29?"}]
    reply = ask(client, messages, max_tokens=64, tools=[CALCULATOR], tool_choice="required")
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.id.startswith("call_") and call.type == "function" and call.function.name == "calculator"
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, CALCULATOR["function"]["parameters"])
    messages += [choice.message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "10063"}]
    answer = ask(client, messages, max_tokens=30, tools=[CALCULATOR])
    assert answer.choices[0].finish_reason in ("stop", "length")
    assert answer.choices[0].message.content and not answer.choices[0].message.tool_calls


def test_a_named_tool_choice_calls_that_tool_and_none_calls_nothing(client):
    lookup = {"type": "function", "function": {"name": "lookup", "parameters": {
        "type": "object", "properties": {"query": {"type": "string", "maxLength": 30}},
        "required": ["query"]}}}
    messages = [{"role": "user", "content": "What is 2 + 2?"}]
    reply = ask(client, messages, max_tokens=64, tools=[CALCULATOR, lookup],
                tool_choice={"type": "function", "function": {"name": "lookup"}})
    assert reply.choices[0].message.tool_calls[0].function.name == "lookup"
    plain = ask(client, messages, tools=[CALCULATOR], tool_choice="none")
    assert plain.choices[0].message.tool_calls is None and plain.choices[0].message.content


def test_a_streamed_tool_call_arrives_in_the_tool_calls_delta(client):
    chunks = list(ask(client, [{"role": "user", "content": "What is 12 times 7?"}], max_tokens=64,
                      tools=[CALCULATOR], tool_choice="required", stream=True))
    calls = [c.choices[0].delta.tool_calls for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(calls) == 1 and calls[0][0].function.name == "calculator"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# ---------------------------------------------------------------- bad requests, over raw HTTP

LONG = "word " * 9000
IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "objectx"}}}
BAD_REQUESTS = [
    # (what, body: dict or raw bytes, status, a phrase of the message)
    ("malformed JSON", b'{"model": "x",', 400, "not valid JSON"),
    ("not UTF-8", b'{"model": "\xff"}', 400, "not UTF-8"),
    ("a list, not an object", b"[1, 2]", 400, "must be a JSON object"),
    ("no model", json.dumps({"messages": FRANCE}).encode(), 400, "you must give a model"),
    ("unknown model", {"model": "gpt-5"}, 404, "does not exist here"),
    ("no messages", json.dumps({"model": MODEL_ID}).encode(), 400, "messages must be a non-empty list"),
    ("empty messages", {"messages": []}, 400, "messages must be a non-empty list"),
    ("messages as a string", {"messages": "Hi"}, 400, "messages must be a non-empty list"),
    ("unknown role", {"messages": [{"role": "robot", "content": "Hi"}]}, 400, "role must be"),
    ("content of the wrong type", {"messages": [{"role": "user", "content": 42}]}, 400, "must be a string"),
    ("an image", {"messages": [{"role": "user", "content": [IMAGE]}]},
     400, "reads text only"),
    ("temperature as text", {"temperature": "hot"}, 400, "temperature must be a number"),
    ("negative temperature", {"temperature": -1}, 400, "temperature must be in [0, 2]"),
    ("top_p of 0", {"top_p": 0}, 400, "top_p must be in (0, 1]"),
    ("negative max_tokens", {"max_tokens": -5}, 400, "max_tokens must be between 1 and 8192"),
    ("huge max_tokens", {"max_tokens": 10**9}, 400, "max_tokens must be between 1 and 8192"),
    ("fractional max_tokens", {"max_tokens": 2.5}, 400, "max_tokens must be a whole number"),
    ("prompt longer than the context window", {"messages": [{"role": "user", "content": LONG}]}, 400,
     "context window is 8192 tokens"),
    ("prompt + max_tokens beyond the window", {"messages": [{"role": "user", "content": "word " * 8000}],
                                               "max_tokens": 1000}, 400, "exceed the context window"),
    ("an invalid schema", {"response_format": SCHEMA_FORMAT}, 400, "the schema cannot be used"),
    ("an unknown response format", {"response_format": {"type": "xml"}}, 400, "response_format must be"),
    ("tool_choice naming no tool", {"tools": [CALCULATOR], "tool_choice": {"type": "function",
                                                                          "function": {"name": "search"}}},
     400, "not among the tools"),
    ("a tool name with spaces", {"tools": [{"type": "function", "function": {"name": "my tool"}}]}, 400,
     "function.name must be"),
    ("a tool result for no call", {"messages": [*FRANCE, {"role": "tool", "tool_call_id": "call_9",
                                                          "content": "1"}]}, 400, "tool_call_id must be"),
    ("n = 2", {"n": 2}, 400, "n is not supported"),
    ("a misspelt field", {"temprature": 0}, 400, "unrecognized request argument supplied: temprature"),
    ("five stop sequences", {"stop": list("abcde")}, 400, "stop takes 1 to 4"),
    ("stream as text", {"stream": "yes"}, 400, "stream must be true or false"),
    ("stream_options without stream", {"stream_options": {"include_usage": True}}, 400, "only allowed with"),
    ("top_logprobs without logprobs", {"top_logprobs": 2}, 400, "needs \"logprobs\": true"),
    ("ending with the assistant", {"messages": [*FRANCE, {"role": "assistant", "content": "Paris"}]}, 400,
     "the last message is the assistant's"),
    ("an assistant call without an id", {"messages": [*FRANCE, {"role": "assistant", "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": "{}"}}]}, *FRANCE]}, 400,
     "tool_calls[0]"),
    ("seed as text", {"seed": "abc"}, 400, "seed must be a whole number"),
]


@pytest.mark.parametrize("what, body, status, phrase", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_a_bad_request_gets_a_4xx_saying_what_to_change_and_the_server_keeps_serving(server, what, body,
                                                                                    status, phrase):
    if isinstance(body, dict):
        body = json.dumps({"model": MODEL_ID, "messages": FRANCE, **body}).encode()
    response = httpx.post(f"{server.url}/chat/completions", content=body, timeout=60,
                          headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and phrase in error["message"]
    assert httpx.get(server.url.removesuffix("/v1") + "/health", timeout=10).json()["status"] == "ok"


def test_after_every_bad_request_a_good_one_is_still_answered(client):
    assert len(BAD_REQUESTS) >= 20
    assert ask(client, max_tokens=3).choices[0].message.content


def test_wrong_paths_and_methods_get_the_same_error_shape(server):
    missing = httpx.get(f"{server.url}/completions/nothing", timeout=10)
    assert missing.status_code == 404 and "the API is at /v1" in missing.json()["error"]["message"]
    wrong = httpx.get(f"{server.url}/chat/completions", timeout=10)
    assert wrong.status_code == 405 and "GET is not allowed" in wrong.json()["error"]["message"]
    assert httpx.get(f"{server.url}/models/gpt-5", timeout=10).status_code == 404


def test_the_sdk_raises_its_own_error_classes_with_our_messages(client):
    with pytest.raises(openai.BadRequestError, match="temperature must be in"):
        ask(client, temperature=5)
    with pytest.raises(openai.NotFoundError, match="does not exist here"):
        client.chat.completions.create(model="gpt-5", messages=FRANCE)


# ---------------------------------------------------------------- many clients at once

def test_sixteen_clients_share_decode_steps_and_each_gets_its_solo_reply(server, client):
    prompts = [f"Name a colour that rhymes with the number {n}." for n in range(8)]
    solo = {p: ask(client, [{"role": "user", "content": p}], max_tokens=6).choices[0].message.content
            for p in prompts}
    batches_before = server.engine.batches

    def one_client(k: int) -> list[tuple[str, str]]:
        mine = openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=120)
        got = []
        for r in range(4):
            prompt = prompts[(k + r) % len(prompts)]
            messages = [{"role": "user", "content": prompt}]
            if (k + r) % 2:
                text = "".join(c.choices[0].delta.content or "" for c in ask(mine, messages, max_tokens=6,
                                                                              stream=True))
            else:
                text = ask(mine, messages, max_tokens=6).choices[0].message.content
            got.append((prompt, text))
        return got

    start = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        results = [pair for got in pool.map(one_client, range(16)) for pair in got]
    assert time.monotonic() - start < 120
    assert len(results) == 64
    assert [text for _, text in results] == [solo[prompt] for prompt, _ in results]     # no crossed streams
    assert server.engine.batches - batches_before < 64 / 2          # requests shared their decode steps


# ---------------------------------------------------------------- limits, faults and keys

def test_a_full_queue_answers_429_with_retry_after(lm):
    with BackgroundServer(lm, max_batch=1, max_waiting=1) as small:
        body = {"model": MODEL_ID, "messages": FRANCE, "temperature": 0, "max_tokens": 24}
        with ThreadPoolExecutor(6) as pool:
            responses = list(pool.map(lambda _: httpx.post(f"{small.url}/chat/completions", json=body,
                                                           timeout=120), range(6)))
    codes = sorted(r.status_code for r in responses)
    assert 200 in codes and 429 in codes, codes
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["retry-after"] == "1" and refused.json()["error"]["type"] == "rate_limit_error"


def test_a_client_that_goes_away_mid_stream_frees_its_place(server):
    body = {"model": MODEL_ID, "messages": [{"role": "user", "content": "Write a long story."}],
            "temperature": 0, "max_tokens": 400, "stream": True}
    with httpx.stream("POST", f"{server.url}/chat/completions", json=body, timeout=60) as response:
        for line in response.iter_lines():
            if '"content": "' in line and '"content": ""' not in line:
                break                                     # one piece of text, then hang up
    deadline = time.monotonic() + 10
    while server.engine.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.engine.running == 0           # 400 tokens would take far longer than 10 s


def test_a_request_over_the_time_limit_gets_504(lm):
    with BackgroundServer(lm, timeout_seconds=0.5) as strict:
        body = {"model": MODEL_ID, "messages": FRANCE, "max_tokens": 300, "temperature": 0}
        response = httpx.post(f"{strict.url}/chat/completions", json=body, timeout=60)
    assert response.status_code == 504 and "time limit" in response.json()["error"]["message"]


def test_injected_faults_fail_a_seeded_share_and_the_sdks_retries_get_through(lm):
    faults = Faults(rate=0.5, seed=0, kinds=("429", "500"))
    with BackgroundServer(lm, faults=faults) as flaky:
        no_retries = openai.OpenAI(base_url=flaky.url, api_key="unused", max_retries=0, timeout=60)
        outcomes = []
        for _ in range(8):
            try:
                ask(no_retries, max_tokens=2)
                outcomes.append("ok")
            except (openai.RateLimitError, openai.InternalServerError) as e:
                outcomes.append(str(e.status_code))
        retrying = openai.OpenAI(base_url=flaky.url, api_key="unused", max_retries=6, timeout=60)
        assert all(ask(retrying, max_tokens=2).choices[0].message.content for _ in range(4))
    expected = Faults(rate=0.5, seed=0, kinds=("429", "500"))
    assert outcomes == [expected.draw() or "ok" for _ in range(8)]
    assert {"ok", "429", "500"} <= set(outcomes)


def test_a_stalled_stream_runs_into_the_clients_timeout(lm):
    with BackgroundServer(lm, faults=Faults(rate=1.0, kinds=("stall",), stall_seconds=5)) as stalling:
        impatient = openai.OpenAI(base_url=stalling.url, api_key="unused", max_retries=0, timeout=1.0)
        with pytest.raises(openai.APITimeoutError):
            list(ask(impatient, stream=True))


def test_with_an_api_key_only_bearers_of_it_are_answered(lm):
    with BackgroundServer(lm, api_key="s3cret") as guarded:
        wrong = openai.OpenAI(base_url=guarded.url, api_key="guess", max_retries=0)
        with pytest.raises(openai.AuthenticationError, match="Authorization: Bearer"):
            wrong.models.list()
        right = openai.OpenAI(base_url=guarded.url, api_key="s3cret", max_retries=0)
        assert [m.id for m in right.models.list()] == [MODEL_ID]


def test_another_address_than_this_computers_needs_an_api_key(lm):
    with pytest.raises(ValueError, match="give --api-key"):
        serve(lm, host="0.0.0.0")


def test_the_server_stops_and_frees_its_port(lm):
    running = BackgroundServer(lm).start()
    url = running.url
    assert httpx.get(f"{url}/models", timeout=10).status_code == 200
    running.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=2)
    assert not running.engine._thread.is_alive()           # the engine's thread ended with it


def test_the_serve_command_answers_the_sdk_as_the_readme_shows(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "lesson_utils", "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0)
        deadline = time.monotonic() + 90
        while True:
            try:
                reply = ask(client, max_tokens=8)
                break
            except openai.APIConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
                time.sleep(0.25)
        assert "Paris" in reply.choices[0].message.content
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "serving ChatModel" in process.stderr.read()
