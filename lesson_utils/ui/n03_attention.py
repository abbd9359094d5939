"""Widgets for notebook 03: where each token looks, layer by layer and head by head."""

from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt

from ..inside.attention import attention_record
from . import viz
from .base import Widget, error_html, escape


class AttentionViewer(Widget):
    """Choose a prompt, a layer, a head and a token; see the real attention weights."""

    def __init__(self, model, tokenizer, prompt: str = "The cat sat on the mat because it was tired.",
                 layer: int = 16, head: int = 0):
        self._record_of = lambda text: attention_record(model, tokenizer, text)
        n_layers, n_heads = model.config.n_layers, model.config.n_heads
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.layer = w.IntSlider(value=layer, min=0, max=n_layers - 1, description="Layer:",
                                 continuous_update=False)
        self.head = w.IntSlider(value=head, min=0, max=n_heads - 1, description="Head:",
                                continuous_update=False)
        self.token = w.Dropdown(description="Token:")
        self.looks_at = w.HTML()
        self.out = w.Output()
        self.record = None
        self.row: list = []
        self._refilling = False               # True while the token list is refilled for a new prompt
        self.prompt.observe(self._new_prompt, names="value")
        for control in (self.layer, self.head, self.token):
            control.observe(self.update, names="value")
        self.box = w.VBox([self.prompt, w.HBox([self.layer, self.head]), self.token, self.looks_at, self.out])
        self._new_prompt()

    def _new_prompt(self, change=None) -> None:
        try:
            self.record = self._record_of(self.prompt.value)       # one forward pass; sliders reuse it
        except (ValueError, TypeError) as e:
            self.record, self.row = None, []
            self.looks_at.value = error_html(e)
            return
        options = [(f"{i}: {viz.show_text(t)}", i) for i, t in enumerate(self.record.tokens)]
        self._refilling = True                 # new options fire change events: draw once, below
        self.token.options = options
        self.token.value = len(options) - 1    # the last token, the one about to predict
        self._refilling = False
        self.update()

    def update(self, change=None) -> None:
        if self.record is None or self.token.value is None or self._refilling:
            return
        position = self.token.value
        self.row = self.record.row(self.layer.value, self.head.value, position)
        ranked = sorted(enumerate(self.row), key=lambda item: -item[1][1])[:5]
        self.looks_at.value = (f"<b>{escape(viz.show_text(self.record.tokens[position]))!s}</b> looks at: "
                               + ", ".join(f"{escape(viz.show_text(t))} ({p:.2f})" for _, (t, p) in ranked))
        with self.out:
            self.out.clear_output(wait=True)
            viz.plot_attention(self.record.weights[self.layer.value, self.head.value], self.record.tokens,
                               title=f"layer {self.layer.value}, head {self.head.value}", row=position)
            plt.show()
