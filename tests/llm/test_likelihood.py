import math

import pytest
import torch

from lesson_utils.llm.likelihood import SentenceScore, sentence_score, token_logprobs


def test_sentence_score_matches_a_manual_chain_of_predictions(model, tokenizer):
    text = "The capital of France is Paris."
    score = sentence_score(model, tokenizer, text)
    ids = tokenizer.encode(text)
    assert score.tokens == tokenizer.token_strings(ids) and len(score.logprobs) == len(ids) - 1
    with torch.inference_mode():
        probs = model(torch.tensor([ids[:-1]])).logits[0, -1].softmax(-1)
    assert score.logprobs[-1] == pytest.approx(math.log(float(probs[ids[-1]])), abs=1e-4)
    assert score.total == pytest.approx(sum(score.logprobs))
    assert score.perplexity == pytest.approx(math.exp(-score.total / (len(ids) - 1)))


def test_plausible_beats_scrambled_and_true_beats_false(model, tokenizer):
    ordered = sentence_score(model, tokenizer, "The cat sat on the mat.")
    scrambled = sentence_score(model, tokenizer, "mat the on sat cat The.")
    assert scrambled.perplexity > 10 * ordered.perplexity
    true = sentence_score(model, tokenizer, "The capital of France is Paris.")
    false = sentence_score(model, tokenizer, "The capital of France is Rome.")
    assert true.total > false.total


def test_sentence_score_errors(model, tokenizer):
    with pytest.raises(ValueError, match="at least two"):
        sentence_score(model, tokenizer, "Hi")
    with pytest.raises(TypeError, match="str"):
        sentence_score(model, tokenizer, ["Hi there"])


def test_perplexity_of_certainty_is_one():
    assert SentenceScore(["a", "b", "c"], [0.0, 0.0]).perplexity == 1.0
    assert SentenceScore(["a", "b"], [math.log(0.25)]).perplexity == pytest.approx(4.0)


def test_continuation_probs_match_step_by_step_prediction(model, tokenizer):
    from lesson_utils.llm.likelihood import continuation_probs
    prompt, answer = tokenizer.encode("The capital of France is"), tokenizer.encode(" Paris.")
    probs = continuation_probs(model, prompt, answer)
    assert len(probs) == len(answer) and probs[0] == pytest.approx(0.7725, abs=1e-3)
    with torch.inference_mode():
        second = model(torch.tensor([prompt + answer[:1]])).logits[0, -1].softmax(-1)[answer[1]]
    assert probs[1] == pytest.approx(float(second), abs=1e-4)
    with pytest.raises(ValueError, match="non-empty"):
        continuation_probs(model, prompt, [])


def test_token_logprobs_picks_each_targets_log_probability_and_keeps_gradients():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
    picked = token_logprobs(logits, torch.tensor([0, 2]))
    z = math.log(math.exp(2) + 2)
    assert picked.tolist() == pytest.approx([2 - z, -math.log(3)])
    picked.sum().backward()
    assert logits.grad is not None and logits.grad[0, 0] > 0          # raising the target's score helps
    batch = token_logprobs(torch.zeros(2, 4, 5), torch.zeros(2, 4, dtype=torch.long))
    assert batch.shape == (2, 4) and torch.allclose(batch, torch.full((2, 4), -math.log(5)))
