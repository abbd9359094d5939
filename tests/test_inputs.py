"""lesson_utils.inputs: one wording for every argument check."""

import pytest

from lesson_utils.inputs import whole_number


def test_a_whole_number_in_range_comes_back_as_it_is():
    assert whole_number("k", 3, low=1) == 3
    assert whole_number("layer", 0, 0, 29) == 0 and whole_number("layer", 29, 0, 29) == 29
    assert whole_number("n", -5) == -5                       # no bounds: any int


@pytest.mark.parametrize("value, low, high, message", [
    (0, 1, None, "k must be a whole number >= 1, got 0"),
    (30, 0, 29, "k must be a whole number from 0 to 29, got 30"),
    (2.0, 1, None, "k must be a whole number >= 1, got 2.0"),
    (True, 1, None, "k must be a whole number >= 1, got True"),     # a bool is not a count
    ("3", None, 9, "k must be a whole number <= 9, got '3'"),
    (None, None, None, "k must be a whole number, got None"),
])
def test_anything_else_is_refused_with_what_is_allowed_and_what_came(value, low, high, message):
    with pytest.raises(ValueError) as caught:
        whole_number("k", value, low, high)
    assert str(caught.value) == message
