"""lesson_utils.ui.base: what every widget shares."""

from lesson_utils.ui.base import error_html, escape


def test_escape_makes_text_safe_html_and_keeps_its_line_breaks():
    assert escape('<b>"a" & b</b>\nnext') == "&lt;b&gt;&quot;a&quot; &amp; b&lt;/b&gt;<br>next"


def test_an_error_is_one_escaped_warning():
    html = error_html(ValueError("top_k must be >= 1, got <0>"))
    assert html == "<b>⚠ top_k must be &gt;= 1, got &lt;0&gt;</b>"
