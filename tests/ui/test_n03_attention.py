"""lesson_utils.ui.n03_attention: the widgets of notebook 03,
driven as a user would: change a control, click a button."""

import pytest

from lesson_utils.ui import AttentionViewer


def test_attention_viewer_follows_prompt_layer_head_and_token(model, tokenizer):
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
