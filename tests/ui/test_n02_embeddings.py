"""lesson_utils.ui.n02_embeddings: the widgets of notebook 02,
driven as a user would: change a control, click a button."""

from lesson_utils.inside.embeddings import WordMap, WordVectors
from lesson_utils.ui import WordMapExplorer


def test_word_map_explorer_places_typed_words(model, tokenizer):
    word_map = WordMap(WordVectors(model, tokenizer), {"numbers": ["one", "two", "three", "four"],
                                                        "colours": ["red", "blue", "green", "pink"]})
    explorer = WordMapExplorer(word_map, words="seven")
    assert explorer.placed == ["seven"] and " eight" in [t for t, _ in explorer.neighbours["seven"]]
    explorer.words.value = "cat, floccinaucinihilipilification, "      # the user types
    assert explorer.placed == ["cat", "floccinaucinihilipilification"]
    assert "tokens, averaged" in explorer.neighbour_list.value
    explorer.words.value = " , "
    assert explorer.placed == [] and "Type some words" in explorer.neighbour_list.value
