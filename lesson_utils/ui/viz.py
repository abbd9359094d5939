"""Plots in one shared style: colour-blind-safe colours, large readable text.

Display code only; nothing in the computing modules imports this one.
"""

from __future__ import annotations

import functools
import os

import matplotlib as mpl
import matplotlib.pyplot as plt

# Okabe & Ito's palette, distinguishable with the common kinds of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#BBBBBB"


PRESENTER_SCALE = 1.4          # text in plots and widgets, when presenting to a room


def presenting(presenter: bool | None = None) -> bool:
    """presenter as given, or (None) whether the environment variable LESSON_PRESENTER is set (not 0)."""
    if presenter is None:
        return os.environ.get("LESSON_PRESENTER", "") not in ("", "0")
    return bool(presenter)


def presenter_css(scale: float = PRESENTER_SCALE) -> str:
    """A <style> block that enlarges widget controls and printed output in JupyterLab and RISE.

    ipywidgets size their text and rows from CSS variables; setting them on output areas
    scales every slider, button, text box and label at once.
    """
    def px(size: float) -> str:                      # the sizes passed in are JupyterLab's defaults
        return f"{round(size * scale)}px"
    return ("<style>.jp-OutputArea-output, .jupyter-widgets {"
            f" --jp-widgets-font-size: {px(13)}; --jp-widgets-inline-height: {px(28)};"
            f" --jp-widgets-inline-label-width: {px(80)}; --jp-widgets-inline-width: {px(300)};"
            f" --jp-widgets-inline-width-short: {px(148)}; --jp-widgets-slider-handle-size: {px(16)};"
            f" --jp-code-font-size: {px(13)}; }}"
            f" .jp-OutputArea-output pre {{ font-size: {px(13)}; line-height: 1.35; }}</style>")


def use_style(presenter: bool | None = None) -> None:
    """Apply the series' plot style. presenter=True (or env LESSON_PRESENTER=1) enlarges text."""
    scale = PRESENTER_SCALE if presenting(presenter) else 1.0
    mpl.rcParams.update({
        "figure.figsize": (8, 4.5),
        "figure.dpi": 90,
        "font.size": 12 * scale,
        "axes.titlesize": 14 * scale,
        "axes.labelsize": 12 * scale,
        "xtick.labelsize": 11 * scale,
        "ytick.labelsize": 11 * scale,
        "legend.fontsize": 11 * scale,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.constrained_layout.use": True,
    })


def show_text(s: str) -> str:
    """A token as readable text: spaces as '␣', newlines as '↵', tabs as '⇥'."""
    return s.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")


def about(count: int) -> str:
    """A count that sits on a float threshold, rounded so that every machine prints the same.

    How many tokens it takes to cover 99% of the probability, or how many survive a top-p filter,
    depends on the last digits of thousands of tiny probabilities, and those round differently on
    another CPU: 605 on one machine is 604 on the next. Two significant figures hold.
    about(605) -> 'about 600', about(4803) -> 'about 4,800', about(26) -> '26'
    """
    if count < 100:
        return str(count)
    digits = len(str(count)) - 2
    return f"about {round(count, -digits):,}"


def figures(x: float, n: int = 3) -> str:
    """x to n significant figures, for a large float whose last digits differ between machines.

    figures(24821.4) -> '24,800', figures(210.37) -> '210', figures(1.2345) -> '1.23'
    """
    return f"{float(f'{x:.{n}g}'):,g}"


def plot_next_tokens(rows: list[dict], title: str = "Most likely next tokens", ax=None):
    """Horizontal bars of next-token probabilities; rows are {"text", "p"} dicts, most likely first."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    labels = [repr(show_text(r["text"])) for r in rows]
    probs = [r["p"] for r in rows]
    ax.barh(range(len(rows)), probs, color=PALETTE[0])
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()                       # most likely at the top
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability of being the next token (0 to 1)")
    ax.set_title(title)
    for i, p in enumerate(probs):
        ax.text(p + 0.01, i, f"{p:.3f}", va="center")
    return ax.figure


def next_tokens_table(rows: list[dict]) -> str:
    """The same numbers as plot_next_tokens, as text for readers who cannot see the chart."""
    lines = [f"{'token':>16}  {'id':>6}  probability"]
    lines += [f"{show_text(r['text'])!r:>16}  {r['id']:>6}  {r['p']:.3f}" for r in rows]
    return "\n".join(lines)


# Light tints of the palette for token backgrounds: dark text stays readable on all of them.
TOKEN_COLOURS = ["#D3E5F5", "#FBE3BD", "#C8EBDD", "#F7D3C2", "#F0D6E6"]
SPECIAL_COLOUR = "#444444"


def _visible(text: str, show_whitespace: bool) -> str:
    return show_text(text) if show_whitespace else text


def token_html(spans, show_whitespace: bool = False, show_ids: bool = True) -> str:
    """Tokens as coloured boxes (id underneath) in HTML; a line break wherever a token holds one."""
    import html
    boxes = []
    for k, span in enumerate(spans):
        colour, ink = (SPECIAL_COLOUR, "white") if span.special else (TOKEN_COLOURS[k % len(TOKEN_COLOURS)],
                                                                         "black")
        shown = html.escape(_visible(span.text, show_whitespace)) or "&nbsp;"
        id_line = (f'<br><span style="font-size:70%;color:{ink};opacity:0.75">{span.id}</span>'
                   if show_ids else "")
        boxes.append(f'<span title="token id {span.id}" style="display:inline-block;margin:1px;padding:0 2px;'
                     f'background:{colour};color:{ink};border-radius:3px;text-align:center;'
                     f'white-space:pre;font-family:monospace;line-height:1.2">{shown}{id_line}</span>')
        if "\n" in span.text:
            boxes.append("<br>")
    return '<div style="line-height:2.4">' + "".join(boxes) + "</div>"


@functools.cache
def _mono_font():
    from matplotlib import font_manager, ft2font
    return ft2font.FT2Font(font_manager.findfont("monospace"))


def _drawable(text: str) -> str:
    """Characters the monospace font cannot draw (emoji, most CJK) written as their code, e.g. "U+1F642"."""
    font = _mono_font()
    return "".join(ch if ch.isascii() or font.get_char_index(ord(ch)) else f"U+{ord(ch):04X}" for ch in text)


def plot_token_spans(spans, title: str = "", show_whitespace: bool = True, width: int = 72):
    """The same boxes as token_html, drawn with matplotlib (for static copies of the notebook).

    Monospace text, so a token of n characters is n units wide; rows wrap at `width` characters.
    """
    from matplotlib.patches import FancyBboxPatch
    rows, x, y = [], 0.0, 0
    for k, span in enumerate(spans):
        shown = _drawable(_visible(span.text, show_whitespace)) or " "
        w = max(len(shown), 0.5 * len(str(span.id)) + 0.4)       # the id underneath must fit too
        if x > 0 and x + w > width:
            x, y = 0.0, y + 1
        rows.append((x, y, w, shown, span, k))
        x += w + 0.4
        if "\n" in span.text:
            x, y = 0.0, y + 1
    n_rows = max(row[1] for row in rows) + 1 if rows else 1      # a final line break adds no row
    fig_width = 11.0
    char_points = fig_width * 72 / (width + 1)           # the width of one character, in points
    body, top = 0.75 * n_rows, (0.55 if title else 0.1)                   # inches
    fig = plt.figure(figsize=(fig_width, body + top), layout="none")
    ax = fig.add_axes((0, 0, 1, body / (body + top)))
    for x, y, w, shown, span, k in rows:
        colour, ink = (SPECIAL_COLOUR, "white") if span.special else (TOKEN_COLOURS[k % len(TOKEN_COLOURS)],
                                                                         "black")
        ax.add_patch(FancyBboxPatch((x + 0.05, -y - 0.9), w - 0.1, 0.85,
                                    boxstyle="round,pad=0.02", facecolor=colour, edgecolor="none"))
        ax.text(x + w / 2, -y - 0.35, shown, ha="center", va="center", color=ink,
                family="monospace", fontsize=char_points / 0.62)
        ax.text(x + w / 2, -y - 0.78, str(span.id), ha="center", va="center", color=ink,
                fontsize=min(char_points / 0.62 * 0.55, 9), alpha=0.8)
    ax.set_xlim(-0.5, width + 0.5)
    ax.set_ylim(-n_rows - 0.05, 0.05)
    ax.axis("off")
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=mpl.rcParams["axes.titlesize"])
    return fig


def plot_merge_curve(curve: list[int], step: int | None = None, title: str = "Each merge shortens the text"):
    """Tokens in a text after 0, 1, 2, ... merges, with an optional marker at `step`."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(range(len(curve)), curve, color=PALETTE[0])
    if step is not None:
        ax.plot([step], [curve[step]], "o", color=PALETTE[3], markersize=9)
        ax.annotate(f"{step} merges: {curve[step]} tokens", (step, curve[step]), xytext=(10, 10),
                    textcoords="offset points")
    ax.set_xlabel("merges learned so far")
    ax.set_ylabel("tokens in the text")
    ax.set_ylim(0, curve[0] * 1.05)
    ax.set_title(title)
    return fig


MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def plot_word_map(word_map, extra: list[str] | None = None, label_every: int = 3, title: str = ""):
    """A WordMap's groups as coloured markers; every `label_every`-th word of a group and
    every extra word (in black, larger) labelled."""
    fig, ax = plt.subplots(figsize=(9, 6.5))
    points = word_map.points.tolist()
    for k, group in enumerate(word_map.groups):
        mine = [i for i, label in enumerate(word_map.labels) if label == group]
        xs, ys = [points[i][0] for i in mine], [points[i][1] for i in mine]
        ax.scatter(xs, ys, s=28, color=PALETTE[k % len(PALETTE)], marker=MARKERS[k % len(MARKERS)],
                   label=group, alpha=0.85)
        for n, i in enumerate(mine):
            if label_every and n % label_every == 0:
                ax.annotate(word_map.words[i], points[i], fontsize=8, alpha=0.8, xytext=(3, 2),
                            textcoords="offset points")
    if extra:
        placed = word_map.place(extra).tolist()
        ax.scatter([p[0] for p in placed], [p[1] for p in placed], s=90, color="black", marker="*",
                   label="your words", zorder=3)
        for word, p in zip(extra, placed, strict=True):
            ax.annotate(word, p, fontsize=11, fontweight="bold", xytext=(5, 4), textcoords="offset points")
    share = sum(word_map.pca.explained)
    ax.set_xlabel(f"map axis 1 ({word_map.pca.explained[0]:.0%} of the spread)")
    ax.set_ylabel(f"map axis 2 ({word_map.pca.explained[1]:.0%} of the spread)")
    ax.set_title(title or f"{len(word_map.words)} words on a 2-D map showing {share:.0%} of their spread")
    ax.legend(loc="best", fontsize=9, ncols=2)
    return fig


def plot_layer_curves(curves: dict[str, list[float]], best: int | None = None, ylabel: str = "",
                      title: str = ""):
    """One line per named curve over the layers 0..L, with an optional marker at layer `best`."""
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    for k, (name, values) in enumerate(curves.items()):
        ax.plot(range(len(values)), values, marker=MARKERS[k % len(MARKERS)], markersize=4,
                color=PALETTE[k % len(PALETTE)], label=name)
    if best is not None:
        ax.axvline(best, color=GREY, linestyle="--")
        ax.annotate(f"layer {best}", (best, ax.get_ylim()[1]), xytext=(4, -14),
                    textcoords="offset points")
    ax.set_xlabel("layer (0 = the input embedding)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return fig


def plot_similarity_heatmap(matrix, labels: list[str], title: str = "", ax=None):
    """A square matrix of similarities with a label per row and column, and each value written in."""
    import numpy as np
    values = np.asarray(matrix, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 7))
    low = min(values.min(), 0.0)
    image = ax.imshow(values, cmap="viridis", vmin=low, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.grid(False)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if (values[i, j] - low) / (1 - low) < 0.55 else "black")   # dark cells
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="cosine similarity")
    ax.set_title(title)
    return ax.figure


def plot_attention(weights, tokens: list[str], title: str = "", ax=None, row: int | None = None):
    """A (T, T) attention pattern: row t = how much token t looks at each token (columns)."""
    import numpy as np
    values = np.asarray(weights, dtype=float)
    labels = [show_text(t) for t in tokens]
    if ax is None:
        size = min(3 + 0.35 * len(tokens), 10)
        _, ax = plt.subplots(figsize=(size + 1, size))
    ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.set_xlabel("looked at (key)")
    ax.set_ylabel("looking (query)")
    ax.grid(False)
    if row is not None:
        ax.add_patch(plt.Rectangle((-0.5, row - 0.5), len(labels), 1, fill=False, edgecolor=PALETTE[3], lw=2))
    ax.set_title(title)
    return ax.figure


def plot_attention_heads(weights, tokens: list[str], title: str = ""):
    """Small multiples: every head of one layer, (H, T, T), side by side on a shared scale."""
    n = len(weights)
    cols = 3 if n > 4 else n
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4 * rows), squeeze=False)
    for head, ax in enumerate(axes.flat):
        if head >= n:
            ax.axis("off")
            continue
        plot_attention(weights[head], tokens, title=f"head {head}", ax=ax)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
    fig.suptitle(title)
    return fig


def plot_head_scores(scores, title: str = "", label: str = "score"):
    """An (L, H) table of per-head scores as a heatmap: layers down, heads across."""
    import numpy as np
    values = np.asarray(scores, dtype=float)
    fig, ax = plt.subplots(figsize=(5.5, 8))
    image = ax.imshow(values, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(0, values.shape[0], 2))
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(title)
    return fig


def sampling_html(view: dict, labels: list[str]) -> str:
    """The sampling lab's bars in HTML (fast to redraw): grey = the model's own probability,
    blue = after temperature/top-k/top-p; tokens filtered out are greyed."""
    import html
    rows = []
    scale = max(max(view["original"]), max(view["reshaped"]), 1e-9)
    for label, p0, p1, kept in zip(labels, view["original"], view["reshaped"], view["kept"], strict=True):
        ink = "black" if kept else "#999999"
        rows.append(
            f'<tr style="color:{ink}"><td style="font-family:monospace;text-align:right;padding-right:6px">'
            f'{html.escape(repr(show_text(label)))}</td><td style="width:320px">'
            f'<div style="background:{GREY};height:7px;width:{300 * p0 / scale:.1f}px"></div>'
            f'<div style="background:{PALETTE[0] if kept else GREY};height:9px;'
            f'width:{300 * p1 / scale:.1f}px"></div></td><td style="font-family:monospace">'
            f'{p0:.3f} → {p1:.3f}{"" if kept else " (filtered)"}</td></tr>')
    return "<table>" + "".join(rows) + "</table>"


def plot_sampling_view(view: dict, labels: list[str], title: str = "", setting: str = "after reshaping",
                       ax=None):
    """The same as sampling_html, as a matplotlib figure (for static copies)."""
    import numpy as np
    n = len(labels)
    y = np.arange(n)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.42 * n + 1.3))
    ax.barh(y - 0.2, view["original"], height=0.4, color=GREY, label="the model's own (T = 1)")
    colours = [PALETTE[0] if k else "#DDDDDD" for k in view["kept"]]
    ax.barh(y + 0.2, view["reshaped"], height=0.4, color=colours, label=setting)
    ax.set_yticks(y, [repr(show_text(t)) + ("" if k else "  ✗") for t, k in zip(labels, view["kept"],
                                                                                strict=True)])
    ax.invert_yaxis()
    ax.set_xlabel("probability")
    ax.set_title(title or f"entropy {view['entropy_original']:.2f} → {view['entropy_reshaped']:.2f} bits")
    ax.legend(loc="lower right")
    return ax.figure


def pair_html(prompt: str, a: str, b: str, a_finished: bool = True, b_finished: bool = True,
              verdict: str = "") -> str:
    """Two answers to one question side by side, as HTML (every text escaped)."""
    from html import escape

    def card(name: str, text: str, finished: bool) -> str:
        tail = "" if finished else ' <i style="color:#D55E00">… (cut off at the length limit)</i>'
        return (f'<div style="flex:1;border:1px solid {GREY};border-radius:6px;padding:8px">'
                f"<b>{name}</b><br>{escape(text)}{tail}</div>")

    return (f"<p><b>Question:</b> {escape(prompt)}</p>"
            f'<div style="display:flex;gap:12px">{card("Answer A", a, a_finished)}'
            f'{card("Answer B", b, b_finished)}</div>'
            + (f"<p>{escape(verdict)}</p>" if verdict else ""))


def plot_runs(x, panels: dict[str, dict[str, list[float]]], xlabel: str = "step", title: str = "",
              log_panels: tuple[str, ...] = ()):
    """One panel per quantity (panel title -> {line label -> values}), lines share the x values."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4), squeeze=False)
    for ax, (name, lines) in zip(axes[0], panels.items(), strict=True):
        for i, (label, values) in enumerate(lines.items()):
            ax.plot(x, values, color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                    markevery=max(1, len(x) // 8), label=label)
        ax.set(title=name, xlabel=xlabel)
        if name in log_panels:
            ax.set_yscale("log")
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def chunk_html(text: str, chunks) -> str:
    """A text with each chunk's words underlined in its own colour; words in two chunks (overlap) on grey."""
    from html import escape
    owners = [[] for _ in text]
    for n, c in enumerate(chunks):
        for i in range(c.start, c.end):
            owners[i].append(n)
    parts, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and owners[j] == owners[i]:
            j += 1
        piece, who = escape(text[i:j]), owners[i]
        if len(who) == 1:
            colour = PALETTE[who[0] % 6]
            piece = f'<span style="border-bottom:3px solid {colour}">{piece}</span>'
        elif len(who) > 1:
            piece = f'<span style="background:#DDDDDD;border-bottom:3px double #555">{piece}</span>'
        parts.append(piece)
        i = j
    return f'<div style="line-height:2;font-family:sans-serif">{"".join(parts)}</div>'


def plot_retrieval_map(points, labels: list[str], top: list[int], query_point=None, title: str = ""):
    """Every chunk as a grey dot in 2-D, the top results numbered and coloured, the query as a star."""
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    groups = sorted(set(labels))
    for g, marker in zip(groups, MARKERS, strict=False):
        idx = [i for i, lab in enumerate(labels) if lab == g]
        ax.scatter(points[idx, 0], points[idx, 1], s=18, color=GREY, marker=marker, label=f"{g} chunks")
    for rank, i in enumerate(top, 1):
        ax.scatter(points[i, 0], points[i, 1], s=120, color=PALETTE[0], edgecolor="black", zorder=3)
        ax.annotate(str(rank), points[i], xytext=(5, 5), textcoords="offset points", fontsize=12,
                    weight="bold")
    if query_point is not None:
        ax.scatter(*query_point, s=300, marker="*", color=PALETTE[3], edgecolor="black", zorder=4,
                   label="the question")
    ax.set(xlabel="first principal direction", ylabel="second principal direction", title=title)
    ax.legend(loc="best", fontsize=9)
    return fig
