import pytest
import torch

from lesson_utils.inside.embeddings import (
    PCAMap,
    WordMap,
    WordVectors,
    contextual_vectors,
    cosine_similarity,
    nearest_tokens,
    neighbour_agreement,
    sense_separation,
    sentence_embedding,
    unit,
)


@pytest.fixture(scope="module")
def words(model, tokenizer):
    return WordVectors(model, tokenizer)


def test_cosine_similarity_shapes_and_values():
    a, b = torch.tensor([3.0, 4.0]), torch.tensor([4.0, 3.0])
    assert float(cosine_similarity(a, b)) == pytest.approx(0.96)
    assert float(cosine_similarity(a, 2 * a)) == pytest.approx(1.0)
    assert float(cosine_similarity(a, -a)) == pytest.approx(-1.0)
    m = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert cosine_similarity(m, a).shape == (3,)
    assert cosine_similarity(m, m).shape == (3, 3)
    assert torch.allclose(cosine_similarity(m, m).diagonal(), torch.ones(3))


def test_nearest_tokens_ranks_by_angle_not_length():
    m = torch.tensor([[10.0, 0.0], [1.0, 0.1], [0.0, 5.0], [-1.0, 0.0]])
    found = nearest_tokens(m, torch.tensor([1.0, 0.0]), k=2)
    assert [row for row, _ in found] == [0, 1]
    assert nearest_tokens(m, torch.tensor([1.0, 0.0]), k=1, exclude=[0])[0][0] == 1
    with pytest.raises(ValueError, match="k must be"):
        nearest_tokens(m, torch.tensor([1.0, 0.0]), k=0)


def test_real_neighbours_and_analogies(words):
    assert [t for t, _ in words.neighbours("cat", 8)][:1] == [" Cat"]
    assert " dog" in [t for t, _ in words.neighbours("cat", 8)]
    assert " eight" in [t for t, _ in words.neighbours("seven", 3)]
    assert words.analogy("man", "king", "woman", k=1)[0][0] == " queen"
    target = words.vector("Paris") - words.vector("France") + words.vector("Italy")
    assert words.rank(target, "Rome", exclude=("France", "Paris", "Italy")) > 10      # a fact that fails


def test_word_vectors_of_several_tokens_are_averaged(words, tokenizer):
    ids = tokenizer.encode(" floccinaucinihilipilification")
    assert words.pieces("floccinaucinihilipilification") == len(ids) > 1
    assert torch.allclose(words.vector("floccinaucinihilipilification"), words.matrix[ids].mean(0))
    with pytest.raises(ValueError, match="empty"):
        words.vector("   ")
    with pytest.raises(TypeError, match="str"):
        words.vector(42)
    with pytest.raises(ValueError, match="one token"):
        words.rank(words.vector("cat"), "floccinaucinihilipilification")


def test_pca_map_finds_the_widest_direction_and_places_new_points():
    torch.manual_seed(0)
    x = torch.randn(200, 5) * torch.tensor([10.0, 3.0, 0.1, 0.1, 0.1])
    pca = PCAMap(x)
    assert abs(pca.axes[0, 0]) > 0.99 and abs(pca.axes[1, 1]) > 0.99
    assert pca.explained[0] > pca.explained[1] > 0.05
    assert torch.allclose(pca.place(x), (x - x.mean(0)) @ pca.axes.T)
    assert pca.axes[0, pca.axes[0].abs().argmax()] > 0                  # sign fixed
    with pytest.raises(ValueError, match="at least 3"):
        PCAMap(torch.randn(2, 4))


def test_neighbour_agreement():
    points = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    assert neighbour_agreement(points, ["a", "a", "b", "b"]) == 1.0
    assert neighbour_agreement(points, ["a", "b", "a", "b"]) == 0.0
    with pytest.raises(ValueError, match="one label per point"):
        neighbour_agreement(points, ["a"])


def test_word_map_skips_multi_token_words_and_map_loses_agreement(words):
    groups = {"numbers": ["one", "two", "three", "four", "five", "six"],
              "colours": ["red", "blue", "green", "yellow", "purple", "brown", "beige"],
              "animals": ["cat", "dog", "horse", "cow", "lion", "tiger"]}
    word_map = WordMap(words, groups)
    assert "beige" in word_map.skipped and len(word_map.words) == len(word_map.labels) == 18
    assert word_map.points.shape == (18, 2)
    assert word_map.place(["seven", "pink"]).shape == (2, 2)
    agreement = word_map.agreement()
    assert agreement["full"] == 1.0 and 0 < agreement["map"] <= 1.0
    with pytest.raises(ValueError, match="dict"):
        WordMap(words, [])


def test_bank_senses_separate_inside_the_model(model, tokenizer):
    river = ["We sat on the bank of the river.", "The boat was pulled onto the muddy bank.",
             "Ducks slept on the grassy bank of the stream."]
    money = ["She went to the bank to deposit money.", "The bank approved our loan.",
             "He opened an account at the bank."]
    r = torch.stack([contextual_vectors(model, tokenizer, s, " bank") for s in river])
    m = torch.stack([contextual_vectors(model, tokenizer, s, " bank") for s in money])
    assert r.shape == (3, model.config.n_layers + 1, model.config.dim)
    assert torch.equal(r[0, 0], m[0, 0])                         # layer 0: the same table row
    sep = sense_separation(r, m)
    assert abs(sep["separation"][0]) < 1e-5
    assert max(sep["separation"][5:15]) > 0.5                     # clearly apart in the early middle layers
    with pytest.raises(ValueError, match="one token"):
        contextual_vectors(model, tokenizer, "a riverbank", " riverbank")
    with pytest.raises(ValueError, match="does not occur"):
        contextual_vectors(model, tokenizer, "the river", " bank")
    with pytest.raises(ValueError, match="at least 2"):
        sense_separation(r[:1], m)


def test_sentence_embeddings_group_by_topic(model, tokenizer):
    texts = ["The striker scored a goal.", "The goalkeeper saved a penalty.",
             "Stir the soup and add salt.", "Fry the onions in butter."]
    x = sentence_embedding(model, tokenizer, texts)
    assert x.shape == (4, model.config.dim)
    sims = cosine_similarity(x - x.mean(0), x - x.mean(0))
    assert sims[0, 1] > sims[0, 2] and sims[2, 3] > sims[1, 3]
    assert sentence_embedding(model, tokenizer, texts[:1], layer=0).shape == (1, model.config.dim)
    with pytest.raises(TypeError, match="list of sentences"):
        sentence_embedding(model, tokenizer, "one sentence")
    with pytest.raises(ValueError, match="layer"):
        sentence_embedding(model, tokenizer, texts, layer=99)


def test_unit_vectors_have_length_one():
    assert torch.allclose(unit(torch.tensor([[3.0, 4.0], [0.0, 2.0]])).norm(dim=1), torch.ones(2))
