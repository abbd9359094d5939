"""The checks every function makes of its arguments, with one wording for the whole series.

    whole_number("k", k, low=1)               # k if it is an int >= 1, else
                                              # ValueError: k must be a whole number >= 1, got 0
    whole_number("layer", layer, 0, 29)       # ... a whole number from 0 to 29, got 30

A bool is refused although Python counts it as an int: top_k=True is a mistake, not 1.
"""

from __future__ import annotations


def whole_number(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """value, if it is an int from low to high (both included; None: no bound); else a ValueError that
    names the argument, the numbers allowed and what was given."""
    fits = (not isinstance(value, bool) and isinstance(value, int)
            and (low is None or value >= low) and (high is None or value <= high))
    if not fits:
        if low is not None and high is not None:
            allowed = f" from {low} to {high}"
        elif low is not None:
            allowed = f" >= {low}"
        else:
            allowed = f" <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be a whole number{allowed}, got {value!r}")
    return value
