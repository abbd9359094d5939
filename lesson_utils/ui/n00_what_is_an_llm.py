"""Widgets for notebook 00: a prompt's likeliest next tokens, and a chat with SmolLM2."""

from __future__ import annotations

import time

import ipywidgets as w
import matplotlib.pyplot as plt

from . import viz
from .base import Widget, error_html, escape


class NextTokenExplorer(Widget):
    """Type a prompt, see the model's most likely next tokens as bars."""

    def __init__(self, lm, prompt: str = "The capital of France is", k: int = 10):
        self.lm = lm
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.k = w.IntSlider(value=k, min=3, max=20, description="Top k:", continuous_update=False)
        self.out = w.Output()
        self.message = w.HTML()
        self.rows: list[dict] = []
        self.seconds = 0.0                    # how long the last redraw took
        self._probs_for: tuple[str, object] | None = None     # (prompt, its next-token probabilities)
        self.prompt.observe(self.update, names="value")
        self.k.observe(self.update, names="value")
        self.box = w.VBox([self.prompt, self.k, self.message, self.out])
        self.update()

    def update(self, change=None) -> None:
        start = time.perf_counter()
        try:
            self.rows = self.lm.top_tokens(self._next_token_probs(), self.k.value)
            self.message.value = ""
        except (ValueError, TypeError) as e:
            self.rows = []
            self.message.value = error_html(e)
        self._after_rows()
        with self.out:
            self.out.clear_output(wait=True)
            if self.rows:
                viz.plot_next_tokens(self.rows, title=f"After: {self.prompt.value[-50:]!r}")
                plt.show()
        self.seconds = time.perf_counter() - start

    def _next_token_probs(self):
        """The model's distribution after the prompt; computed once per prompt, so that moving the
        Top k slider only redraws the chart (one forward pass is ~100 ms on 2 cores)."""
        prompt = self.prompt.value
        if self._probs_for is None or self._probs_for[0] != prompt:
            self._probs_for = (prompt, self.lm.next_token_probs(prompt))
        return self._probs_for[1]

    def _after_rows(self) -> None:
        """Hook for subclasses, run after the rows are computed and before the chart is drawn."""


class ChatBox(Widget):
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
            self.answer.value = f"<b>SmolLM2:</b> {escape(self.reply)}"
        except (ValueError, TypeError) as e:
            self.reply = ""
            self.answer.value = error_html(e)
