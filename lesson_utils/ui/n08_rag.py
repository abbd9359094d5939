"""Widgets of notebook 08: see how chunking cuts a document, and what a question retrieves.

Each keeps what it last showed (`chunks`, `rows`) so a test can move a slider or type a
question as a student would and check the result.
"""

from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt

from ..applications.rag import Chunk, chunk_text, search
from . import viz
from .base import Widget, error_html, escape


class ChunkingViewer(Widget):
    """Two sliders (chunk size, overlap in words) and a document coloured chunk by chunk."""

    def __init__(self, text: str, size: int = 30, overlap: int = 10):
        self.text = text
        self.size = w.IntSlider(value=size, min=5, max=120, step=5, description="Size (words):",
                                continuous_update=False, style={"description_width": "initial"})
        self.overlap = w.IntSlider(value=overlap, min=0, max=60, step=5, description="Overlap:",
                                   continuous_update=False)
        self.view = w.HTML()
        self.chunks: list[Chunk] = []
        self.size.observe(self.update, names="value")
        self.overlap.observe(self.update, names="value")
        self.box = w.VBox([w.HBox([self.size, self.overlap]), self.view])
        self.update()

    def update(self, change=None) -> None:
        try:
            self.chunks = chunk_text(self.text, self.size.value, self.overlap.value)
        except ValueError as e:
            self.chunks = []
            self.view.value = error_html(e)
            return
        self.view.value = (f"<p>{len(self.chunks)} chunks</p>" + viz.chunk_html(self.text, self.chunks))


def results_html(rows: list[dict]) -> str:
    """Search results as an HTML table: rank, score, document, text."""
    body = "".join(f"<tr><td>{r['rank']}</td><td>{r['score']:.3f}</td><td>{escape(r['doc'])}</td>"
                   f"<td style='text-align:left'>{escape(r['text'])}</td></tr>" for r in rows)
    return ("<table><tr><th>rank</th><th>score</th><th>document</th><th>chunk</th></tr>"
            f"{body}</table>")


class RetrievalExplorer(Widget):
    """Type a question, pick a method and k: the top chunks with scores, and where they sit on a 2-D map.

    scorers: {method name: function(question) -> one score per chunk}
    place:   function(question) -> the question's (x, y) on the map, or None
    points:  (N, 2) positions of the chunks on the map
    """

    def __init__(self, chunks: list[Chunk], scorers: dict, points, place=None,
                 question: str = "When does the Thaw term begin?", k: int = 3):
        self.chunks, self.scorers, self.points, self.place = chunks, scorers, points, place
        self.question = w.Text(value=question, description="Question:", layout=w.Layout(width="95%"),
                               continuous_update=False)
        self.method = w.Dropdown(options=list(scorers), description="Method:")
        self.k = w.IntSlider(value=k, min=1, max=10, description="Top k:", continuous_update=False)
        self.table = w.HTML()
        self.out = w.Output()
        self.rows: list[dict] = []
        for control in (self.question, self.method, self.k):
            control.observe(self.update, names="value")
        self.box = w.VBox([self.question, w.HBox([self.method, self.k]), self.table, self.out])
        self.update()

    def update(self, change=None) -> None:
        try:
            scores = self.scorers[self.method.value](self.question.value)
            self.rows = search(scores, self.chunks, self.k.value)
            self.table.value = results_html(self.rows)
        except (ValueError, TypeError) as e:
            self.rows = []
            self.table.value = error_html(e)
        with self.out:
            self.out.clear_output(wait=True)
            if self.rows:
                star = self.place(self.question.value) if self.place else None
                viz.plot_retrieval_map(self.points, [c.doc.split("_")[0] for c in self.chunks],
                                       [r["chunk"] for r in self.rows], star,
                                       title=f"{self.method.value}: top {self.k.value}")
                plt.show()
