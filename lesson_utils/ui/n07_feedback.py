"""Widgets of notebook 07: label answer pairs yourself, and try answers on the reward model.

Like every widget in ui/, each keeps what it last showed (`choices`, `reward`) so a
test can click as a user would and check the result.
"""

from __future__ import annotations

import ipywidgets as w

from ..post_training.preferences import Pair, agreement
from . import viz
from .base import Widget, error_html, escape


class PreferenceLabeller(Widget):
    """Show two answers to a question; the student clicks the better one (or skips).

    After each click it tells whether the project's label agrees, and moves on.
    `choices` maps pair id -> "a" or "b" and feeds `preferences.with_student_labels`.
    """

    def __init__(self, pairs: list[Pair]):
        if not pairs:
            raise ValueError("give at least one pair to label")
        self.pairs = list(pairs)
        self.index = 0
        self.choices: dict[int, str] = {}
        self.last_verdict = ""
        self.view = w.HTML()
        self.status = w.HTML()
        self.a_button = w.Button(description="A is better", button_style="info")
        self.b_button = w.Button(description="B is better", button_style="info")
        self.skip_button = w.Button(description="Skip")
        self.a_button.on_click(lambda _: self.choose("a"))
        self.b_button.on_click(lambda _: self.choose("b"))
        self.skip_button.on_click(lambda _: self.choose(None))
        buttons = w.HBox([self.a_button, self.b_button, self.skip_button])
        self.box = w.VBox([self.view, buttons, self.status])
        self.show()

    @property
    def done(self) -> bool:
        return self.index >= len(self.pairs)

    def choose(self, label: str | None) -> None:
        """Record the student's choice for the pair on screen ("a", "b" or None to skip)."""
        if self.done:
            return
        pair = self.pairs[self.index]
        if label is None:
            self.last_verdict = "Skipped: the project's label stays for this pair."
        else:
            self.choices[pair.id] = label
            agree = "agrees" if label == pair.label else "differs"
            self.last_verdict = (f"You chose {label.upper()}; the project's label ({pair.label.upper()}: "
                                 f"{pair.reason}) {agree}.")
        self.index += 1
        self.show()

    def show(self) -> None:
        same, _ = agreement(self.pairs, self.choices)
        self.status.value = (f"{escape(self.last_verdict)}<br>Labelled {len(self.choices)} of "
                             f"{len(self.pairs)}; you agree with the project on {same}.")
        if self.done:
            self.view.value = "<p><b>All pairs seen.</b> Run the next cells to train on your labels.</p>"
            for button in (self.a_button, self.b_button, self.skip_button):
                button.disabled = True
            return
        pair = self.pairs[self.index]
        self.view.value = (f"<p>Pair {self.index + 1} of {len(self.pairs)}</p>"
                           + viz.pair_html(pair.prompt, pair.a, pair.b, pair.a_finished, pair.b_finished))


class RewardExplorer(Widget):
    """Type a question and an answer; see the reward model's score for it."""

    def __init__(self, score, prompt: str = "Why is the sky blue?",
                 answer: str = "Sunlight scatters off the air, and blue light scatters the most."):
        """score: a function (prompt, answer) -> float, e.g. built on reward_model.score_answers."""
        self.score = score
        self.prompt = w.Text(value=prompt, description="Question:", layout=w.Layout(width="95%"),
                             continuous_update=False)
        self.answer = w.Textarea(value=answer, description="Answer:", layout=w.Layout(width="95%"),
                                 continuous_update=False)
        self.result = w.HTML()
        self.reward: float | None = None
        self.prompt.observe(self.update, names="value")
        self.answer.observe(self.update, names="value")
        self.box = w.VBox([self.prompt, self.answer, self.result])
        self.update()

    def update(self, change=None) -> None:
        try:
            self.reward = float(self.score(self.prompt.value, self.answer.value))
            self.result.value = f"<b>Reward: {self.reward:+.2f}</b> (higher = closer to the taste it learned)"
        except (ValueError, TypeError) as e:
            self.reward = None
            self.result.value = error_html(e)
