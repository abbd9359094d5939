import pytest
import torch

from lesson_utils.inside.attention import (
    AttentionRecord,
    attention_record,
    capture_attention,
    causal_attention_all_at_once,
    induction_scores,
    previous_token_scores,
    record_from_ids,
    recurrent_steps,
    repeated_random_tokens,
    time_parallel_vs_sequential,
    top_heads,
)


def test_record_rows_are_causal_distributions(model, tokenizer):
    record = attention_record(model, tokenizer, "The cat sat on the mat.")
    L, H, T, _ = record.weights.shape
    assert (L, H) == (model.config.n_layers, model.config.n_heads) and T == len(record.tokens)
    assert torch.allclose(record.weights.sum(-1), torch.ones(L, H, T), atol=1e-5)
    assert record.weights.triu(1).abs().max() == 0                    # nothing looks ahead
    row = record.row(3, 2, 4)
    assert [t for t, _ in row] == record.tokens[:5]
    assert sum(p for _, p in row) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="head must be"):
        record.row(0, 9, 0)
    with pytest.raises(ValueError, match="empty"):
        attention_record(model, tokenizer, "")


def _synthetic(T, looks_back):
    """(1, 1, T, T) weights where each position t >= looks_back puts all weight on t - looks_back."""
    w = torch.zeros(1, 1, T, T)
    for t in range(T):
        w[0, 0, t, max(t - looks_back, 0)] = 1.0
    return w


def test_previous_token_and_induction_scores_on_known_patterns():
    assert previous_token_scores(_synthetic(6, 1)).item() == 1.0
    assert previous_token_scores(_synthetic(6, 2)).item() < 0.25
    n = 5
    induction = _synthetic(2 * n, n - 1)            # looks n - 1 back: the token after the match
    assert induction_scores(induction, n).item() == 1.0
    assert induction_scores(_synthetic(2 * n, 1), n).item() == 0.0
    with pytest.raises(ValueError, match="2n"):
        induction_scores(induction, 4)


def test_repeated_tokens_and_top_heads():
    ids = repeated_random_tokens(7, seed=3)
    assert len(ids) == 14 and ids[:7] == ids[7:] and all(1000 <= i < 20000 for i in ids)
    assert repeated_random_tokens(7, seed=3) == ids != repeated_random_tokens(7, seed=4)
    scores = torch.tensor([[0.1, 0.9], [0.5, 0.2]])
    assert top_heads(scores, 2) == [(0, 1, pytest.approx(0.9)), (1, 0, pytest.approx(0.5))]


def test_the_real_model_has_induction_heads(model, tokenizer):
    n = 30
    record = record_from_ids(model, tokenizer, repeated_random_tokens(n, seed=1))
    best_layer, _, best = top_heads(induction_scores(record.weights, n), 1)[0]
    assert best > 0.6 and 10 <= best_layer <= 25
    assert top_heads(previous_token_scores(record.weights), 1)[0][2] > 0.6


def test_capture_attention_matches_a_written_out_computation(model, tokenizer):
    ids = tokenizer.encode("A short test sentence for one layer.")
    x, y = capture_attention(model, ids, 7)
    attn = model.blocks[7].attn
    T = len(ids)
    q = (x @ attn.wq.T.cpu()).view(T, 9, 64).transpose(0, 1)
    k = (x @ attn.wk.T.cpu()).view(T, 3, 64).transpose(0, 1)
    v = (x @ attn.wv.T.cpu()).view(T, 3, 64).transpose(0, 1)
    from lesson_utils.llm.model import apply_rope
    q, k = apply_rope(q, model.rope_cos[:T].cpu(), model.rope_sin[:T].cpu()), apply_rope(
        k, model.rope_cos[:T].cpu(), model.rope_sin[:T].cpu())
    k, v = k.repeat_interleave(3, 0), v.repeat_interleave(3, 0)
    future = ~torch.ones(T, T, dtype=torch.bool).tril()
    scores = (q @ k.transpose(1, 2) / 8).masked_fill(future, float("-inf"))
    out = (scores.softmax(-1) @ v).transpose(0, 1).reshape(T, 576) @ attn.out.weight.T.cpu()
    assert (out - y).abs().max() < 1e-4
    assert not any(h for h in attn._forward_hooks.values())              # the hook was removed


def test_parallel_and_sequential_building_blocks():
    x = torch.randn(5, 4)
    out = causal_attention_all_at_once(x)
    assert torch.allclose(out[0], x[0])                                   # the first token sees only itself
    w = torch.softmax((x[:3] @ x[:3].T / 2).masked_fill(~torch.ones(3, 3, dtype=torch.bool).tril(), -1e9), -1)
    assert torch.allclose(out[:3], w @ x[:3], atol=1e-6)
    h = recurrent_steps(x, torch.eye(4), torch.eye(4))
    assert h.shape == (5, 4) and torch.allclose(h[0], torch.tanh(x[0]))
    rows = time_parallel_vs_sequential(lengths=(8, 16), dim=16, repeats=1, device="cpu")
    assert [r["T"] for r in rows] == [8, 16]
    assert all(r["parallel_s"] > 0 and r["sequential_s"] > 0 for r in rows)


def test_long_texts_are_refused_with_a_reason(model, tokenizer):
    with pytest.raises(ValueError, match="under 512"):
        record_from_ids(model, tokenizer, [100] * 600)
    assert isinstance(attention_record(model, tokenizer, "Hi"), AttentionRecord)
