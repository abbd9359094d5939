"""What every check shares: a verdict in plain words, and a nudge for an empty answer."""

from __future__ import annotations


def _verdict(ok: bool, message: str) -> bool:
    print(("✅ Right: " if ok else "❌ Not yet: ") + message)
    return ok


def _unanswered(answer) -> bool:
    if answer is None or answer is Ellipsis:
        print("✏️  Write your answer in the cell above (replace the ...), then run this cell again.")
        return True
    return False
