"""scratch/pretraining.py: cleaning the stories and cutting them into a training and a validation part."""

from lesson_utils.scratch.pretraining import (
    clean_documents,
    junk_reason,
    normalise,
    prepare_corpus,
    split_documents,
)


def test_cleaning_rules():
    assert normalise("The cat, the CAT!") == "the cat the cat"
    assert junk_reason("short") == "too short"
    assert junk_reason("1234 5678 9012 3456 7890 1234 5678 9012 3456 ####") == "mostly not letters"
    assert junk_reason("the map " * 10) == "the same few words repeated"
    assert junk_reason("Once upon a time there was a fox who wanted to see the sea.") is None
    docs = split_documents("A fox went to the sea and looked at the waves.\n\n"
                           "A fox went to the sea and looked at the waves.\n\n"
                           "a FOX went to the sea, and looked at the waves!\n\n  \n\nshort")
    report = clean_documents(docs)
    assert report.counts == {"junk": 1, "exact duplicate": 1, "near duplicate": 1}
    assert len(report.kept) == 1 and report.examples["junk"] == "short"


def test_prepare_corpus_on_the_shipped_stories():
    from lesson_utils.assets import load_corpus
    data = prepare_corpus(load_corpus(), vocab_size=300)
    assert data.report.counts["junk"] > 0 and data.report.counts["exact duplicate"] > 0
    assert data.tokenizer.n_vocab == 300
    assert data.tokenizer.decode(data.val_ids) == data.val_text
    assert 8 < len(data.train_ids) / len(data.val_ids) < 11                  # every tenth document held out
    assert not set(data.val_text.split("\n\n")) & set(data.train_text.split("\n\n"))
