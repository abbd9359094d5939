"""Notebook 07's widgets, clicked as a student would."""

import pytest

from lesson_utils.post_training.preferences import load_pairs
from lesson_utils.ui import viz
from lesson_utils.ui.n07_feedback import PreferenceLabeller, RewardExplorer


def test_labeller_records_clicks_and_reveals_the_projects_label():
    pairs = load_pairs()[:3]
    labeller = PreferenceLabeller(pairs)
    assert "Pair 1 of 3" in labeller.view.value
    other = "b" if pairs[0].label == "a" else "a"
    getattr(labeller, f"{other}_button").click()
    assert labeller.choices == {pairs[0].id: other} and "differs" in labeller.status.value
    labeller.skip_button.click()
    assert pairs[1].id not in labeller.choices and "Skipped" in labeller.status.value
    getattr(labeller, f"{pairs[2].label}_button").click()
    assert "agrees" in labeller.status.value and "agree with the project on 1" in labeller.status.value
    assert labeller.done and labeller.a_button.disabled and "All pairs seen" in labeller.view.value
    labeller.choose("a")                       # clicks after the end change nothing
    assert len(labeller.choices) == 2


def test_labeller_needs_pairs():
    with pytest.raises(ValueError, match="at least one pair"):
        PreferenceLabeller([])


def test_pair_html_escapes_and_marks_cut_answers():
    html = viz.pair_html("<b>q</b>", "a & b", "c", a_finished=True, b_finished=False, verdict="A <wins>")
    assert "&lt;b&gt;q&lt;/b&gt;" in html and "a &amp; b" in html and "A &lt;wins&gt;" in html
    assert html.count("cut off") == 1


def test_reward_explorer_rescores_as_the_student_types():
    def score(question, answer):
        if not answer:
            raise ValueError("the answer is empty: give the text of the assistant's reply")
        return len(answer) - len(question)

    explorer = RewardExplorer(score, prompt="Hi?", answer="Hello.")
    assert explorer.reward == 3 and "+3.00" in explorer.result.value
    explorer.answer.value = "Hello there, friend."
    assert explorer.reward == 17
    explorer.answer.value = ""
    assert explorer.reward is None and "empty" in explorer.result.value
