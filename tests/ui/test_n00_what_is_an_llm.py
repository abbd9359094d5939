"""lesson_utils.ui.n00_what_is_an_llm: the widgets of notebook 00,
driven as a user would: change a control, click a button."""

from lesson_utils.ui import ChatBox, NextTokenExplorer


def test_next_token_explorer_follows_the_prompt_box(lm):
    explorer = NextTokenExplorer(lm, prompt="The capital of France is", k=5)
    assert explorer.rows[0]["text"] == " Paris" and len(explorer.rows) == 5
    explorer.prompt.value = "The capital of Italy is"   # the user types a new prompt
    assert explorer.rows[0]["text"] == " Rome"
    explorer.k.value = 12                            # and moves the slider
    assert len(explorer.rows) == 12


def test_next_token_explorer_slider_reuses_the_forward_pass(lm, monkeypatch):
    france, spain = "The capital of France is", "The capital of Spain is"
    expected = {france: lm.top_next_tokens(france, 17), spain: lm.top_next_tokens(spain, 17)}
    explorer = NextTokenExplorer(lm, prompt=france, k=5)
    calls = []
    real = lm.next_token_probs
    monkeypatch.setattr(lm, "next_token_probs", lambda prompt: calls.append(prompt) or real(prompt))
    explorer.k.value = 17                            # the user moves the slider: no new forward pass
    assert calls == [] and explorer.rows == expected[france]
    explorer.prompt.value = spain                    # a new prompt: one forward pass
    assert calls == [spain] and explorer.rows == expected[spain]


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
