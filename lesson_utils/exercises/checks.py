"""What every check shares: a verdict in plain words, and a nudge for an empty answer."""

from __future__ import annotations


def verdict(ok: bool, message: str) -> bool:
    print(("✅ Right: " if ok else "❌ Not yet: ") + message)
    return ok


def unanswered(answer) -> bool:
    if answer is None or answer is Ellipsis:
        print("✏️  Write your answer in the cell above (replace the ...), then run this cell again.")
        return True
    return False


def student_call(what: str, fn, *args, then=None):
    """Call the student's fn(*args), and then(result) if given: (the result, None), or
    (None, "WHAT raised KeyError: 'x'") when that raised. A bug in an exercise becomes a sentence
    under the cell, not a traceback."""
    try:
        result = fn(*args)
        return (then(result) if then is not None else result), None
    except Exception as e:  # noqa: BLE001 (any error in student code becomes a hint)
        return None, f"{what} raised {type(e).__name__}: {e}"
