import pytest

from lesson_utils import assets as corpus


def test_the_shipped_corpus_is_288_texts_of_plain_english():
    text = corpus.load_corpus()
    assert len(text.encode("utf-8")) == 319_745          # as stated in assets/corpus/README.md
    assert len(text.split("\n\n")) >= 288
    assert sum(ch.isascii() for ch in text) / len(text) > 0.999


def test_unknown_or_missing_corpus_says_what_to_do(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="choose one of stories"):
        corpus.load_corpus("wikipedia")
    monkeypatch.setitem(corpus.CORPORA, "stories", tmp_path / "stories.txt")
    with pytest.raises(FileNotFoundError, match="git checkout -- assets"):
        corpus.load_corpus()
