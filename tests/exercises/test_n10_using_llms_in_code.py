"""lesson_utils.exercises.n10_using_llms_in_code: each check takes a right answer, explains a wrong one."""

import json
import random

from lesson_utils import exercises


def right_messages(system, turns, question):
    messages = [{"role": "system", "content": system}]
    for asked, answered in turns:
        messages += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    return messages + [{"role": "user", "content": question}]


def test_three_turn_messages(capsys):
    assert exercises.check_three_turn_messages(right_messages)
    assert not exercises.check_three_turn_messages(
        lambda system, turns, question: [{"role": "user", "content": question}])
    assert "the history is sent every time" in capsys.readouterr().out
    assert not exercises.check_three_turn_messages(lambda s, t, q: right_messages(s, t, q)[::-1])
    assert "message 0" in capsys.readouterr().out
    assert not exercises.check_three_turn_messages(...)


def right_tool_message(message, run):
    call = message.tool_calls[0]
    result = run(call.function.name, json.loads(call.function.arguments))
    return {"role": "tool", "tool_call_id": call.id, "content": result}


def test_tool_message(capsys):
    assert exercises.check_tool_message(right_tool_message)
    assert not exercises.check_tool_message(
        lambda m, run: {"role": "tool", "content": run(m.tool_calls[0].function.name,
                                                       json.loads(m.tool_calls[0].function.arguments))})
    assert "tool_call_id" in capsys.readouterr().out
    assert not exercises.check_tool_message(
        lambda m, run: {"role": "tool", "tool_call_id": m.tool_calls[0].id,
                        "content": run(m.tool_calls[0].function.name, m.tool_calls[0].function.arguments)})
    assert "as a dict" in capsys.readouterr().out


def right_retry(call, sleep, attempts=5, base=0.5):
    for attempt in range(attempts):
        try:
            return call()
        except Exception as e:
            status = getattr(e, "status_code", None)
            if attempt == attempts - 1 or not (status == 429 or (status or 0) >= 500):
                raise
            sleep(base * 2 ** attempt * (1 + random.random()))


def doubling(call, sleep):
    """Retries as it should, but waits exactly 1, 2, 4 ... seconds: no jitter."""
    for attempt in range(5):
        try:
            return call()
        except Exception as e:
            if attempt == 4 or not (e.status_code == 429 or e.status_code >= 500):
                raise
            sleep(2.0 ** attempt)


def test_retry(capsys):
    assert exercises.check_retry(right_retry)
    assert "jitter" not in capsys.readouterr().out
    assert exercises.check_retry(doubling)
    assert "Add jitter" in capsys.readouterr().out

    def retries_everything(call, sleep):
        for attempt in range(5):
            try:
                return call()
            except Exception:
                sleep(2 ** attempt)
        raise RuntimeError("gave up")
    assert not exercises.check_retry(retries_everything)
    assert "a 400 means the request itself is wrong" in capsys.readouterr().out

    def never_waits(call, sleep):
        for _ in range(5):
            try:
                return call()
            except Exception as e:
                if e.status_code < 429:
                    raise
        raise RuntimeError("gave up")
    assert not exercises.check_retry(never_waits)
    assert "wait before each retry" in capsys.readouterr().out

    assert not exercises.check_retry(lambda call, sleep: right_retry(call, lambda seconds: sleep(1.0)))
    assert "do not grow" in capsys.readouterr().out
