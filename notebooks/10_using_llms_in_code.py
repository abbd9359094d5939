# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: slideshow,tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: rise
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   rise:
#     theme: white
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 10 · Using an LLM from code
#
# At work you will not load a model's weights yourself: you will send a request over HTTP to a server
# that runs the model, and read the reply. Most providers copy one API, OpenAI's *chat completions*.
# This notebook starts such a server on your machine, running SmolLM2 with the code of the earlier
# notebooks, and talks to it exactly as you would talk to a hosted model.
#
# **You will see that**
# 1. a request is a JSON document, and the official `openai` library sends the same one: point it at
#    another address and the same code talks to another provider;
# 2. the API is **stateless**: every request carries the whole conversation, so long chats cost more
#    with every turn, and a conversation longer than the context window is refused;
# 3. **streaming** shows the first words long before the whole reply is done;
# 4. the API's `logprobs` are the very numbers notebook 04 computed inside the model;
# 5. asking for JSON does not give you JSON; decoding under a **grammar** does, every time, and you will
#    write the idea yourself; valid JSON can still be wrong;
# 6. **function calling** is the model writing a request that your code checks and runs, and **MCP** is
#    the same tools offered over a standard protocol;
# 7. servers fail (429, 500, timeouts), and code that calls them **retries** the right errors, with
#    growing, randomised waits.
#
# **Time:** about 60 minutes. **Builds on:** notebooks 00 (the chat format), 04 (log-probabilities),
# 05 (sampling), 08 (retrieval) and 09 (tools).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used. Then the real model is loaded, and the server starts in the background of this notebook
# on a free port of 127.0.0.1 (this computer only). It stops in the last cell.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import jsonschema
import openai
import torch

from lesson_utils import exercises
from lesson_utils.api import BackgroundServer, Constraint, Faults, json_grammar, mcp_tools
from lesson_utils.llm import load_chat_model
from lesson_utils.llm.generation import next_token_logits
from lesson_utils.session import setup
from lesson_utils.stats import rate_text

device = setup(seed=0)
lm = load_chat_model(device=device)
server = BackgroundServer(lm).start()
MODEL = "SmolLM2-135M-Instruct"
print("the server is running on this computer (127.0.0.1), on a free port:", server.url.startswith("http://127.0.0.1:"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · One request, by hand
#
# An API call is an HTTP `POST` with a JSON body. `httpx` (like `requests`, or `fetch` in JavaScript)
# sends it. The body names the model and the conversation; the reply is JSON too.

# %% slideshow={"slide_type": "fragment"}
request = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
    "temperature": 0,          # greedy: the most likely token every time (notebook 05)
    "max_tokens": 20,          # stop after at most 20 new tokens
}
print("POST /v1/chat/completions\n" + json.dumps(request, indent=2))
response = httpx.post(f"{server.url}/chat/completions", json=request, timeout=60)
reply = response.json()
print(f"\nHTTP {response.status_code}; the reply's keys: {sorted(reply)}")
print("choices[0]:", json.dumps({k: reply["choices"][0][k] for k in ("finish_reason", "index")}))
print("usage:", reply["usage"])

# %% [markdown] slideshow={"slide_type": "fragment"}
# The reply's text is in `choices[0].message.content`:

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (a greedy reply can change on another CPU: it is shown, and the assert checks what the text says)
print(reply["choices"][0]["message"])
assert "Paris" in reply["choices"][0]["message"]["content"]

# %% [markdown] slideshow={"slide_type": "notes"}
# `usage` counts tokens, and tokens are what a provider bills: `prompt_tokens` is the conversation as the
# model read it (with the chat format's special tokens, notebook 00), `completion_tokens` the reply.
# `finish_reason` says why the reply ended: `stop` (the model ended its turn) or `length` (it reached
# `max_tokens`). The `id` and `created` fields, not printed, change with every request.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The official client
# Nobody writes that by hand in a project. OpenAI's Python library, `openai`, builds the same request,
# checks the reply's shape and turns errors into exceptions. `base_url` says where to send it: here
# our server; leave it out and it goes to OpenAI (with your key); other providers give you their own
# URL. Nothing else in the code changes.

# %% slideshow={"slide_type": "fragment"}
client = openai.OpenAI(base_url=server.url, api_key="not-needed-here")
completion = client.chat.completions.create(
    model=MODEL, temperature=0, max_tokens=20,
    messages=[{"role": "user", "content": "What is the capital of France?"}])
print(type(completion).__name__, "·", completion.choices[0].finish_reason, "·", completion.usage)
assert completion.choices[0].message.content == reply["choices"][0]["message"]["content"]
print("the same text as the request by hand")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The API remembers nothing
#
# **Predict first:** you tell the model your name in one request, and ask for it in the next. Does it know?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
def ask(messages, **settings):
    settings = {"temperature": 0, "max_tokens": 24, **settings}
    return client.chat.completions.create(model=MODEL, messages=messages, **settings)


forgetful = ask([{"role": "user", "content": "What is my name?"}])
print("asked alone:", forgetful.choices[0].message.content)

# %% [markdown] slideshow={"slide_type": "fragment"}
# It cannot know: each request is answered on its own, and the model sees only what the request contains.
# Any name it gives is made up. A chat application keeps the conversation itself and sends **all of it**
# every time.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · The next request of a conversation
# Write `my_messages(system, turns, question)`: the messages of the request that asks `question` after
# the exchanges in `turns`, a list of `(user text, assistant reply)` pairs, with `system` first.

# %% slideshow={"slide_type": "fragment"}
def my_messages(system, turns, question):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_messages(system, turns, question):
    messages = [{"role": "system", "content": system}]
    for asked, answered in turns:
        messages += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    return messages + [{"role": "user", "content": question}]


# %% slideshow={"slide_type": "fragment"}
exercises.check_three_turn_messages(my_messages)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now a four-turn conversation, each request built with your function. Watch `prompt_tokens`:

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (the counts follow the greedy replies, which can change on another CPU; the assert is what the text claims)
PRICE_IN, PRICE_OUT = 0.15, 0.60          # dollars per million tokens: an example, check your provider's page
questions = ["Hi, I'm Ada and I study web development.", "What is HTML?", "And CSS?", "What is my name?"]
turns, rows = [], []
for question in questions:
    answer = ask(my_messages("Be brief.", turns, question))
    rows.append((answer.usage.prompt_tokens, answer.usage.completion_tokens))
    turns.append((question, answer.choices[0].message.content))
total_in, total_out = map(sum, zip(*rows))
cost = total_in / 1e6 * PRICE_IN + total_out / 1e6 * PRICE_OUT
assert all(b[0] > a[0] + a[1] for a, b in zip(rows, rows[1:])), "each prompt holds all the earlier turns"
print("turn  prompt tokens  reply tokens")
for i, (p, c) in enumerate(rows, 1):
    print(f"{i:>4}  {p:>13}  {c:>12}")
print(f"\n{total_in} tokens sent, {total_out} received: ${cost:.6f} at ${PRICE_IN} / ${PRICE_OUT} per million")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
print("last reply:", turns[-1][1])

# %% [markdown] slideshow={"slide_type": "notes"}
# Each turn's prompt is larger than the previous prompt and reply together: it holds them both, plus the
# new question. So the tokens sent grow with every turn, and a conversation's total grows roughly with
# the square of its length. At the example price a chat is cheap, but an application with many users and long
# histories (or documents pasted into the prompt, notebook 08) pays for every re-sent token. Providers
# offer discounts for a repeated prefix ("prompt caching") for exactly this reason.

# %% [markdown] slideshow={"slide_type": "subslide"}
# And when the conversation no longer fits in the model's **context window** (8,192 tokens for SmolLM2),
# the server refuses it, with a message that says so. The client turns the HTTP 400 into an exception:

# %% slideshow={"slide_type": "fragment"}
try:
    ask([{"role": "user", "content": "Summarise this: " + "history " * 9000}])
except openai.BadRequestError as error:
    print(f"{type(error).__name__} (HTTP {error.status_code}): {error.body['message']}")
    print("code:", error.body["code"])

# %% [markdown] slideshow={"slide_type": "fragment"}
# The application must then drop or summarise the oldest turns itself (`python -m lesson_utils chat`
# drops them); nothing on the server side does it for you, and nothing is cut silently.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Streaming
#
# A reply of 200 tokens takes seconds. With `stream=True` the server sends each piece as soon as it
# exists, as **server-sent events** (lines `data: {...}` over one open HTTP response, ending with
# `data: [DONE]`), and the client yields them one by one. The user starts reading at once.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (timings differ from machine to machine and run to run)
sent = time.perf_counter()
first, pieces = None, []
for chunk in ask([{"role": "user", "content": "Explain in a few sentences why the sky is blue."}],
                 max_tokens=40, stream=True, stream_options={"include_usage": True}):
    if chunk.choices and chunk.choices[0].delta.content:
        first = first or time.perf_counter()
        pieces.append(chunk.choices[0].delta.content)
    if chunk.usage:
        usage = chunk.usage
total = time.perf_counter() - sent
print("".join(pieces))
print(f"\n{len(pieces)} pieces, {usage.completion_tokens} tokens; first piece after {first - sent:.2f} s, "
      f"the whole reply after {total:.2f} s")
assert first - sent < total / 3, "the first piece arrives long before the end"

# %% [markdown] slideshow={"slide_type": "notes"}
# The time to the first piece is the prompt's forward pass plus one step; the rest is one decode step per
# token (notebook 00's loop). Chat interfaces stream for that reason: the wait a user feels is the first
# number, not the second. The last event carries `usage`, because the token count is only known at the end.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · The API's logprobs are notebook 04's probabilities
#
# With `logprobs=True` the API also returns, for each token of the reply, its **log-probability**, and
# with `top_logprobs=k` the k most likely tokens at that step. Are they the same numbers we computed
# inside the model in notebook 04?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (the last digits of a float depend on the CPU: the assert below checks the agreement)
messages = [{"role": "user", "content": "What is the capital of France?"}]
api = ask(messages, max_tokens=1, logprobs=True, top_logprobs=5).choices[0].logprobs.content[0]
inside = torch.log_softmax(next_token_logits(lm.model, lm.encode(lm.chat_prompt(messages))), -1)
best = inside.topk(5)
print("token        API logprob   inside the model")
for entry, token_id, value in zip(api.top_logprobs, best.indices.tolist(), best.values.tolist()):
    assert entry.token == lm.tokenizer.decode([token_id])
    print(f"{entry.token!r:<12} {entry.logprob:>11.2f}   {value:>16.2f}")
gap = max(abs(e.logprob - v) for e, v in zip(api.top_logprobs, best.values.tolist()))
assert gap < 1e-3
print("largest difference: below 0.001 (float rounding; the server decodes in a batch)")

# %% [markdown] slideshow={"slide_type": "notes"}
# The server runs the same network on the same prompt, so the numbers agree to float rounding. Hosted
# APIs offer the same field; it is how you can measure a model's confidence, score answers by their
# probability (notebook 11), or see when a reply was a close call.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Structured output
#
# Programs need data, not prose: `{"name": "Ada", "age": 36}`, not "Ada is 36 years old". The obvious way
# is to ask for JSON in the prompt. **Predict first:** out of 16 such requests, how many replies can
# `json.loads` read (even after cutting away any text around the braces), and how many have exactly the
# fields you asked for?

# %% slideshow={"slide_type": "fragment"}
PERSON = {"type": "object",
          "properties": {"name": {"type": "string", "maxLength": 30},
                         "age": {"type": "integer", "minimum": 0, "maximum": 130}},
          "required": ["name", "age"], "additionalProperties": False}
people = ["Ada Lovelace, born 1815, died at 36", "a 7-year-old boy called Tom", "my aunt Maria, who is 52",
          "Alan Turing at the age of 41", "a newborn baby named Lea", "Grandpa Joe, 88 years old",
          "Sara, a 19-year-old student", "the 65-year-old mayor, Mr Brown"]
prompts = [f"Describe {p} as a JSON object with the keys \"name\" (a string) and \"age\" (a whole number). "
           "Reply with the JSON only." for p in people for _ in range(2)]


def parse_and_validate(text):
    """(parses, validates), after the usual rescue: keep only what lies between the first { and the last }."""
    try:
        value = json.loads(text[text.find("{"):text.rfind("}") + 1])
    except json.JSONDecodeError:
        return False, False
    try:
        jsonschema.validate(value, PERSON)
        return True, True
    except jsonschema.ValidationError:
        return True, False


def ask_all(settings, max_tokens=32):
    """The 16 prompts, sent at once (the server decodes them together), sampled with seeds 0..15."""
    with ThreadPoolExecutor(16) as pool:
        replies = pool.map(lambda i: ask([{"role": "user", "content": prompts[i]}], max_tokens=max_tokens,
                                         temperature=0.7, seed=i, **settings), range(len(prompts)))
    return [r.choices[0].message.content for r in replies]


# NBVAL_IGNORE_OUTPUT
# (sampled replies: how many fail can change on another CPU; the next cell checks that some do)
asked = ask_all({})
checked = [parse_and_validate(text) for text in asked]
print("asked for JSON in the prompt only")
print("  parses:   ", rate_text(sum(p for p, _ in checked), len(checked)))
print("  validates:", rate_text(sum(v for _, v in checked), len(checked)))

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
for text, (parses, valid) in list(zip(asked, checked))[:4]:
    print(f"{'valid' if valid else 'parses' if parses else 'broken':>7}: {text!r}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the same 16 requests with `response_format` set to a **JSON schema**. The server then decodes
# under a grammar: at every step only the tokens that keep the text a valid beginning of a matching
# JSON document can be drawn.

# %% slideshow={"slide_type": "fragment"}
schema_format = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}}
# 64 tokens leave room for the longest valid reply (a 30-character name); the grammar ends each reply as
# soon as its JSON is complete, so the extra room costs nothing
constrained = ask_all({"response_format": schema_format}, max_tokens=64)
checked_now = [parse_and_validate(text) for text in constrained]
print("with response_format json_schema")
print("  parses:   ", rate_text(sum(p for p, _ in checked_now), len(checked_now)))
print("  validates:", rate_text(sum(v for _, v in checked_now), len(checked_now)))
assert all(v for _, v in checked_now), "under the grammar every reply must validate"
assert sum(v for _, v in checked) < len(checked), "the text says asking alone fails some of the time"

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
for text in constrained[:4]:
    print(text)

# %% [markdown] slideshow={"slide_type": "notes"}
# With 16 requests each rate has a wide 95% interval (printed): the point is not the exact share but that
# asking fails some of the time, while the grammar cannot fail. (It can still be cut off: a reply that hits
# `max_tokens` ends mid-way, with `finish_reason` "length"; the schema's `maxLength` and `maximum` keep
# these replies short.) Hosted APIs offer the same as "structured outputs"; open-source servers use
# engines such as llguidance, the one this server uses, or xgrammar.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The idea, written out
# For a small schema we can list every valid reply. Take `{"answer": "yes" or "no"}`, written as
# `json.dumps` writes it: there are exactly two valid texts. A token is allowed next when the text so
# far plus that token is still the beginning of one of them. That is the whole trick; an engine does
# the same for schemas whose valid texts cannot be listed, with a parser instead of a list.

# %% slideshow={"slide_type": "fragment"}
YES_NO = {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}, "required": ["answer"],
          "additionalProperties": False}
valid_texts = [json.dumps({"answer": a}).encode() for a in ("yes", "no")]
token_bytes = [lm.tokenizer.token_bytes(i) for i in range(lm.tokenizer.n_vocab)]


def my_mask(so_far: bytes) -> torch.Tensor:
    """True for every token that keeps so_far a beginning of a valid text."""
    return torch.tensor([len(t) > 0 and any(v.startswith(so_far + t) for v in valid_texts)
                         for t in token_bytes])


engine = Constraint(json_grammar(YES_NO, lm.tokenizer), lm.tokenizer)
so_far, table = b"", []
while not engine.done():
    mine, theirs = my_mask(so_far), engine.allowed()
    table.append((so_far.decode(), int(mine.sum()), int(theirs.sum()), bool((theirs & ~mine).any())))
    token = int(theirs.nonzero()[-1])          # follow one path: the engine's last allowed token
    engine.take(token)
    so_far += token_bytes[token]
print(f"{'text so far':<20} {'mine allows':>11} {'engine allows':>13}  engine allows one I forbid?")
for text, m, t, extra in table:
    print(f"{text!r:<20} {m:>11} {t:>13}  {extra}")
print("reached:", so_far.decode())
assert not any(extra for *_, extra in table)

# %% [markdown] slideshow={"slide_type": "notes"}
# The engine never allows a token our mask forbids. Where the reply has a real choice (after `"answer": "`:
# `yes`, `no`, `y`, `ye`, `n`) both allow the same tokens. Where the text is forced (`{"answer": "` must
# come first), our mask also allows splitting it into smaller pieces, `{` then `"`, while the engine
# allows only the piece a tokenizer would write: the model was trained on tokenized text, so odd splits
# are text it has never seen. Our mask loops over all 49,152 tokens in Python at every step; the engine
# does it in compiled code, well under a millisecond, for any schema.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Valid is not the same as right
# The grammar fixes the **shape** of the reply, never its **content**. Ask for a number the model has to
# compute:

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (a greedy reply can change on another CPU: the check below is what the prose claims)
product = {"type": "object", "properties": {"result": {"type": "integer", "minimum": 0, "maximum": 10**7}},
           "required": ["result"], "additionalProperties": False}
shaped = ask([{"role": "user", "content": "What is 347 times 29?"}], max_tokens=20, response_format={
    "type": "json_schema", "json_schema": {"name": "product", "schema": product}}).choices[0].message.content
print(f"the model: {shaped}    Python: 347 * 29 = {347 * 29}")
jsonschema.validate(json.loads(shaped), product)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The reply validates, whatever number is in it. Checking the *content* is still your program's job (or a
# tool's: the next section gives the model a calculator).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Function calling
#
# You describe **tools** to the API: a name, what it does, and a JSON schema of its arguments. The model
# may then reply with a **tool call** instead of text: `finish_reason` is `tool_calls`, and
# `message.tool_calls` holds the name and the arguments (as JSON text) with an **id**. Your code runs
# the tool, and sends the result back in a message with the role `tool` and that id. The model never runs
# anything; it only writes a request (notebook 09), and here the server decodes the arguments under the
# tool's schema, so they always parse.

# %% slideshow={"slide_type": "fragment"}
TOOLS = [
    {"type": "function", "function": {
        "name": "calculator", "description": "Evaluate an arithmetic expression such as 347 * 29.",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string", "maxLength": 60}},
                       "required": ["expression"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "search_knowledge_base", "description": "Search Thornfield College's handbook (notebook 08).",
        "parameters": {"type": "object", "properties": {"query": {"type": "string", "maxLength": 80}},
                       "required": ["query"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "send_email", "description": "Send an email. It has side effects: it needs the user's approval.",
        "parameters": {"type": "object", "properties": {"to": {"type": "string", "maxLength": 60},
                                                        "text": {"type": "string", "maxLength": 200}},
                       "required": ["to", "text"], "additionalProperties": False}}},
]
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
SIDE_EFFECTS = {"send_email"}


def run_tool(name, arguments, approve=lambda name, arguments: False):
    """Check the arguments against the tool's schema, ask before side effects, then run it."""
    if name not in SCHEMAS:
        return f"error: there is no tool {name!r}"
    try:
        jsonschema.validate(arguments, SCHEMAS[name])
    except jsonschema.ValidationError as e:
        return f"error: bad arguments: {e.message}"
    if name in SIDE_EFFECTS and not approve(name, arguments):
        return "error: the user did not approve this action"
    if name == "calculator":
        return mcp_tools.calculator(arguments["expression"])
    if name == "search_knowledge_base":
        return mcp_tools.search_knowledge_base(arguments["query"], k=1)
    return f"sent to {arguments['to']}"


for name, arguments in [("calculator", {"expression": "347 * 29"}), ("calculator", {"expr": "1"}),
                        ("send_email", {"to": "ada@example.com", "text": "hi"}), ("delete_everything", {})]:
    print(f"{name}({json.dumps(arguments)}) -> {run_tool(name, arguments)!r}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Three defences sit in `run_tool`, before anything runs: the name must be one we offered, the arguments
# must fit the schema (the model's text is untrusted input, notebook 09), and a tool that changes the world
# (sends, pays, deletes) runs only after a person says yes. Here nobody approves, so the email is refused.
# The calculator is notebook 09's: it evaluates arithmetic only, never `eval`.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Answer a tool call
# Write `my_tool_message(message, run)`: given the assistant `message` of a reply with tool calls, run its
# first call with `run(name, arguments_as_a_dict)` and return the `tool` message that answers it.

# %% slideshow={"slide_type": "fragment"}
def my_tool_message(message, run):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_tool_message(message, run):
    call = message.tool_calls[0]
    result = run(call.function.name, json.loads(call.function.arguments))
    return {"role": "tool", "tool_call_id": call.id, "content": result}


# %% slideshow={"slide_type": "fragment"}
exercises.check_tool_message(my_tool_message)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A call from the model
# **Predict first:** offered these tools and told it must call one (`tool_choice="required"`), what does
# SmolLM2 write for "What is 347 times 29?"?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (a greedy reply can change on another CPU: it is shown; the asserts check what the text claims)
bare = ask([{"role": "user", "content": "What is 347 times 29?"}], max_tokens=60, tools=TOOLS,
           tool_choice="required").choices[0]
call = bare.message.tool_calls[0]
print(f"finish_reason {bare.finish_reason!r}; the call: {call.function.name}({call.function.arguments})")
print("its result:", repr(run_tool(call.function.name, json.loads(call.function.arguments))))
assert bare.finish_reason == "tool_calls" and call.function.name in SCHEMAS
jsonschema.validate(json.loads(call.function.arguments), SCHEMAS[call.function.name])

# %% [markdown] slideshow={"slide_type": "fragment"}
# The call has the right form (the grammar sees to that), but its arguments are rarely what the question
# needs: a 135-million-parameter model has seen few tool calls in training. Large hosted models were
# trained on many, and write good calls without help. A small one needs to be **shown**, and the API's
# own message format is the way to show it: earlier turns in which a call was made and answered.

# %% slideshow={"slide_type": "fragment"}
def worked_example(n, question, name, arguments, result, answer):
    """One past exchange: the question, the assistant's call, the tool's result, the final answer."""
    call = {"id": f"call_example{n}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}
    return [{"role": "user", "content": question},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": result},
            {"role": "assistant", "content": answer}]


EXAMPLES = (worked_example(1, "What is 12 times 7?", "calculator", {"expression": "12 * 7"}, "84",
                           "12 times 7 is 84.")
            + worked_example(2, "How many credits does a first-year student need?", "search_knowledge_base",
                             {"query": "first-year credits"},
                             "[handbook] First-year students need 60 credits to progress.",
                             "A first-year student needs 60 credits."))
print(json.dumps(EXAMPLES[:3], indent=1))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the whole loop, with the two examples before each question: ask, run the calls, send the results
# back, until the model answers in text (at most 3 rounds). The first request requires a call; after a
# result the choice is `auto`, so the model may answer. The three questions run at the same time, each in
# its own thread, as three users of one server would (the server decodes them together).

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (greedy replies can change on another CPU: they are shown; the asserts check the loop's shape)
def agent(question, rounds=3):
    """The conversation from the question on, and the final answer (None if the rounds ran out)."""
    messages = EXAMPLES + [{"role": "user", "content": question}]
    for step in range(rounds):
        reply = ask(messages, max_tokens=48, tools=TOOLS, tool_choice="required" if step == 0 else "auto")
        message = reply.choices[0].message
        if not message.tool_calls:
            return messages[len(EXAMPLES):], message.content
        messages = messages + [message.model_dump(exclude_none=True), my_tool_message(message, run_tool)]
    return messages[len(EXAMPLES):], None


questions = ["What is 347 times 29?", "When does the Thaw term begin at Thornfield College?", "What is 15% of 80?"]
with ThreadPoolExecutor(len(questions)) as pool:
    runs = list(pool.map(agent, questions))
for question, (history, answer) in zip(questions, runs):
    print(question)
    for call, result in zip(history[1::2], history[2::2]):
        function = call["tool_calls"][0]["function"]
        print(f"  call {function['name']}({function['arguments']}) -> {result['content'][:70]!r}")
    print(f"  answer: {answer!r}\n")
    assert history[1]["tool_calls"] and history[2]["role"] == "tool"

# %% [markdown] slideshow={"slide_type": "fragment"}
# With two examples the model picks a fitting tool and writes an argument that belongs to the question.
# Now read the rest above with a critical eye. Is each expression the right one (15% of 80 is `0.15 * 80`)?
# Is each search query specific enough? Does the final answer use the result it was sent? A model this
# small often gets these wrong. The grammar guarantees the call's *form*, never that it is the *right*
# call or that the answer uses it, which is why tool use is tested like any other output (notebook 11).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · MCP: the same tools over a standard protocol
#
# Every application used to describe its tools in its own way. The **Model Context Protocol** (MCP) fixes
# one way: an MCP **server** lists its tools with their schemas and runs them when asked; any MCP **client**
# (a chat app, an IDE, your code) can use any server. Here the server is a small program
# (`lesson_utils/api/mcp_tools.py`, written with the official `mcp` SDK), started as a subprocess and
# spoken to over its standard input and output.
#
# The `mcp` SDK is asynchronous: its functions are `async def`, and you `await` them. A notebook cell may
# use `await` directly; in a script you would wrap the calls in `async def main()` and run
# `asyncio.run(main())`.

# %% slideshow={"slide_type": "fragment"}
async with mcp_tools.connect() as mcp_client:        # starts the server; it stops at the end of the block
    listed = (await mcp_client.list_tools()).tools
    for tool in listed:
        print(f"{tool.name}: {tool.description}\n  arguments: {json.dumps(tool.input_schema['properties'])}")
    result = await mcp_client.call_tool("calculator", {"expression": "12 * 7"})
print("\ncalculator('12 * 7') over MCP ->", mcp_tools.result_text(result))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The schemas the MCP server gives are exactly what the chat API's `tools` field takes. So the model can be
# offered the MCP server's tools, and its call run by the MCP server:

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
mcp_offer = mcp_tools.openai_tools(listed)
reply = ask(EXAMPLES + [{"role": "user", "content": "What is 2 to the power of 10?"}], max_tokens=40,
            tools=mcp_offer, tool_choice={"type": "function", "function": {"name": "calculator"}})
call = reply.choices[0].message.tool_calls[0]
result = await mcp_tools.call_tool(call.function.name, json.loads(call.function.arguments))
print(f"the model called {call.function.name}({call.function.arguments}); the MCP server answered {result!r}")
assert reply.choices[0].finish_reason == "tool_calls"

# %% [markdown] slideshow={"slide_type": "notes"}
# MCP is not a new kind of model ability: it is tools with names, descriptions and JSON schemas, carried
# over JSON-RPC. The same security rules apply: a server you install can run code on your machine, and a
# tool's output is untrusted text that reaches the model (notebook 09's prompt injection).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · When the server fails
#
# Real APIs fail: **429** (too many requests: slow down), **500**-range (the server had a problem),
# timeouts (no answer in time). Our server can fail on purpose: `Faults(rate=0.5, seed=1)` makes half the
# requests, drawn from a seed, fail with 429 or 500. With retries switched off, each failure reaches you:

# %% slideshow={"slide_type": "fragment"}
flaky = BackgroundServer(lm, faults=Faults(rate=0.5, seed=1, kinds=("429", "500"))).start()
no_retries = openai.OpenAI(base_url=flaky.url, api_key="unused", max_retries=0)
outcomes = []
for _ in range(8):
    try:
        no_retries.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
        outcomes.append("ok")
    except openai.APIStatusError as error:
        outcomes.append(f"{error.status_code} {type(error).__name__}")
print("\n".join(outcomes))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The `openai` client retries 429, 5xx and timeouts by itself (twice by default, `max_retries`), waiting a
# little longer each time. A **400** is never retried: the request itself is wrong, and sending it again
# gives the same 400.

# %% slideshow={"slide_type": "fragment"}
patient = openai.OpenAI(base_url=flaky.url, api_key="unused", max_retries=5)
answers = [patient.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=2) for _ in range(4)]
print(f"{len(answers)} of 4 answered with max_retries=5")
try:
    patient.chat.completions.create(model=MODEL, messages=[], max_tokens=2)
except openai.BadRequestError as error:
    print(f"a bad request is not retried: HTTP {error.status_code}: {error.body['message']}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Your own retry loop
# Write `my_retry(call, sleep)`: return `call()`'s result; when it raises an error whose `status_code` is 429
# or 500 or more, `sleep` and try again, at most 5 attempts in all, each wait about twice the one before,
# times a random factor (**jitter**, so that many clients do not retry in step); raise any other error at once.

# %% slideshow={"slide_type": "fragment"}
def my_retry(call, sleep):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_retry(call, sleep, attempts=5, first_wait=0.2):
    for attempt in range(attempts):
        try:
            return call()
        except Exception as error:
            status = getattr(error, "status_code", None) or 0
            if attempt == attempts - 1 or not (status == 429 or status >= 500):
                raise
            sleep(first_wait * 2 ** attempt * random.uniform(0.5, 1.5))


# %% slideshow={"slide_type": "fragment"}
exercises.check_retry(my_retry)

# %% [markdown] slideshow={"slide_type": "fragment"}
# And against a failing server (a new one, failing half the time from another seed), with the client's own
# retries off:

# %% slideshow={"slide_type": "fragment"}
flaky.stop()
flaky = BackgroundServer(lm, faults=Faults(rate=0.5, seed=2, kinds=("429", "500"))).start()
no_retries = openai.OpenAI(base_url=flaky.url, api_key="unused", max_retries=0)
waits = []


def hi():
    return no_retries.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}],
                                              max_tokens=2)


def sleep_and_note(seconds):
    waits.append(seconds)
    time.sleep(seconds)


got = [my_retry(hi, sleep_and_note) for _ in range(4)]
print(f"{len(got)} of 4 answered, after {len(waits)} retries")
assert waits, "the seeded faults make some first attempts fail"
flaky.stop()

# %% [markdown] slideshow={"slide_type": "subslide"}
# A **timeout** is the last kind: the server accepted the request but sends nothing more. Without a time
# limit, your program would wait forever; with one, the client gives up and raises (and would retry).

# %% slideshow={"slide_type": "fragment"}
stalling = BackgroundServer(lm, faults=Faults(rate=1.0, kinds=("stall",), stall_seconds=3)).start()
impatient = openai.OpenAI(base_url=stalling.url, api_key="unused", max_retries=0, timeout=1.0)
try:
    stream = impatient.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}],
                                               stream=True)
    pieces = [chunk.choices[0].delta.content for chunk in stream]
    raise AssertionError("the stalled server should have timed out")
except openai.APITimeoutError as error:
    print(f"{type(error).__name__}: no data for 1 s, so the client gave up")
stalling.stop()

# %% [markdown] slideshow={"slide_type": "skip"}
# The notebook's own server stops here; start it again by re-running the setup cell.

# %% slideshow={"slide_type": "skip"}
server.stop()
print("servers stopped")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - An LLM API is JSON over HTTP; the `openai` client sends the same request to any compatible server,
#   chosen by `base_url`.
# - It is **stateless**: each request carries the whole conversation, so prompts (and costs) grow each turn,
#   and a conversation past the context window is refused until you shorten it.
# - **Streaming** delivers the first words after a fraction of the total time.
# - The API's **logprobs** are the model's own next-token log-probabilities (notebook 04).
# - Asking for JSON fails some of the time; **grammar-constrained decoding** always gives valid JSON, by
#   masking every token that would break it. Valid is not right: check the content.
# - **Function calling**: the model writes a call, your code validates it, asks before side effects, runs it
#   and sends the result back with its id. **MCP** serves the same tools over a standard protocol.
# - Retry 429, 5xx and timeouts with growing, jittered waits; never retry a 400.
#
# **Against a hosted provider** the code is the same; what changes: an API key (keep it out of your code,
# in an environment variable), real prices per token (and the discounts for cached prompts), rate limits
# per minute (your 429s), model names that change over time, and your data leaving your machine.
#
# **Next:** notebook 11 measures an LLM application: how to tell whether a change made it better.
