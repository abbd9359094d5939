import math

import pytest
import torch

from lesson_utils.scratch.pretraining import prepare_corpus
from lesson_utils.scratch.tiny_gpt import TinyConfig, TinyGPT, batches, evaluate, last_logits, sample_batch


def test_config_rejects_bad_sizes():
    with pytest.raises(ValueError, match="divisible"):
        TinyConfig(vocab_size=10, dim=30, n_heads=4)
    with pytest.raises(ValueError, match="vocab_size"):
        TinyConfig(vocab_size=0)


def test_untrained_loss_is_near_uniform_and_shapes_are_right():
    torch.manual_seed(0)
    model = TinyGPT(TinyConfig(vocab_size=50, context=16, dim=32, n_layers=2, n_heads=4))
    x = torch.randint(0, 50, (3, 16))
    logits, loss = model(x, torch.roll(x, -1, 1))
    assert logits.shape == (3, 16, 50)
    assert abs(loss.item() - math.log(50)) < 0.1      # every token equally likely: log V
    assert model(x)[1] is None
    with pytest.raises(ValueError, match="context"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_the_model_is_causal():
    torch.manual_seed(0)
    model = TinyGPT(TinyConfig(vocab_size=20, context=8, dim=16, n_layers=1, n_heads=2))
    x = torch.randint(0, 20, (1, 8))
    changed = x.clone()
    changed[0, 5] = (x[0, 5] + 1) % 20
    a, b = model(x)[0], model(changed)[0]
    assert torch.allclose(a[0, :5], b[0, :5]) and not torch.allclose(a[0, 5:], b[0, 5:])


def test_training_learns_a_repeating_pattern_and_autograd_matches_finite_differences():
    torch.manual_seed(0)
    model = TinyGPT(TinyConfig(vocab_size=10, context=8, dim=16, n_layers=1, n_heads=2))
    data = torch.tensor([1, 2, 3, 4] * 50)
    stream = batches(data, 8, 8, torch.Generator().manual_seed(0))
    x, y = next(stream)
    model(x, y)[1].backward()
    w = model.token_embed.weight
    slope = float(w.grad[2, 3])
    with torch.no_grad():
        w[2, 3] += 1e-3
        up = model(x, y)[1].item()
        w[2, 3] -= 2e-3
        down = model(x, y)[1].item()
        w[2, 3] += 1e-3
    assert (up - down) / 2e-3 == pytest.approx(slope, rel=0.05, abs=1e-4)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(150):
        x, y = next(stream)
        loss = model(x, y)[1]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert evaluate(model, data, 8) < 0.2
    assert model.generate([1, 2], 6, temperature=0) == [3, 4, 1, 2, 3, 4]


def test_batches_and_evaluate_errors():
    with pytest.raises(ValueError, match="context"):
        next(batches(torch.arange(5), 2, 8, torch.Generator()))


def test_load_checkpoint_gives_the_shipped_model_ready_for_inference():
    from lesson_utils.scratch.tiny_gpt import load_checkpoint
    model = load_checkpoint()
    assert model.n_params() == 867_072 and not model.training
    assert model.config.context == 64 and model.token_embed.weight.device.type == "cpu"


def test_the_story_model_loads_with_the_tokenizer_it_was_trained_with():
    """tokenizer.json must be the BPE that prepare_corpus builds from the shipped stories, as the
    checkpoint was trained: if the corpus or the vocabulary size changed, the ids would mean other
    tokens and nothing else would say so."""
    from lesson_utils.assets import load_corpus
    from lesson_utils.scratch.tiny_gpt import load_story_model
    model, tokenizer = load_story_model()
    assert model.n_params() == 867_072 and not model.training
    built = prepare_corpus(load_corpus(), vocab_size=512, val_every=10).tokenizer
    assert tokenizer.merges == built.merges and tokenizer.pattern == built.pattern
    assert tokenizer.n_vocab == model.config.vocab_size


def test_a_saved_tokenizer_reads_back_the_same(tmp_path):
    from lesson_utils.scratch.bpe import train_bpe
    from lesson_utils.scratch.tiny_gpt import load_tokenizer, save_tokenizer
    bpe = train_bpe("the cat sat on the mat, then the cat sat again. " * 20, 280)
    save_tokenizer(bpe, tmp_path / "tokenizer.json")
    again = load_tokenizer(tmp_path / "tokenizer.json")
    assert again.merges == bpe.merges and list(again.merges) == list(bpe.merges)      # order kept
    assert again.encode("the cat sat") == bpe.encode("the cat sat")


def test_a_story_model_whose_tokenizer_does_not_fit_it_is_refused(tmp_path, monkeypatch):
    from lesson_utils.scratch import tiny_gpt
    from lesson_utils.scratch.bpe import train_bpe
    folder = tmp_path / "tiny_gpt"
    folder.mkdir()
    torch.save({"config": TinyConfig(vocab_size=300, context=8, dim=16, n_layers=1, n_heads=2).__dict__,
                "state_dict": TinyGPT(TinyConfig(vocab_size=300, context=8, dim=16, n_layers=1,
                                                 n_heads=2)).state_dict()}, folder / "checkpoint.pt")
    tiny_gpt.save_tokenizer(train_bpe("a b c d e f g " * 30, 270), folder / "tokenizer.json")
    monkeypatch.setattr("lesson_utils.assets.ASSETS", tmp_path)
    with pytest.raises(ValueError, match="has 2[0-9][0-9] tokens but the model reads 300"):
        tiny_gpt.load_story_model()


def sample_by_whole_windows(model, prompt_ids, n, length, generator):
    """sample_batch as it would be without keys and values kept: every step reads the whole window."""
    ids = torch.tensor([prompt_ids] * n)
    with torch.no_grad():
        for _ in range(length):
            logits = model(ids[:, -model.config.context:])[0][:, -1]
            ids = torch.cat([ids, torch.multinomial(logits.softmax(-1), 1, generator=generator)], dim=1)
    return ids


def test_kept_keys_and_values_give_the_whole_window_logits():
    torch.manual_seed(0)
    model = TinyGPT(TinyConfig(vocab_size=40, context=12, dim=16, n_layers=2, n_heads=2)).eval()
    ids = torch.randint(0, 40, (3, 10))
    cache = [None] * len(model.blocks)
    with torch.no_grad():
        got = [last_logits(model, ids[:, :4], cache, start=0)]                 # a 4-token prompt
        got += [last_logits(model, ids[:, t - 1:t], cache, start=t - 1) for t in range(5, 11)]
        want = [model(ids[:, :t])[0][:, -1] for t in range(4, 11)]
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-5)
    assert cache[0][0].shape == (3, 2, 10, 8)                                  # (B, heads, positions, dim)
    with pytest.raises(ValueError, match="start=0"):
        last_logits(model, ids[:, :2], cache, start=10)


def test_sampling_draws_what_whole_windows_would_even_past_the_context():
    torch.manual_seed(1)
    model = TinyGPT(TinyConfig(vocab_size=40, context=12, dim=16, n_layers=2, n_heads=2)).eval()
    for prompt, length in (([3, 1, 4], 6), ([3, 1, 4], 20), (list(range(14)), 3)):   # inside, past, long
        got = sample_batch(model, prompt, 5, length, torch.Generator().manual_seed(7))
        want = sample_by_whole_windows(model, prompt, 5, length, torch.Generator().manual_seed(7))
        assert got.shape == (5, len(prompt) + length) and torch.equal(got, want)
    with pytest.raises(ValueError, match="no tokens"):
        sample_batch(model, [], 2, 3, torch.Generator())
