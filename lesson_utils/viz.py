"""Plots in one shared style: colour-blind-safe colours, large readable text.

Display code only; nothing in the computing modules imports this one.
"""

from __future__ import annotations

import os

import matplotlib as mpl
import matplotlib.pyplot as plt

# Okabe & Ito's palette, distinguishable with the common kinds of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#BBBBBB"


def use_style(presenter: bool | None = None) -> None:
    """Apply the series' plot style. presenter=True (or env LESSON_PRESENTER=1) enlarges text."""
    if presenter is None:
        presenter = os.environ.get("LESSON_PRESENTER", "") not in ("", "0")
    scale = 1.4 if presenter else 1.0
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
