import pytest
import torch

from lesson_utils.post_training.reward_hacking import (
    happy_word_reward,
    leashed_score,
    optimise_against_reward,
)
from lesson_utils.scratch.tiny_gpt import TinyConfig, TinyGPT, continuation_logprobs, sample_batch


class LetterTokenizer:
    """Token i is the letter chr(97 + i): enough to decode what a random tiny model writes."""

    def encode(self, text):
        return [ord(c) - 97 for c in text]

    def decode(self, ids):
        return "".join(chr(97 + i) for i in ids)


def test_happy_word_reward_counts_whole_words():
    assert happy_word_reward("She smiled, happy and GLAD.") == 3
    assert happy_word_reward("unhappy gladiators") == 0
    with pytest.raises(TypeError):
        happy_word_reward(["happy"])


def test_leashed_score_subtracts_beta_times_the_drift():
    score = leashed_score(torch.tensor([3.0, 3.0]), torch.tensor([[-1.0, -1.0], [-1.0, -1.0]]),
                          torch.tensor([[-1.0, -1.0], [-4.0, -4.0]]), beta=0.5)
    assert score.tolist() == [3.0, 0.0]


def test_sampling_and_log_probabilities_have_the_right_shapes():
    torch.manual_seed(0)
    tiny = TinyGPT(TinyConfig(vocab_size=4, context=12, dim=8, n_layers=1, n_heads=2))
    ids = sample_batch(tiny, [0, 1], n=5, length=6, generator=torch.Generator().manual_seed(0))
    assert ids.shape == (5, 8) and (ids[:, :2] == torch.tensor([0, 1])).all()
    logp = continuation_logprobs(tiny, ids, 2)
    assert logp.shape == (5, 6) and (logp <= 0).all()
    longer = sample_batch(tiny, [0, 1], n=2, length=12, generator=torch.Generator())   # past the context
    assert longer.shape == (2, 14)
    with pytest.raises(ValueError, match="context"):
        optimise_against_reward(tiny, LetterTokenizer(), happy_word_reward, beta=0.0, steps=1, length=11,
                                prompt="ab")


def test_without_a_leash_the_policy_chases_the_reward_and_drifts_further():
    torch.manual_seed(0)
    tiny = TinyGPT(TinyConfig(vocab_size=4, context=16, dim=16, n_layers=1, n_heads=2))
    def count_a(text):
        return float(text.count("a"))
    kwargs = dict(steps=25, batch=16, length=8, lr=3e-2, prompt="b")
    _, free = optimise_against_reward(tiny, LetterTokenizer(), count_a, beta=0.0, **kwargs)
    _, leashed = optimise_against_reward(tiny, LetterTokenizer(), count_a, beta=2.0, **kwargs)
    assert free.reward[-1] > free.reward[0] + 2              # the reward climbs
    assert free.kl[-1] > leashed.kl[-1]                      # the leash holds the policy closer
    assert set(free.samples) == {0, 10, 20, 25}
    assert all(p.grad is None for p in tiny.parameters())    # the reference never trains
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    _, again = optimise_against_reward(tiny, LetterTokenizer(), count_a, beta=0.0, **kwargs)
    assert again.reward == free.reward                       # its own generator: the same run again...
    assert torch.equal(torch.rand(2), expected)              # ...and the global one left alone
    with pytest.raises(ValueError, match="beta"):
        optimise_against_reward(tiny, LetterTokenizer(), count_a, beta=-1)
