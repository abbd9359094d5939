import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lesson_utils.assets import load_corpus
from lesson_utils.llm.tokenizers import SMOLLM2_SPLIT_PATTERN
from lesson_utils.scratch.bpe import (
    BPE,
    merge,
    pair_counts,
    tokens_after_each_merge,
    train_bpe,
    train_bpe_naive,
)

SAMPLE = ("the cat sat on the mat. the cat ate the rat!\n" * 20
          + "Numbers 2026 and 31415, café, naïve, 東京, emoji 🙂🙂, tabs\tand  double  spaces.\n" * 5)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def trained(corpus):
    return train_bpe(corpus, 1024)


def test_pair_counts_and_merge_docstring_examples():
    assert pair_counts([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert pair_counts([1, 2], {(1, 2): 5}, weight=3) == {(1, 2): 8}
    assert pair_counts([7]) == {}
    assert merge([1, 2, 3, 1, 2], (1, 2), 256) == [256, 3, 256]
    assert merge([7, 7, 7], (7, 7), 300) == [300, 7]           # left to right, no overlap
    assert merge([], (1, 2), 256) == []


def test_fast_trainer_learns_exactly_the_naive_merges(corpus):
    text = corpus[:20_000]             # the naive trainer is slow: a third of the text suffices
    fast, naive = train_bpe(text, 700), train_bpe_naive(text, 700)
    assert len(fast.merges) == 444
    assert list(fast.merges.items()) == list(naive.merges.items())


def test_fast_equals_naive_on_repetitive_and_multilingual_text():
    # Overlapping pairs ("    ", "🙂🙂") and many ties in the counts.
    assert list(train_bpe(SAMPLE, 400).merges.items()) == list(train_bpe_naive(SAMPLE, 400).merges.items())


def test_first_merges_on_the_corpus_are_frequent_english_chunks(trained):
    first = [trained.vocab[i] for i in range(256, 266)]
    assert b" t" in first and b"he" in first
    assert trained.n_vocab == 1024 and len(trained.merges) == 768


def test_training_stops_when_no_pair_repeats():
    bpe = train_bpe("abab", 300)
    assert len(bpe.merges) == 1 and bpe.vocab[256] == b"ab"
    assert bpe.encode("abab") == [256, 256]


def test_round_trip_on_the_corpus_and_compression(trained, corpus):
    part = corpus[:20_000]
    ids = trained.encode(part)
    assert trained.decode(ids) == part
    assert len(part.encode()) / len(ids) > 3.0           # a 1024-token BPE compresses its own domain


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_round_trip_on_any_text(text):
    bpe = _small_bpe()
    assert bpe.decode(bpe.encode(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_same_ids_as_tiktoken_with_our_merges(text):
    bpe = _small_bpe()
    assert bpe.to_tokenizer().encode(text) == bpe.encode(text)


def test_same_ids_as_tiktoken_on_the_corpus(trained, corpus):
    tok = trained.to_tokenizer()
    for start in range(0, 200_000, 20_000):
        chunk = corpus[start:start + 3000]
        assert tok.encode(chunk) == trained.encode(chunk)


_SMALL = {}


def _small_bpe() -> BPE:
    if "bpe" not in _SMALL:
        _SMALL["bpe"] = train_bpe(SAMPLE, 400)
    return _SMALL["bpe"]


def test_encode_with_fewer_merges_and_the_merge_curve():
    bpe = _small_bpe()
    text = "the cat sat on the mat"
    assert bpe.encode(text, n_merges=0) == list(text.encode())
    curve = tokens_after_each_merge(bpe, text)
    assert len(curve) == len(bpe.merges) + 1
    assert curve[0] == len(text.encode()) and curve[-1] == len(bpe.encode(text))
    assert all(later <= earlier for earlier, later in zip(curve, curve[1:], strict=False))
    for n in (1, 5, 17, 60):
        assert curve[n] == len(bpe.encode(text, n_merges=n))


def test_chunks_keep_the_leading_space_and_split_digits():
    bpe = _small_bpe()
    assert bpe.chunks("Hi there 2026!") == ["Hi", " there", " ", "2", "0", "2", "6", "!"]
    assert bpe.pattern == SMOLLM2_SPLIT_PATTERN


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="empty"):
        train_bpe("", 300)
    with pytest.raises(ValueError, match=">= 256"):
        train_bpe("abc", 100)
    with pytest.raises(TypeError, match="str"):
        train_bpe(b"abc", 300)
    with pytest.raises(ValueError, match=">= 256"):
        train_bpe_naive("abc", 10)
    bpe = _small_bpe()
    with pytest.raises(ValueError, match="n_merges"):
        bpe.encode("x", n_merges=10_000)
    with pytest.raises(TypeError, match="str"):
        bpe.encode(["the"])
    with pytest.raises(ValueError, match="not in this vocabulary"):
        bpe.decode([5000])
    with pytest.raises(ValueError, match="count up from 256"):
        BPE({(1, 2): 300})
