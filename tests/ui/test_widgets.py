"""The widgets, driven as a user would: change a control, click a button."""

import pytest

from lesson_utils.llm.tokenizers import get_tokenizer
from lesson_utils.scratch.bpe import train_bpe
from lesson_utils.ui import ChatBox, MergeStepper, NextTokenExplorer, TokenHighlighter


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


def test_token_highlighter_follows_text_tokenizer_and_toggle(tokenizer):
    tokenizers = {"smollm2": tokenizer, "cl100k_base": get_tokenizer("cl100k_base")}
    box = TokenHighlighter(tokenizers, text="Hello world")
    assert [s.id for s in box.spans] == [19556, 905]
    assert "2 tokens" in box.summary.value and "5.50 characters per token" in box.summary.value
    box.text.value = "12345"                          # the user types
    assert len(box.spans) == 5
    box.tokenizer.value = "cl100k_base"               # picks another tokenizer
    assert [s.text for s in box.spans] == ["123", "45"]
    assert "␣" not in box.tokens.value
    box.text.value = "a b"
    box.whitespace.value = True                       # ticks "show spaces"
    assert "␣b" in box.tokens.value


def test_merge_stepper_slider_replays_the_merges():
    bpe = train_bpe("the cat sat on the mat " * 10, 300)
    stepper = MergeStepper(bpe, "the cat sat on the mat")
    assert len(stepper.ids) == 22 and "no merges yet" in stepper.summary.value
    stepper.step.value = 3                            # the user drags the slider
    assert len(stepper.ids) == stepper.curve[3] < 22
    assert "merge 3:" in stepper.summary.value
    stepper.step.value = stepper.step.max
    assert stepper.ids == bpe.encode("the cat sat on the mat")


def test_word_map_explorer_places_typed_words(model, tokenizer):
    from lesson_utils.inside.embeddings import WordMap, WordVectors
    from lesson_utils.ui import WordMapExplorer
    word_map = WordMap(WordVectors(model, tokenizer), {"numbers": ["one", "two", "three", "four"],
                                                        "colours": ["red", "blue", "green", "pink"]})
    explorer = WordMapExplorer(word_map, words="seven")
    assert explorer.placed == ["seven"] and " eight" in [t for t, _ in explorer.neighbours["seven"]]
    explorer.words.value = "cat, floccinaucinihilipilification, "      # the user types
    assert explorer.placed == ["cat", "floccinaucinihilipilification"]
    assert "tokens, averaged" in explorer.neighbour_list.value
    explorer.words.value = " , "
    assert explorer.placed == [] and "Type some words" in explorer.neighbour_list.value


def test_attention_viewer_follows_prompt_layer_head_and_token(model, tokenizer):
    from lesson_utils.ui import AttentionViewer
    viewer = AttentionViewer(model, tokenizer, prompt="The cat sat on the mat.", layer=16, head=0)
    assert viewer.token.value == len(viewer.record.tokens) - 1          # the last token is chosen
    assert len(viewer.row) == len(viewer.record.tokens)
    viewer.token.value = 2                                               # the user picks " sat"
    assert [t for t, _ in viewer.row] == ["The", " cat", " sat"]
    assert max(viewer.row, key=lambda r: r[1])[0] == " cat"              # layer 16 head 0 looks one back
    viewer.head.value = 3
    viewer.layer.value = 0
    assert sum(p for _, p in viewer.row) == pytest.approx(1.0, abs=1e-5)
    viewer.prompt.value = "Hello world"                                  # a new prompt: new tokens
    assert viewer.record.tokens == ["Hello", " world"] and viewer.token.value == 1
    viewer.prompt.value = ""
    assert viewer.record is None and "empty" in viewer.looks_at.value


def test_next_token_stepper_appends_and_undoes(lm):
    from lesson_utils.ui import NextTokenStepper
    stepper = NextTokenStepper(lm, prompt="The capital of France is", k=5)
    assert stepper.rows[0]["text"] == " Paris" and stepper.undo.disabled
    stepper.buttons.children[0].click()                              # the user clicks " Paris"
    assert stepper.prompt.value == "The capital of France is Paris"
    assert stepper.history == ["The capital of France is"] and not stepper.undo.disabled
    assert stepper.rows[0]["text"] != " Paris"                      # a new distribution
    stepper.buttons.children[1].click()
    assert len(stepper.history) == 2
    stepper.undo.click()
    stepper.undo.click()
    assert stepper.prompt.value == "The capital of France is" and stepper.undo.disabled
    assert stepper.rows[0]["text"] == " Paris" and stepper.seconds > 0
    stepper.prompt.value = ""
    assert stepper.rows == [] and stepper.buttons.children == () and "empty" in stepper.message.value


def test_sampling_lab_sliders_reshape_and_sample(lm):
    from lesson_utils.ui import SamplingLab
    lab = SamplingLab(lm, prompt="Once upon a time, there was a", temperature=1.0)
    assert lab.view["n_kept"] == 49152 and "bits" in lab.readout.value
    lab.top_k.value = 5                                   # the user drags the top-k slider
    assert lab.view["n_kept"] == 5 and "(filtered)" in lab.bars.value
    lab.temperature.value = 0.0
    assert lab.view["n_kept"] == 1 and lab.view["entropy_reshaped"] == pytest.approx(0.0, abs=1e-6)
    lab.sample_button.click()
    assert len(lab.drawn) == 20 and len(set(lab.drawn)) == 1           # T = 0: always the top token
    lab.temperature.value, lab.top_k.value, lab.top_p.value = 1.0, 0, 0.5
    assert 1 <= lab.view["n_kept"] < 100
    lab.prompt.value = ""
    assert lab.view == {} and "empty" in lab.readout.value
