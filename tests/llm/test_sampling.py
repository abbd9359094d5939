"""Temperature, top-k, top-p and the draw itself, on small hand-made distributions."""

from __future__ import annotations

import math

import pytest
import torch

from lesson_utils.llm.sampling import (
    apply_temperature,
    check_sampling_args,
    entropy_bits,
    sample_next,
    sampling_distribution,
    top_k_filter,
    top_p_filter,
)

PROBS = torch.tensor([0.5, 0.3, 0.2])
LOGITS = PROBS.log()


def test_temperature_divides_logits():
    logits = torch.tensor([1.0, 2.0, -4.0])
    torch.testing.assert_close(apply_temperature(logits, 2.0), torch.tensor([0.5, 1.0, -2.0]))
    # p_i proportional to p_i ** (1 / T)
    expected = PROBS ** 2 / (PROBS ** 2).sum()
    torch.testing.assert_close(sampling_distribution(LOGITS, temperature=0.5), expected)


def test_temperature_one_leaves_the_distribution_alone():
    torch.testing.assert_close(sampling_distribution(LOGITS, temperature=1.0), PROBS)


def test_high_temperature_flattens_low_sharpens():
    hot = sampling_distribution(LOGITS, temperature=5.0)
    cold = sampling_distribution(LOGITS, temperature=0.2)
    assert entropy_bits(cold) < entropy_bits(PROBS) < entropy_bits(hot) < math.log2(3)


def test_small_temperature_approaches_argmax():
    logits = torch.randn(4, 100, generator=torch.Generator().manual_seed(0))
    probs = sampling_distribution(logits, temperature=1e-3)
    assert torch.equal(probs.argmax(-1), logits.argmax(-1))
    assert (probs.max(-1).values > 0.999).all()


def test_temperature_zero_is_one_hot_and_greedy():
    probs = sampling_distribution(LOGITS, temperature=0)
    torch.testing.assert_close(probs, torch.tensor([1.0, 0.0, 0.0]))
    logits = torch.tensor([[0.1, 3.0, 0.2], [5.0, 1.0, 1.0]])
    assert sample_next(logits, temperature=0).tolist() == [1, 0]


def test_apply_temperature_zero_points_to_greedy():
    with pytest.raises(ValueError, match="greedy"):
        apply_temperature(LOGITS, 0)


def test_top_k_docstring_example():
    out = top_k_filter(torch.tensor([1.0, 3.0, 2.0]), 2)
    assert out.tolist() == [float("-inf"), 3.0, 2.0]


@pytest.mark.parametrize("k", [1, 3, 10, 99])
def test_top_k_keeps_exactly_k(k):
    logits = torch.randn(5, 100, generator=torch.Generator().manual_seed(k))
    out = top_k_filter(logits, k)
    kept = torch.isfinite(out)
    assert (kept.sum(-1) == k).all()
    # The kept ones are the k largest, unchanged.
    top = logits.topk(k, dim=-1).indices
    assert kept.gather(-1, top).all()
    assert torch.equal(out[kept], logits[kept])


def test_top_k_larger_than_vocabulary_keeps_all():
    assert torch.isfinite(top_k_filter(LOGITS, 50)).all()


def test_top_p_docstring_example():
    out = top_p_filter(LOGITS, 0.7)
    assert torch.isfinite(out).tolist() == [True, True, False]
    torch.testing.assert_close(sampling_distribution(LOGITS, top_p=0.7), torch.tensor([0.625, 0.375, 0.0]))


@pytest.mark.parametrize("p, n_kept", [(0.4, 1), (0.5, 1), (0.51, 2), (0.8, 2), (0.81, 3), (1.0, 3)])
def test_top_p_keeps_the_smallest_set_reaching_p(p, n_kept):
    # Order shuffled, to check the sort.
    logits = torch.tensor([0.2, 0.5, 0.3]).log()
    kept = torch.isfinite(top_p_filter(logits, p))
    assert int(kept.sum()) == n_kept
    assert kept[1]                                    # the most likely token, always
    assert torch.tensor([0.2, 0.5, 0.3])[kept].sum() >= p - 1e-6


def test_top_p_always_keeps_the_top_token():
    logits = torch.tensor([[10.0, 0.0, 0.0], [0.0, 0.0, 9.0]])
    kept = torch.isfinite(top_p_filter(logits, 1e-6))
    assert kept.tolist() == [[True, False, False], [False, False, True]]


def test_top_p_batched_rows_are_independent():
    logits = torch.stack([torch.tensor([0.5, 0.3, 0.2]).log(), torch.tensor([0.1, 0.1, 0.8]).log()])
    kept = torch.isfinite(top_p_filter(logits, 0.7))
    assert kept.tolist() == [[True, True, False], [False, False, True]]


def test_top_k_then_top_p_combined():
    probs = sampling_distribution(torch.tensor([0.4, 0.3, 0.2, 0.1]).log(), top_k=3, top_p=0.6)
    # top-3 renormalises to [4/9, 3/9, 2/9]; 4/9 < 0.6 so two survive.
    torch.testing.assert_close(probs, torch.tensor([4 / 7, 3 / 7, 0.0, 0.0]))


def test_sampling_distribution_sums_to_one():
    logits = torch.randn(3, 1000, generator=torch.Generator().manual_seed(1))
    for settings in [{}, {"temperature": 0.7}, {"top_k": 5}, {"top_p": 0.9}, {"temperature": 0}]:
        torch.testing.assert_close(sampling_distribution(logits, **settings).sum(-1), torch.ones(3))


def test_sampled_frequencies_match_the_distribution():
    probs = torch.tensor([0.5, 0.25, 0.15, 0.07, 0.03])
    n = 20_000
    generator = torch.Generator().manual_seed(1234)
    logits = probs.log().expand(n, -1)
    draws = sample_next(logits, temperature=1.0, generator=generator)
    counts = torch.bincount(draws, minlength=5).double()
    expected = probs.double() * n
    chi2 = (((counts - expected) ** 2) / expected).sum().item()
    assert chi2 < 18.5           # 99.9% quantile of chi-square with 4 degrees of freedom


def test_sampling_never_picks_filtered_tokens():
    logits = torch.zeros(5000, 10)
    logits[:, :3] = 1.0
    draws = sample_next(logits, top_k=3, generator=torch.Generator().manual_seed(0))
    assert set(draws.tolist()) == {0, 1, 2}


def test_seeded_sampling_is_reproducible():
    logits = torch.randn(1000, 50, generator=torch.Generator().manual_seed(3))
    a = sample_next(logits, generator=torch.Generator().manual_seed(7))
    b = sample_next(logits, generator=torch.Generator().manual_seed(7))
    c = sample_next(logits, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_sample_next_shapes():
    assert sample_next(torch.randn(4, 7)).shape == (4,)
    assert sample_next(torch.randn(7)).shape == ()


def test_entropy_bits():
    assert entropy_bits(torch.full((8,), 1 / 8)).item() == pytest.approx(3.0)
    assert entropy_bits(torch.tensor([1.0, 0.0, 0.0])).item() == pytest.approx(0.0)
    assert entropy_bits(torch.tensor([0.5, 0.5])).item() == pytest.approx(1.0)
    batched = entropy_bits(torch.tensor([[0.25] * 4, [1.0, 0, 0, 0]]))
    torch.testing.assert_close(batched, torch.tensor([2.0, 0.0]))


@pytest.mark.parametrize("settings, error, match", [
    ({"temperature": -0.5}, ValueError, "temperature must be >= 0"),
    ({"temperature": float("nan")}, ValueError, "temperature must be >= 0"),
    ({"temperature": float("inf")}, ValueError, "temperature"),
    ({"temperature": "hot"}, TypeError, "temperature must be a number"),
    ({"temperature": True}, TypeError, "temperature must be a number"),
    ({"top_p": 0}, ValueError, r"top_p must be in \(0, 1\]"),
    ({"top_p": 1.5}, ValueError, r"top_p must be in \(0, 1\]"),
    ({"top_p": -0.1}, ValueError, "top_p"),
    ({"top_p": "0.9"}, TypeError, "top_p must be a number"),
    ({"top_k": 0}, ValueError, "top_k must be >= 1"),
    ({"top_k": -3}, ValueError, "top_k must be >= 1"),
    ({"top_k": 2.5}, TypeError, "top_k must be a whole number"),
    ({"top_k": True}, TypeError, "top_k must be a whole number"),
])
def test_bad_settings_explain_themselves(settings, error, match):
    with pytest.raises(error, match=match):
        check_sampling_args(**settings)
    with pytest.raises(error, match=match):
        sampling_distribution(LOGITS, **settings)
    with pytest.raises(error, match=match):
        sample_next(LOGITS[None], **settings)


def test_filters_validate_their_argument():
    with pytest.raises(ValueError, match="top_k"):
        top_k_filter(LOGITS, 0)
    with pytest.raises(ValueError, match="top_p"):
        top_p_filter(LOGITS, 1.5)


def test_sampling_view_reports_kept_tokens_and_entropy():
    from lesson_utils.llm.sampling import sampling_view
    logits = torch.tensor([3.0, 2.0, 1.0, 0.0, -1.0])
    view = sampling_view(logits, temperature=1.0, top_k=2, show=4)
    assert view["ids"] == [0, 1, 2, 3] and view["kept"] == [True, True, False, False]
    assert view["n_kept"] == 2 and sum(view["reshaped"]) == pytest.approx(1.0)
    assert view["entropy_reshaped"] < view["entropy_original"]
    hot = sampling_view(logits, temperature=3.0, show=5)
    assert hot["entropy_reshaped"] > view["entropy_original"] and hot["n_kept"] == 5


def test_vote_accuracy_rises_with_n_when_the_right_answer_is_the_mode():
    from lesson_utils.llm.sampling import vote_accuracy
    probs = torch.tensor([0.4, 0.3, 0.3])
    one, many = vote_accuracy(probs, 0, 1, trials=2000), vote_accuracy(probs, 0, 25, trials=2000)
    assert one == pytest.approx(0.4, abs=0.04) and many > one + 0.1
    assert vote_accuracy(torch.tensor([0.0, 1.0]), 1, 5, trials=50) == 1.0
    assert vote_accuracy(probs, 0, 5, trials=100, seed=1) == vote_accuracy(probs, 0, 5, trials=100, seed=1)
    with pytest.raises(ValueError, match="n must be"):
        vote_accuracy(probs, 0, 0)
