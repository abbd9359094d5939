"""What every widget shares: how Jupyter shows it, and how it shows text and errors.

Each widget keeps what it last computed in an attribute (`rows`, `reply`), so a
test can change a control as a user would and check what the widget now shows.
The numbers a widget shows come from tested functions outside ui/.
"""

from __future__ import annotations

import html

import ipywidgets as w


class Widget:
    """Jupyter shows `self.box`, the widget's layout."""

    box: w.Box

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


def escape(text: str) -> str:
    """Text made safe to show as HTML, its newlines kept as line breaks."""
    return html.escape(text).replace("\n", "<br>")


def error_html(error: Exception) -> str:
    """The one-line warning a widget shows in place of its result when the input is wrong."""
    return f"<b>⚠ {escape(str(error))}</b>"
