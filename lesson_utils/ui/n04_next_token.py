"""Widgets for notebook 04: build a reply one chosen token at a time."""

from __future__ import annotations

import ipywidgets as w

from . import viz
from .n00_what_is_an_llm import NextTokenExplorer


class NextTokenStepper(NextTokenExplorer):
    """Generation one step at a time: the explorer's bars, plus a button per top token that appends
    it, and undo."""

    def __init__(self, lm, prompt: str = "The capital of France is", k: int = 10, choices: int = 5):
        self.choices = choices
        self.buttons = w.HBox()
        self.undo = w.Button(description="Undo", icon="undo", tooltip="remove the last appended token")
        self.history: list[str] = []          # the prompts before each append, for undo
        self.undo.on_click(self.on_undo)
        super().__init__(lm, prompt, k)
        self.box.children = (self.prompt, self.k, w.HTML("Click a token to append it:"), self.buttons,
                             self.undo, self.message, self.out)

    def _after_rows(self) -> None:
        # Tokens holding part of a character ("<0xF0>") cannot be typed into a text box: no button.
        whole = [r for r in self.rows if not r["text"].startswith("<0x")][: self.choices]
        buttons = []
        for row in whole:
            button = w.Button(description=f"{viz.show_text(row['text'])}  {row['p']:.2f}",
                              layout=w.Layout(width="auto"))
            button.on_click(lambda _, text=row["text"]: self.append(text))
            buttons.append(button)
        self.buttons.children = buttons
        self.undo.disabled = not self.history

    def append(self, text: str) -> None:
        self.history.append(self.prompt.value)
        self.prompt.value = self.prompt.value + text          # fires update()

    def on_undo(self, button=None) -> None:
        if self.history:
            self.prompt.value = self.history.pop()
