"""Widgets for notebook 01: text cut into tokens, and BPE's merges one step at a time."""

from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt

from ..llm.token_economy import TokenSpan, text_stats, token_spans
from ..scratch.bpe import tokens_after_each_merge
from . import viz
from .base import Widget, escape


class TokenHighlighter(Widget):
    """Type text, see it cut into tokens by the tokenizer you choose."""

    def __init__(self, tokenizers: dict, text: str = "Hello world! Tokenizers cut text into pieces."):
        self.tokenizers = tokenizers
        self.text = w.Textarea(value=text, description="Text:", continuous_update=True,
                               layout=w.Layout(width="95%", height="90px"))
        self.tokenizer = w.Dropdown(options=list(tokenizers), description="Tokenizer:")
        self.whitespace = w.Checkbox(value=False, description="show spaces (␣) and newlines (↵)")
        self.summary = w.HTML()
        self.tokens = w.HTML()
        self.spans: list = []
        for control in (self.text, self.tokenizer, self.whitespace):
            control.observe(self.update, names="value")
        self.box = w.VBox([self.tokenizer, self.text, self.whitespace, self.summary, self.tokens])
        self.update()

    def update(self, change=None) -> None:
        tokenizer = self.tokenizers[self.tokenizer.value]
        self.spans = token_spans(tokenizer, self.text.value)
        stats = text_stats(tokenizer, self.text.value)
        self.summary.value = (f"<b>{stats.tokens} tokens</b> for {stats.characters} characters: "
                              f"{stats.chars_per_token:.2f} characters per token")
        self.tokens.value = viz.token_html(self.spans, show_whitespace=self.whitespace.value)


class MergeStepper(Widget):
    """Step through a trained BPE's merges and watch a text's token count fall."""

    def __init__(self, bpe, text: str, step: int = 0):
        self.bpe, self.text = bpe, text
        self._strings = bpe.to_tokenizer().token_strings     # id -> text; "<0x..>" for part of a character
        self.curve = tokens_after_each_merge(bpe, text)          # computed once; the slider only reads it
        self._merges = list(bpe.merges.items())
        self.step = w.IntSlider(value=step, min=0, max=len(self._merges), description="Merges:",
                                continuous_update=False, layout=w.Layout(width="80%"))
        self.play = w.Play(min=0, max=len(self._merges), step=1, interval=300)
        w.jslink((self.play, "value"), (self.step, "value"))
        self.summary = w.HTML()
        self.tokens = w.HTML()
        self.out = w.Output()
        self.ids: list[int] = []
        self.step.observe(self.update, names="value")
        self.box = w.VBox([w.HBox([self.play, self.step]), self.summary, self.tokens, self.out])
        self.update()

    def update(self, change=None) -> None:
        n = self.step.value
        self.ids = self.bpe.encode(self.text, n_merges=n)
        if n:
            (a, b), new_id = self._merges[n - 1]
            a, b, new = (viz.show_text(s) for s in self._strings([a, b, new_id]))
            latest = f"merge {n}: {a!r} + {b!r} → {new!r} (id {new_id})"
        else:
            latest = "no merges yet: one token per byte"
        self.summary.value = f"<b>{len(self.ids)} tokens</b> (from {self.curve[0]} bytes). {escape(latest)}"
        spans = [TokenSpan(i, s) for i, s in zip(self.ids, self._strings(self.ids), strict=True)]
        self.tokens.value = viz.token_html(spans, show_whitespace=True, show_ids=False)
        with self.out:
            self.out.clear_output(wait=True)
            viz.plot_merge_curve(self.curve, n)
            plt.show()
