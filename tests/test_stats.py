"""lesson_utils.stats: a rate and its 95% interval."""

import pytest

from lesson_utils.stats import rate_text, wilson_interval


def test_known_values():
    assert wilson_interval(7, 16) == pytest.approx((0.231, 0.668), abs=1e-3)
    assert wilson_interval(16, 16) == pytest.approx((0.806, 1.0), abs=1e-3)
    low, high = wilson_interval(0, 16)
    assert low == 0 and 0.19 < high < 0.2


def test_more_examples_narrow_the_interval():
    small, large = wilson_interval(5, 10), wilson_interval(500, 1000)
    assert small[0] < large[0] < 0.5 < large[1] < small[1]


def test_rate_text_and_bad_counts():
    assert rate_text(7, 16) == "7 of 16 (44%, 95% interval 23% to 67%)"
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(17, 16)
    with pytest.raises(ValueError, match="n"):
        wilson_interval(0, 0)
