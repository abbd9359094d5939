"""The widgets, driven as a user would: change a control, click a button."""

import pytest

from lesson_utils.chat_model import ChatModel
from lesson_utils.widgets import ChatBox, NextTokenExplorer


@pytest.fixture(scope="module")
def lm(model, tokenizer):
    return ChatModel(model, tokenizer)


def test_next_token_explorer_follows_the_prompt_box(lm):
    explorer = NextTokenExplorer(lm, prompt="The capital of France is", k=5)
    assert explorer.rows[0]["text"] == " Paris" and len(explorer.rows) == 5
    explorer.prompt.value = "The capital of Italy is"   # the user types a new prompt
    assert explorer.rows[0]["text"] == " Rome"
    explorer.k.value = 12                            # and moves the slider
    assert len(explorer.rows) == 12


def test_next_token_explorer_shows_errors_in_words(lm):
    explorer = NextTokenExplorer(lm)
    explorer.prompt.value = ""
    assert explorer.rows == [] and "empty" in explorer.message.value


def test_chat_box_answers_under_the_chosen_system_message(lm):
    systems = {"helpful": "You are a helpful assistant.",
               "pirate": "Your name is Captain Jack. You are a pirate."}
    box = ChatBox(lm, systems, question="Who are you?", max_new_tokens=12)
    box.system.value = "pirate"
    box.ask.click()                                  # a real click on the button
    pirate = box.reply
    box.system.value = "helpful"
    box.ask.click()
    assert pirate and box.reply and pirate != box.reply
    assert "SmolLM2:" in box.answer.value


def test_chat_box_reports_an_empty_question(lm):
    box = ChatBox(lm, {"helpful": "You are a helpful assistant."}, question="")
    box.ask.click()
    assert box.reply == "" and "empty" in box.answer.value
