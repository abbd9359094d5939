"""Notebook 08's widgets, moved and typed into as a student would."""

import numpy as np

from lesson_utils.applications.rag import BM25, Chunk, chunk_text, search
from lesson_utils.ui import viz
from lesson_utils.ui.n08_rag import ChunkingViewer, RetrievalExplorer, results_html

TEXT = "one two three four five six seven eight nine ten eleven twelve"


def test_chunking_viewer_follows_the_sliders():
    viewer = ChunkingViewer(TEXT, size=5, overlap=0)
    assert len(viewer.chunks) == 3 and "3 chunks" in viewer.view.value
    viewer.overlap.value = 2                              # the student drags the overlap slider
    assert [c.text for c in viewer.chunks][:2] == ["one two three four five", "four five six seven eight"]
    viewer.overlap.value = 5                              # as large as the size: refused in words
    assert viewer.chunks == [] and "overlap must be" in viewer.view.value


def test_chunk_html_marks_overlap_and_escapes():
    chunks = chunk_text("a <b> c d", size=2, overlap=1)
    html = viz.chunk_html("a <b> c d", chunks)
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert html.count("background:#DDDDDD") == 2        # "<b>" and "c" are each in two chunks


def test_retrieval_explorer_searches_as_the_student_types():
    texts = ["the library opens at eight", "the bike battery charges in four hours", "exams are in june"]
    chunks = [Chunk(f"doc_{i}", 0, 0, len(t), t) for i, t in enumerate(texts)]
    bm25 = BM25(texts)
    points = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    explorer = RetrievalExplorer(chunks, {"BM25": bm25.scores}, points, question="When do exams start?", k=1)
    assert explorer.rows[0]["doc"] == "doc_2"
    explorer.question.value = "How long does the battery take to charge?"
    assert explorer.rows[0]["doc"] == "doc_1" and "doc_1" in explorer.table.value
    explorer.k.value = 3
    assert [r["rank"] for r in explorer.rows] == [1, 2, 3]
    explorer.question.value = "   "
    assert explorer.rows == [] and "empty" in explorer.table.value


def test_search_rows_and_their_html():
    chunks = [Chunk("a", 0, 0, 1, "x <y>"), Chunk("b", 0, 0, 1, "z")]
    rows = search(np.array([0.2, 0.9]), chunks, 2)
    assert [r["doc"] for r in rows] == ["b", "a"] and rows[0]["score"] == 0.9
    assert "x &lt;y&gt;" in results_html(rows)
