"""Rates with their uncertainty: a share measured on n examples is an estimate, not a fact.

    wilson_interval(7, 16)  -> (0.231, 0.668)     # 7 of 16 is 44%, and anything from 23% to 67% fits
"""

from __future__ import annotations

import math

from .inputs import whole_number


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval (z = 1.96) of a rate of successes in n trials.

    Unlike rate ± 1.96·sqrt(rate·(1 − rate)/n), it stays inside [0, 1] and is not empty at 0 of n
    or n of n: wilson_interval(16, 16) -> (0.806, 1.0).
    """
    whole_number("n", n, low=1)
    whole_number("successes", successes, low=0, high=n)
    rate = successes / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_text(successes: int, n: int) -> str:
    """'7 of 16 (44%, 95% interval 23% to 67%)'."""
    low, high = wilson_interval(successes, n)
    return f"{successes} of {n} ({successes / n:.0%}, 95% interval {low:.0%} to {high:.0%})"
