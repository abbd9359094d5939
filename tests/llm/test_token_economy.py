import pytest

from lesson_utils.llm.token_economy import (
    TextStats,
    compare_tokenizers,
    count_words,
    price_usd,
    text_stats,
    token_spans,
)


def test_spans_join_back_to_the_text(tokenizer):
    text = "Hello world! Tokenizers cut text into pieces.\n  Indented line."
    spans = token_spans(tokenizer, text)
    assert "".join(s.text for s in spans) == text
    assert [s.id for s in spans] == tokenizer.encode(text)
    assert spans[0].id == 19556 and spans[0].text == "Hello"


def test_spans_mark_special_tokens_and_partial_characters(tokenizer):
    spans = token_spans(tokenizer, "<|im_start|>user\nHi🙂")
    assert spans[0].special and spans[0].text == "<|im_start|>"
    assert not any(s.special for s in spans[1:])
    # The emoji is one token for smollm2 but two byte tokens for cl100k_base
    from lesson_utils.llm.tokenizers import get_tokenizer
    cl = token_spans(get_tokenizer("cl100k_base"), "🙂")
    assert len(cl) == 2 and all(s.text.startswith("<0x") for s in cl)


def test_text_stats(tokenizer):
    stats = text_stats(tokenizer, "Hello world")
    assert stats == TextStats(characters=11, words=2, tokens=2)
    assert stats.chars_per_token == 5.5
    empty = text_stats(tokenizer, "")
    assert empty.chars_per_token == 0.0


def test_count_words_splits_on_whitespace_only():
    assert count_words("the cat\n sat\t!") == 4
    assert count_words("今天天气很好") == 1


def test_price():
    assert price_usd(250_000, 2.0) == pytest.approx(0.5)
    assert price_usd(0, 5) == 0
    for bad in (-1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="n_tokens"):
            price_usd(bad, 1.0)
    with pytest.raises(ValueError, match="usd_per_million"):
        price_usd(10, -1)


def test_compare_tokenizers_rows(tokenizer):
    from lesson_utils.llm.tokenizers import get_tokenizer
    rows = compare_tokenizers({"digits": "1234567890", "English": "Hello world"},
                              {"smollm2": tokenizer, "cl100k_base": get_tokenizer("cl100k_base")})
    assert rows[0]["smollm2 tokens"] == 10          # one token per digit
    assert rows[0]["cl100k_base tokens"] == 4       # 123 456 789 0
    assert rows[1]["smollm2 chars/token"] == 5.5
    assert set(rows[1]) == {"text", "characters", "words", "smollm2 tokens", "smollm2 chars/token",
                            "cl100k_base tokens", "cl100k_base chars/token"}
    with pytest.raises(ValueError, match="at least one"):
        compare_tokenizers({}, {"smollm2": tokenizer})


def test_wrong_types_are_named(tokenizer):
    with pytest.raises(TypeError, match="Tokenizer"):
        token_spans("smollm2", "hi")
    with pytest.raises(TypeError, match="str"):
        text_stats(tokenizer, 42)
