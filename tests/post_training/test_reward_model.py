import math

import pytest
import torch

from lesson_utils.post_training.reward_model import (
    RewardHead,
    bradley_terry_loss,
    pair_accuracy,
    preference_probability,
    score_answers,
)


def test_preference_probability_is_the_sigmoid_of_the_difference():
    assert preference_probability(2.0, 1.0) == pytest.approx(1 / (1 + math.exp(-1)))
    assert preference_probability(1.0, 1.0) == 0.5
    assert preference_probability(-3, 1) == pytest.approx(1 - preference_probability(1, -3))
    both = preference_probability(torch.tensor([0.0, 2.0]), torch.tensor([0.0, 0.0]))
    assert torch.allclose(both, torch.tensor([0.5, 0.8808]), atol=1e-4)


def test_bradley_terry_loss_is_log_two_for_equal_rewards_and_falls_with_the_gap():
    zero = bradley_terry_loss(torch.zeros(3), torch.zeros(3))
    assert float(zero) == pytest.approx(math.log(2))
    assert float(bradley_terry_loss(torch.tensor([3.0]), torch.tensor([0.0]))) < 0.05


def synthetic(n=40, dim=8, seed=0):
    """Answers whose feature 0 says how good they are; pair i: answer 2i (better) vs 2i + 1."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2 * n, dim, generator=g)
    x[0::2, 0] += 2.0
    return x, torch.arange(0, 2 * n, 2), torch.arange(1, 2 * n, 2)


def test_reward_head_learns_a_taste_that_generalises():
    x, chosen, rejected = synthetic()
    test_x, test_c, test_r = synthetic(seed=1)
    both = torch.cat([x, test_x])
    head, log = RewardHead.fit(both, chosen, rejected, test=(test_c + len(x), test_r + len(x)))
    with torch.no_grad():
        rewards = head(both)
    assert pair_accuracy(rewards, test_c + len(x), test_r + len(x)) > 0.8
    assert log.train_loss[-1] < log.train_loss[0] == pytest.approx(math.log(2))
    assert len(log.test_loss) == len(log.steps) == len(log.train_loss)
    assert head.linear.weight[0, 0] > head.linear.weight[0, 1:].abs().max()   # it found feature 0


def test_reward_head_refuses_bad_shapes():
    x, chosen, rejected = synthetic()
    head, _ = RewardHead.fit(x, chosen, rejected, steps=1)
    with pytest.raises(ValueError, match="shape"):
        head(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="same, non-zero length"):
        RewardHead.fit(x, chosen, rejected[:-1])


def test_pair_accuracy_counts_pairs_the_reward_orders_right():
    rewards = torch.tensor([1.0, 0.0, 0.0, 1.0])
    assert pair_accuracy(rewards, torch.tensor([0, 2]), torch.tensor([1, 3])) == 0.5


def test_score_answers_gives_one_reward_per_answer(model, lm):
    x, chosen, rejected = synthetic(dim=model.config.dim)
    head, _ = RewardHead.fit(x, chosen, rejected, steps=5)
    with torch.no_grad():
        one = score_answers(lm, head, "Hi?", ["Hello.", "Good day to you."], finished=[True, False])
        alone = score_answers(lm, head, ["Hi?"], ["Hello."])
    assert one.shape == (2,) and float(one[0]) == pytest.approx(float(alone[0]), abs=1e-4)
    with pytest.raises(TypeError, match="list of strings"):
        score_answers(lm, head, "Hi?", "Hello.")
    with pytest.raises(ValueError, match="finished flags"):
        score_answers(lm, head, "Hi?", ["a", "b"], finished=[True])
