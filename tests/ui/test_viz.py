"""lesson_utils.ui.viz: the figures and HTML the notebooks show."""

import matplotlib
import torch

from lesson_utils.ui import viz


def test_presenter_style_is_larger():
    viz.use_style(presenter=False)
    normal = matplotlib.rcParams["font.size"]
    viz.use_style(presenter=True)
    assert matplotlib.rcParams["font.size"] > normal
    viz.use_style(presenter=False)


def test_presenter_css_scales_widget_text_from_jupyterlab_defaults():
    css = viz.presenter_css(scale=2.0)
    assert "--jp-widgets-font-size: 26px" in css          # JupyterLab's 13px, doubled
    assert "--jp-widgets-inline-height: 56px" in css
    assert css.startswith("<style>") and css.endswith("</style>")


def test_presenting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("LESSON_PRESENTER", "1")
    assert viz.presenting() and not viz.presenting(False)
    monkeypatch.setenv("LESSON_PRESENTER", "0")
    assert not viz.presenting() and viz.presenting(True)
    monkeypatch.delenv("LESSON_PRESENTER")
    assert not viz.presenting()


def test_next_token_plot_and_table_agree():
    rows = [{"id": 7042, "text": " Paris", "p": 0.77}, {"id": 260, "text": " the", "p": 0.06}]
    fig = viz.plot_next_tokens(rows)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["'␣Paris'", "'␣the'"]
    table = viz.next_tokens_table(rows)
    assert "7042" in table and "0.770" in table
    matplotlib.pyplot.close(fig)


def test_token_html_escapes_breaks_lines_and_marks_specials():
    from lesson_utils.llm.token_economy import TokenSpan
    spans = [TokenSpan(1, "<|im_start|>", special=True), TokenSpan(2, "<b>"), TokenSpan(3, " x\n")]
    html = viz.token_html(spans, show_whitespace=True)
    assert "&lt;b&gt;" in html and "<b>" not in html.replace("<br>", "")
    assert html.count("<br>") == 4              # three id lines + one line break after "\n"
    assert viz.SPECIAL_COLOUR in html and "␣x↵" in html
    assert "␣" not in viz.token_html(spans, show_whitespace=False)
    assert "token id 2" in html and ">2</span>" in html
    assert ">2</span>" not in viz.token_html(spans, show_ids=False)


def test_plot_token_spans_wraps_rows_and_draws_missing_glyphs_as_codes():
    from lesson_utils.llm.token_economy import TokenSpan
    viz.use_style()
    spans = [TokenSpan(i, " word") for i in range(30)] + [TokenSpan(99, "🙂")]
    fig = viz.plot_token_spans(spans, title="t", width=40)
    ax = fig.axes[0]
    assert len(ax.patches) == 31
    rows = {round(p.get_y()) for p in ax.patches}
    assert len(rows) == 5                          # 30 boxes of 5 characters, 40 per row, then the emoji
    assert "U+1F642" in [t.get_text() for t in ax.texts]
    matplotlib.pyplot.close(fig)


def test_plot_merge_curve_marks_the_step():
    fig = viz.plot_merge_curve([10, 8, 7], step=1)
    assert "1 merges: 8 tokens" in [t.get_text() for t in fig.axes[0].texts]
    matplotlib.pyplot.close(fig)


def test_similarity_heatmap_writes_every_value_with_readable_ink():
    fig = viz.plot_similarity_heatmap([[1.0, 0.2], [0.2, 1.0]], ["a", "b"], title="t")
    texts = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert set(texts) == {"1.00", "0.20"}
    assert texts["0.20"] == "white" and texts["1.00"] == "black"      # dark cell, light cell
    matplotlib.pyplot.close(fig)


def test_layer_curves_and_word_map_plots(model, tokenizer):
    from lesson_utils.inside.embeddings import WordMap, WordVectors
    fig = viz.plot_layer_curves({"a": [0, 1, 2], "b": [2, 1, 0]}, best=1, ylabel="y")
    assert len(fig.axes[0].lines) == 3 and "layer 1" in [t.get_text() for t in fig.axes[0].texts]
    matplotlib.pyplot.close(fig)
    word_map = WordMap(WordVectors(model, tokenizer), {"n": ["one", "two", "three"], "c": ["red", "blue"]})
    fig = viz.plot_word_map(word_map, extra=["seven"], label_every=1)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "seven" in labels and "one" in labels
    assert fig.axes[0].get_legend() is not None
    matplotlib.pyplot.close(fig)


def test_attention_plots():
    w = torch.softmax(torch.randn(3, 4, 4), -1)
    fig = viz.plot_attention(w[0], ["a", " b", "c", "d"], title="t", row=2)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "␣b", "c", "d"]
    assert len(ax.patches) == 1                                   # the highlighted row
    matplotlib.pyplot.close(fig)
    fig = viz.plot_attention_heads(w, ["a", "b", "c", "d"], title="heads")
    assert [a.get_title() for a in fig.axes[:3]] == ["head 0", "head 1", "head 2"]
    matplotlib.pyplot.close(fig)
    fig = viz.plot_head_scores(torch.rand(30, 9), title="s")
    assert fig.axes[0].get_xlabel() == "head" and fig.axes[0].get_ylabel() == "layer"
    matplotlib.pyplot.close(fig)
