"""lesson_utils.ui.n01_tokenization: the widgets of notebook 01,
driven as a user would: change a control, click a button."""

from lesson_utils.llm.tokenizers import get_tokenizer
from lesson_utils.scratch.bpe import train_bpe
from lesson_utils.ui import MergeStepper, TokenHighlighter


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
