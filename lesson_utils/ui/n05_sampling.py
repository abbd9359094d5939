"""Widgets for notebook 05: temperature, top-k and top-p reshaping the next-token distribution."""

from __future__ import annotations

import time

import ipywidgets as w

from ..llm.generation import next_token_logits
from ..llm.sampling import sample_next, sampling_view
from . import viz
from .base import Widget, error_html, escape


class SamplingLab(Widget):
    """Temperature, top-k and top-p on the real model's logits for one prompt, redrawn live."""

    def __init__(self, lm, prompt: str = "Once upon a time, there was a", temperature: float = 1.0,
                 show: int = 12, seed: int = 0):
        import torch
        self.lm, self.show = lm, show
        self._generator = torch.Generator().manual_seed(seed)
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.temperature = w.FloatSlider(value=temperature, min=0.0, max=3.0, step=0.05,
                                         description="Temperature:", readout_format=".2f")
        self.top_k = w.IntSlider(value=0, min=0, max=50, description="Top k:",
                                 tooltip="0 = no top-k filter")
        self.top_p = w.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="Top p:")
        self.sample_button = w.Button(description="Sample 20", icon="random")
        self.readout = w.HTML()
        self.bars = w.HTML()
        self.samples = w.HTML()
        self.view: dict = {}
        self.drawn: list[str] = []
        self.seconds = 0.0
        self.prompt.observe(self._new_prompt, names="value")
        for control in (self.temperature, self.top_k, self.top_p):
            control.observe(self.update, names="value")
        self.sample_button.on_click(self.sample)
        self.box = w.VBox([self.prompt, self.temperature, self.top_k, self.top_p, self.readout, self.bars,
                           self.sample_button, self.samples])
        self._new_prompt()

    def settings(self) -> dict:
        return {"temperature": self.temperature.value, "top_k": self.top_k.value or None,
                "top_p": self.top_p.value if self.top_p.value < 1 else None}

    def _new_prompt(self, change=None) -> None:
        try:
            self.logits = next_token_logits(self.lm.model, self.lm.encode(self.prompt.value)).cpu()
        except (ValueError, TypeError) as e:
            self.logits, self.view = None, {}
            self.readout.value = error_html(e)
            self.bars.value = ""
            return
        self.update()

    def update(self, change=None) -> None:
        if self.logits is None:
            return
        start = time.perf_counter()
        self.view = sampling_view(self.logits, show=self.show, **self.settings())
        labels = self.lm.tokenizer.token_strings(self.view["ids"])
        self.readout.value = (f"entropy: {self.view['entropy_original']:.2f} bits → "
                              f"<b>{self.view['entropy_reshaped']:.2f} bits</b>; tokens that can still be "
                              f"drawn: <b>{self.view['n_kept']:,}</b> of {len(self.logits):,}")
        self.bars.value = viz.sampling_html(self.view, labels)
        self.seconds = time.perf_counter() - start

    def sample(self, button=None) -> None:
        if self.logits is None:
            return
        ids = [int(sample_next(self.logits[None], generator=self._generator, **self.settings())[0])
               for _ in range(20)]
        self.drawn = self.lm.tokenizer.token_strings(ids)
        self.samples.value = "20 draws: " + " · ".join(escape(repr(viz.show_text(t))) for t in self.drawn)
