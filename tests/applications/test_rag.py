import numpy as np
import pytest

from lesson_utils.applications.rag import (
    BM25,
    Chunk,
    build_prompt,
    chunk_documents,
    chunk_text,
    is_correct,
    load_knowledge_base,
    load_questions,
    retrieval_metrics,
    top_k,
    words,
)


def test_the_knowledge_base_and_its_questions_fit_together():
    docs = load_knowledge_base()
    questions = load_questions()
    assert len(docs) >= 30 and len(questions) >= 30
    by_id = {d.id: d for d in docs}
    for q in questions:
        assert q.doc in by_id, q
        # every accepted answer is written in the document that holds it (so retrieval can find it)
        assert any(a.lower() in by_id[q.doc].text.lower() for a in q.answers), q


def test_chunk_text_worked_example_and_offsets():
    chunks = chunk_text("a b c d e", size=2, overlap=1)
    assert [c.text for c in chunks] == ["a b", "b c", "c d", "d e"]
    text = "One two  three\nfour five six seven"
    for c in chunk_text(text, size=3, overlap=0, doc="x"):
        assert text[c.start:c.end] == c.text and c.doc == "x"
    assert [c.text for c in chunk_text(text, size=3)] == ["One two  three", "four five six", "seven"]
    assert len(chunk_text(text, size=100)) == 1


def test_chunk_text_refuses_bad_sizes():
    with pytest.raises(ValueError, match="overlap"):
        chunk_text("a b c", size=2, overlap=2)
    with pytest.raises(ValueError, match="size"):
        chunk_text("a b c", size=0)
    with pytest.raises(TypeError, match="whole number"):
        chunk_text("a b c", size=2.5)


def test_chunks_carry_their_document_title():
    docs = load_knowledge_base()[:2]
    chunks = chunk_documents(docs, size=20, overlap=5)
    assert {c.doc for c in chunks} == {d.id for d in docs}
    assert all(c.text.startswith(next(d.title for d in docs if d.id == c.doc) + ": ") for c in chunks)


def test_words_keeps_codes_and_decimals():
    assert words("The E-12 code, 4.5 hours!") == ["the", "e-12", "code", "4.5", "hours"]


def test_bm25_prefers_rare_shared_words_and_ignores_unknown_ones():
    texts = ["the cat sat on the mat", "the dog sat on the log", "the the the the"]
    bm25 = BM25(texts)
    assert top_k(bm25.scores("cat"), 1) == [0]
    assert bm25.scores("dog")[1] > 0 and bm25.scores("dog")[0] == 0
    assert bm25.scores("the")[2] < bm25.scores("cat")[0]         # a word in every text counts little
    assert np.all(bm25.scores("zebra") == 0)
    with pytest.raises(ValueError, match="empty"):
        bm25.scores("  ")


def test_bm25_finds_most_answers_in_the_knowledge_base():
    docs, questions = load_knowledge_base(), load_questions()
    chunks = chunk_documents(docs, size=50, overlap=10)
    bm25 = BM25([c.text for c in chunks])
    ranked = [[chunks[i].doc for i in top_k(bm25.scores(q.question), 3)] for q in questions]
    assert retrieval_metrics(ranked, [q.doc for q in questions], k=3)["hit_rate"] > 0.85


def test_retrieval_metrics_worked_example():
    ranked = [["a", "b"], ["b", "a"], ["c", "c"]]
    m = retrieval_metrics(ranked, ["a", "a", "a"], k=1)
    assert m["hit_rate"] == pytest.approx(1 / 3) and m["mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert retrieval_metrics(ranked, ["a", "a", "a"], k=2)["hit_rate"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        retrieval_metrics(ranked, ["a"], k=1)


def test_top_k_is_stable_and_checked():
    assert top_k(np.array([1.0, 3.0, 3.0, 2.0]), 3) == [1, 2, 3]
    with pytest.raises(ValueError, match="k must be"):
        top_k(np.array([1.0]), 0)


def test_build_prompt_numbers_the_sources():
    chunks = [Chunk("d", 0, 0, 5, "Alpha: one"), Chunk("e", 0, 0, 5, "Beta: two")]
    messages = build_prompt("Which?", chunks)
    assert "[1] Alpha: one\n[2] Beta: two" in messages[-1]["content"] and messages[0]["role"] == "system"
    assert len(build_prompt("Which?", [])) == 1
    with pytest.raises(ValueError, match="empty"):
        build_prompt("", chunks)


def test_is_correct_ignores_case_and_spacing_but_wants_whole_words():
    assert is_correct("It opens at  12 January.", ("12 January",))
    assert is_correct("the heron jam", ("Heron Jam",))
    assert not is_correct("It opens in March.", ("12 January", "January 12"))
    assert not is_correct("Store it at 25 degrees.", ("5 degrees",))
    assert not is_correct("It opens at 16:00.", ("6:00",)) and is_correct("At 6:00, daily.", ("6:00",))
    assert not is_correct("It costs 1.5 pounds", ("5 pounds",))
    assert is_correct("A mark of 40.", ("40",)) and not is_correct("About 1,400 students", ("40",))
