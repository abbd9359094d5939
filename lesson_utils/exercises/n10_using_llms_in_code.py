"""Exercises of notebook 10: a conversation re-sent whole, a tool result sent back, a retry loop."""

from __future__ import annotations

from types import SimpleNamespace

from .checks import student_call, unanswered, verdict


def check_three_turn_messages(fn) -> bool:
    """Exercise: fn(system, turns, question) -> the messages of the next request.

    turns is a list of (user text, assistant reply) pairs already exchanged."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_messages(system, turns, question): ...")
    turns = [("Hi, I'm Ada.", "Hello Ada! How can I help?"), ("What is 2 + 2?", "2 + 2 is 4.")]
    want = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi, I'm Ada."},
        {"role": "assistant", "content": "Hello Ada! How can I help?"},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "2 + 2 is 4."},
        {"role": "user", "content": "What is my name?"},
    ]
    got, problem = student_call("your function", fn, "Be brief.", turns, "What is my name?")
    if problem:
        return verdict(False, problem)
    if not isinstance(got, list) or not all(isinstance(m, dict) for m in got):
        return verdict(False, 'return a list of dicts like {"role": "user", "content": "..."}')
    if len(got) != len(want):
        return verdict(
            False,
            f"you built {len(got)} messages; the request needs {len(want)}: the system message, "
            "every earlier user message and reply, and the new question. The server keeps "
            "nothing between requests, so the history is sent every time.",
        )
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if g != w:
            return verdict(False, f"message {i} is {g!r}; it should be {w!r}")
    return verdict(
        True,
        "the whole history goes with every request: the model can only know Ada's name because "
        "the first turn is in the prompt again.",
    )


def _reply_with_call(call_id: str, name: str, arguments: str):
    """An object shaped like the SDK's reply.choices[0].message with one tool call."""
    function = SimpleNamespace(name=name, arguments=arguments)
    return SimpleNamespace(
        role="assistant",
        content=None,
        tool_calls=[SimpleNamespace(id=call_id, type="function", function=function)],
    )


def check_tool_message(fn) -> bool:
    """Exercise: fn(message, run) -> the `tool` message that answers the message's first tool call,
    where run(name, arguments_dict) runs the tool and returns its result as text."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_tool_message(message, run): ...")
    seen = []

    def run(name, arguments):
        seen.append((name, arguments))
        return "84"

    message = _reply_with_call("call_7f3a", "calculator", '{"expression": "12 * 7"}')
    got, problem = student_call("your function", fn, message, run)
    if problem:
        return verdict(
            False,
            problem + (" (arguments is JSON text: json.loads it into a dict)" if "str" in problem else ""),
        )
    if seen != [("calculator", {"expression": "12 * 7"})]:
        return verdict(
            False,
            f"run should be called once, with the tool's name and its arguments as a dict "
            f"(json.loads(call.function.arguments)); it was called with {seen}",
        )
    want = {"role": "tool", "tool_call_id": "call_7f3a", "content": "84"}
    if got != want:
        return verdict(
            False,
            f"you returned {got!r}; the tool message is {want!r}: its tool_call_id says which "
            "call this result answers",
        )
    return verdict(
        True,
        "the id ties the result to its call, so a reply with several calls can be answered in any order.",
    )


class _Flaky:
    """A fake API call that fails with the given status codes, then answers."""

    def __init__(self, statuses):
        self.statuses, self.calls = list(statuses), 0

    def __call__(self):
        self.calls += 1
        if self.statuses:
            status = self.statuses.pop(0)
            raise FakeAPIError(status)
        return "answer"


class FakeAPIError(Exception):
    def __init__(self, status_code: int):
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def check_retry(fn) -> bool:
    """Exercise: fn(call, sleep) -> call()'s result, retrying a 429 or 5xx error (exception with
    .status_code) up to 5 attempts with growing, jittered waits passed to sleep(seconds); any other
    error is raised at once."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_retry(call, sleep): ...")
    waits = []
    flaky = _Flaky([429, 500, 503])
    got, problem = student_call("your function", fn, flaky, waits.append)
    if problem:
        return verdict(False, problem + " (catch the error, look at its .status_code, sleep, then try again)")
    if got != "answer" or flaky.calls != 4:
        return verdict(
            False,
            f"after three failures (429, 500, 503) the fourth attempt answers; your function "
            f"made {flaky.calls} attempts and returned {got!r}",
        )
    if len(waits) != 3 or not all(isinstance(w, (int, float)) and w > 0 for w in waits):
        return verdict(False, f"wait before each retry, with sleep(seconds); the waits were {waits}")
    if not waits[0] < waits[2]:
        return verdict(
            False,
            f"the waits {waits} do not grow: double them (exponential backoff), so a busy "
            "server gets more room each time",
        )
    hopeless = _Flaky([400])
    _, problem = student_call("your function", fn, hopeless, waits.append)
    if problem is None or hopeless.calls != 1:
        return verdict(
            False,
            "a 400 means the request itself is wrong: sending it again gives the same 400. "
            f"Raise it at once; your function made {hopeless.calls} attempts",
        )
    forever = _Flaky([500] * 50)
    _, problem = student_call("your function", fn, forever, lambda s: None)
    if problem is None or forever.calls > 5:
        return verdict(
            False,
            f"against a server that keeps failing your function made {forever.calls} attempts; "
            "give up (raise the last error) after 5",
        )
    again = []
    student_call("your function", fn, _Flaky([429, 500, 503]), again.append)
    jitter = again != waits[:3]
    return verdict(
        True,
        "429 and 5xx are retried with growing waits, 400 is not, and it gives up after 5 "
        "attempts."
        + (
            ""
            if jitter
            else " Add jitter (a random share of each wait), so that "
            "many clients do not all retry at the same moment."
        ),
    )
