"""Widgets for notebook 02: a map of word vectors."""

from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt

from . import viz
from .base import Widget, escape


class WordMapExplorer(Widget):
    """Type words, see them placed on the map of meaning with their nearest tokens."""

    def __init__(self, word_map, words: str = "queen, Paris, pizza", k: int = 6):
        self.word_map, self.k = word_map, k
        self.words = w.Text(value=words, description="Words:", continuous_update=False,
                            placeholder="words separated by commas", layout=w.Layout(width="95%"))
        self.neighbour_list = w.HTML()
        self.out = w.Output()
        self.placed: list[str] = []
        self.neighbours: dict[str, list] = {}
        self.words.observe(self.update, names="value")
        self.box = w.VBox([self.words, self.neighbour_list, self.out])
        self.update()

    def update(self, change=None) -> None:
        typed = [t.strip() for t in self.words.value.split(",") if t.strip()]
        vectors = self.word_map.word_vectors
        self.placed = typed
        self.neighbours = {t: vectors.neighbours(t, self.k) for t in typed}
        lines = []
        for t in typed:
            pieces = vectors.pieces(t)
            note = f" ({pieces} tokens, averaged)" if pieces > 1 else ""
            near = ", ".join(f"{viz.show_text(s)!r} {c:.2f}" for s, c in self.neighbours[t])
            lines.append(f"<b>{escape(t)}</b>{note}: {escape(near)}")
        self.neighbour_list.value = ("<br>".join(lines) or "Type some words, separated by commas.")
        with self.out:
            self.out.clear_output(wait=True)
            viz.plot_word_map(self.word_map, extra=typed)
            plt.show()
