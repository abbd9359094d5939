"""Thin ipywidgets front ends. The numbers they show come from tested functions.

Each widget keeps what it last computed in an attribute (`rows`, `reply`), so a
test can change a control as a user would and check what the widget now shows.
"""

from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt

from . import viz


class NextTokenExplorer:
    """Type a prompt, see the model's most likely next tokens as bars."""

    def __init__(self, lm, prompt: str = "The capital of France is", k: int = 10):
        self.lm = lm
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.k = w.IntSlider(value=k, min=3, max=20, description="Top k:", continuous_update=False)
        self.out = w.Output()
        self.message = w.HTML()
        self.rows: list[dict] = []
        self.prompt.observe(self.update, names="value")
        self.k.observe(self.update, names="value")
        self.box = w.VBox([self.prompt, self.k, self.message, self.out])
        self.update()

    def update(self, change=None) -> None:
        try:
            self.rows = self.lm.top_next_tokens(self.prompt.value, self.k.value)
            self.message.value = ""
        except (ValueError, TypeError) as e:
            self.rows = []
            self.message.value = f"<b>⚠ {e}</b>"
        with self.out:
            self.out.clear_output(wait=True)
            if self.rows:
                viz.plot_next_tokens(self.rows, title=f"After: {self.prompt.value[-40:]!r}")
                plt.show()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


class ChatBox:
    """Ask the real model a question under a chosen system message."""

    def __init__(self, lm, systems: dict[str, str], question: str = "What is the capital of France?",
                 max_new_tokens: int = 60):
        self.lm, self.systems, self.max_new_tokens = lm, systems, max_new_tokens
        self.question = w.Textarea(value=question, description="You:", layout=w.Layout(width="95%"))
        self.system = w.Dropdown(options=list(systems), description="System:")
        self.ask = w.Button(description="Ask", button_style="primary")
        self.answer = w.HTML()
        self.reply = ""
        self.ask.on_click(self.on_ask)
        self.box = w.VBox([self.system, self.question, self.ask, self.answer])

    def on_ask(self, button=None) -> None:
        try:
            self.reply = self.lm.chat(self.question.value, system=self.systems[self.system.value],
                                      max_new_tokens=self.max_new_tokens)
            self.answer.value = f"<b>SmolLM2:</b> {_escape(self.reply)}"
        except (ValueError, TypeError) as e:
            self.reply = ""
            self.answer.value = f"<b>⚠ {_escape(str(e))}</b>"

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


def _escape(text: str) -> str:
    import html
    return html.escape(text).replace("\n", "<br>")
