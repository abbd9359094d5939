"""The Transformer itself: shapes, attention, the KV cache, padding and input checks.

Most of it runs on a tiny random Transformer (3 layers of width 32: milliseconds, no model file),
since shapes, masks and the cache do not depend on the numbers; a few cases run the real model.
"""

from __future__ import annotations

import pytest
import torch

from lesson_utils.llm.model import KVCache, ModelConfig, RMSNorm, Transformer, apply_rope, rope_tables

# Float32 sums done in a different order (other matrix shapes) differ by a few units in
# the last place; logits are around 10-20 in size, hence a relative part in the tolerance.
LOGITS_TOL = {"rtol": 1e-5, "atol": 1e-4}

TEXT = "The quick brown fox jumps over the lazy dog because it wants to reach the river."


TINY = ModelConfig(vocab_size=97, dim=32, n_layers=3, n_heads=4, n_kv_heads=2, hidden_dim=64,
                   context_length=64)


@pytest.fixture(scope="module")
def tiny():
    """A Transformer of SmolLM2's design, small and random (seeded), frozen like the real one."""
    torch.manual_seed(0)
    return Transformer(TINY).requires_grad_(False).eval()


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, TINY.vocab_size, (1, 17), generator=torch.Generator().manual_seed(1))   # (1, T)


@pytest.fixture(scope="module")
def full(tiny, ids):
    with torch.inference_mode():
        return tiny(ids, output_hidden_states=True, output_attentions=True)


def test_config_matches_smollm2(model):
    cfg = model.config
    assert (cfg.vocab_size, cfg.dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.hidden_dim) == (
        49152, 576, 30, 9, 3, 1536)
    assert cfg.head_dim == 64 and cfg.context_length == 8192
    n_params = sum(p.numel() for p in model.parameters())
    assert 134_000_000 < n_params < 135_000_000       # 135M, with the output matrix tied


def test_output_shapes(tiny, ids, full):
    cfg, T = tiny.config, ids.shape[1]
    assert full.logits.shape == (1, T, cfg.vocab_size)
    assert len(full.hidden_states) == cfg.n_layers + 1
    assert all(h.shape == (1, T, cfg.dim) for h in full.hidden_states)
    assert len(full.attentions) == cfg.n_layers
    assert all(a.shape == (1, cfg.n_heads, T, T) for a in full.attentions)


def test_plain_forward_returns_no_extras(tiny, ids, full):
    with torch.inference_mode():
        out = tiny(ids)
        last = tiny(ids, last_only=True)
    assert out.hidden_states is None and out.attentions is None
    torch.testing.assert_close(out.logits, full.logits, rtol=1e-5, atol=2e-4)  # fused vs written-out
    assert last.logits.shape == (1, 1, tiny.config.vocab_size)
    torch.testing.assert_close(last.logits[:, 0], full.logits[:, -1], **LOGITS_TOL)


def test_batch_rows_are_independent(tiny, ids, full):
    other = torch.flip(ids, dims=[1])
    with torch.inference_mode():
        out = tiny(torch.cat([ids, other]))
    torch.testing.assert_close(out.logits[:1], full.logits, **LOGITS_TOL)


def test_logits_are_final_norm_times_tied_embedding(tiny, full):
    with torch.inference_mode():
        logits = tiny.norm(full.hidden_states[-1]) @ tiny.embed.weight.T
    torch.testing.assert_close(logits, full.logits, rtol=1e-5, atol=1e-4)


def test_first_hidden_state_is_the_embedding(tiny, ids, full):
    assert torch.equal(full.hidden_states[0][0], tiny.embed.weight[ids[0]])


def test_attention_rows_sum_to_one_and_are_causal(full):
    for weights in full.attentions:
        T = weights.shape[-1]
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]), rtol=0, atol=1e-5)
        future = torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)
        assert weights[..., future].abs().max() == 0
        assert (weights >= 0).all()
    # The first token can only look at itself.
    assert torch.allclose(full.attentions[0][..., 0, 0], torch.tensor(1.0))


def test_later_tokens_do_not_change_earlier_logits(tiny, ids, full):
    changed = ids.clone()
    changed[0, -3:] = (ids[0, -3:] + 1) % TINY.vocab_size
    with torch.inference_mode():
        out = tiny(changed)
    T = ids.shape[1]
    torch.testing.assert_close(out.logits[:, :T - 3], full.logits[:, :T - 3], **LOGITS_TOL)
    assert not torch.allclose(out.logits[:, -1], full.logits[:, -1], atol=1e-2)


def test_kv_cache_gives_the_same_logits(tiny, ids, full):
    T = ids.shape[1]
    split = 5
    cache = KVCache(tiny.config, batch_size=1, max_len=T)
    with torch.inference_mode():
        steps = [tiny(ids[:, :split], cache=cache).logits]
        assert cache.length == split
        for t in range(split, T):
            steps.append(tiny(ids[:, t:t + 1], cache=cache).logits)
    assert cache.length == T
    torch.testing.assert_close(torch.cat(steps, dim=1), full.logits, **LOGITS_TOL)


def test_kv_cache_steps_of_several_tokens(tiny, ids, full):
    T = ids.shape[1]
    cache = KVCache(tiny.config, batch_size=1, max_len=T + 10)
    with torch.inference_mode():
        a = tiny(ids[:, :4], cache=cache).logits
        b = tiny(ids[:, 4:9], cache=cache, output_attentions=True)
        c = tiny(ids[:, 9:], cache=cache).logits
    assert b.attentions[0].shape == (1, tiny.config.n_heads, 5, 9)
    torch.testing.assert_close(torch.cat([a, b.logits, c], dim=1), full.logits, **LOGITS_TOL)


def left_padded(short: list[int], long: list[int]):
    """Two prompts as one batch: ids (2, len(long)) with the short one padded on the left, and the mask."""
    pad = len(long) - len(short)
    ids = torch.tensor([[0] * pad + short, long])
    mask = torch.tensor([[0] * pad + [1] * len(short), [1] * len(long)])
    return ids, mask


def test_left_padded_prompt_matches_alone(model, tokenizer):
    short = tokenizer.encode("Paris is the capital of")
    long = tokenizer.encode("Once upon a time, in a small village by the sea, there lived a")
    ids, mask = left_padded(short, long)
    with torch.inference_mode():
        batch = model(ids, attention_mask=mask, last_only=True).logits[:, -1].softmax(-1)
        alone = [model(torch.tensor([p]), last_only=True).logits[0, -1].softmax(-1) for p in (short, long)]
    for row in range(2):
        assert (batch[row] - alone[row]).abs().max() < 1e-4
    # Without the mask, the padding would change the short prompt's answer.
    with torch.inference_mode():
        unmasked = model(ids, last_only=True).logits[0, -1].softmax(-1)
    assert (unmasked - alone[0]).abs().max() > 1e-3


def test_padded_batch_with_cache(tiny):
    short, long = [5, 17, 9], [40, 41, 42, 43, 44, 45]
    ids, mask = left_padded(short, long)
    nxt = torch.tensor([[7], [8]])
    cache = KVCache(tiny.config, 2, ids.shape[1] + 1)
    with torch.inference_mode():
        tiny(ids, cache=cache, attention_mask=mask)
        mask = torch.cat([mask, torch.ones(2, 1, dtype=mask.dtype)], dim=1)
        step = tiny(nxt, cache=cache, attention_mask=mask).logits[:, -1]
        alone = [tiny(torch.tensor([p + [int(n)]])).logits[0, -1]
                 for p, n in ((short, nxt[0]), (long, nxt[1]))]
        unmasked = tiny(ids).logits[0, -1]
    for row in range(2):
        torch.testing.assert_close(step[row], alone[row], **LOGITS_TOL)
    short_alone = tiny(torch.tensor([short])).logits[0, -1]
    assert not torch.allclose(unmasked, short_alone, atol=1e-3)          # without the mask, padding counts


def test_run_blocks_from_any_layer_continues_the_forward_pass(tiny, ids, full):
    """What the logit lens and the frozen pass of notebook 07 rely on."""
    with torch.inference_mode():
        for start in range(TINY.n_layers + 1):
            after = tiny.run_blocks(full.hidden_states[start], start)
            torch.testing.assert_close(after, full.hidden_states[-1], **LOGITS_TOL)
        one = tiny.run_blocks(full.hidden_states[0], 0, 1)
    torch.testing.assert_close(one, full.hidden_states[1], **LOGITS_TOL)
    with pytest.raises(ValueError, match="0 <= start <= stop <= 3"):
        tiny.run_blocks(full.hidden_states[0], 2, 1)


def test_each_attention_knows_its_layer_and_uses_it_in_the_cache(tiny):
    assert [block.attn.layer for block in tiny.blocks] == [0, 1, 2]
    cache = KVCache(tiny.config, 1, 8)
    with torch.inference_mode():
        tiny(torch.tensor([[3, 4, 5]]), cache=cache)
    written = [bool(cache.keys[layer, :, :, :3].abs().sum() > 0) for layer in range(3)]
    assert written == [True, True, True]


def test_rmsnorm_worked_example():
    norm = RMSNorm(2, eps=0.0)
    out = norm(torch.tensor([3.0, 4.0]))
    torch.testing.assert_close(out, torch.tensor([3.0, 4.0]) / (12.5 ** 0.5))
    assert out.tolist() == pytest.approx([0.85, 1.13], abs=0.005)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([2.0, -1.0]))
    assert norm(torch.tensor([3.0, 4.0])).tolist() == pytest.approx([1.70, -1.13], abs=0.005)


def test_rmsnorm_output_has_unit_rms():
    x = torch.randn(3, 7, 576) * 50
    out = RMSNorm(576, eps=1e-5)(x)
    torch.testing.assert_close(out.pow(2).mean(-1).sqrt(), torch.ones(3, 7), rtol=1e-4, atol=1e-4)


def test_rope_depends_only_on_relative_position():
    cfg = ModelConfig()
    cos, sin = rope_tables(cfg)
    assert cos.shape == sin.shape == (cfg.context_length, cfg.head_dim)
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(1, 1, 1, 64, generator=g), torch.randn(1, 1, 1, 64, generator=g)

    def at(x, p):
        return apply_rope(x, cos[p].view(1, 1, 1, -1), sin[p].view(1, 1, 1, -1))

    score = (at(q, 10) * at(k, 7)).sum()
    shifted = (at(q, 1010) * at(k, 1007)).sum()
    torch.testing.assert_close(score, shifted, rtol=1e-4, atol=1e-4)
    # A rotation keeps the length of the vector, and position 0 is no rotation at all.
    torch.testing.assert_close(at(q, 123).norm(), q.norm())
    torch.testing.assert_close(at(q, 0), q)


def test_qkv_views_have_the_right_shapes(model):
    attn = model.blocks[0].attn
    assert attn.wq.shape == (576, 576)
    assert attn.wk.shape == attn.wv.shape == (192, 576)
    assert torch.equal(torch.cat([attn.wq, attn.wk, attn.wv]), attn.qkv.weight)


@pytest.mark.parametrize("bad", [[[1, 2, 3]], (1, 2), "hello"])
def test_ids_must_be_a_tensor(model, bad):
    with pytest.raises(TypeError, match="torch.tensor"):
        model(bad)


def test_ids_must_be_integers(model):
    with pytest.raises(TypeError, match="integers"):
        model(torch.tensor([[1.0, 2.0]]))


@pytest.mark.parametrize("shape", [(1, 0), (0,), (3,), (1, 2, 3)])
def test_ids_must_be_batch_by_tokens(model, shape):
    with pytest.raises(ValueError, match=r"shape \(batch, tokens\)"):
        model(torch.ones(shape, dtype=torch.long))


@pytest.mark.parametrize("bad_id", [-1, 49152, 10**6])
def test_ids_must_be_in_the_vocabulary(model, bad_id):
    with pytest.raises(ValueError, match="0..49151"):
        model(torch.tensor([[1, bad_id, 2]]))


def test_longer_than_the_context_window(model):
    ids = torch.zeros(1, model.config.context_length + 1, dtype=torch.long)
    with pytest.raises(ValueError, match="context window of 8192"):
        model(ids)


def test_run_blocks_checks_the_context_window_too(tiny):
    x = torch.zeros(1, tiny.config.context_length + 1, tiny.config.dim)
    with pytest.raises(ValueError, match=f"{tiny.config.context_length + 1} tokens do not fit"):
        tiny.run_blocks(x, 0)


def test_a_cache_full_at_the_context_window_says_it_is_the_window(tiny):
    cache = KVCache(tiny.config, 1, tiny.config.context_length)
    with torch.inference_mode():
        tiny(torch.zeros(1, tiny.config.context_length, dtype=torch.long), cache=cache)
        with pytest.raises(ValueError, match="context window"):
            tiny(torch.tensor([[1]]), cache=cache)


def test_cache_cannot_exceed_the_context_window(model):
    with pytest.raises(ValueError, match="context window"):
        KVCache(model.config, 1, model.config.context_length + 1)


def test_cache_overflow(tiny):
    cache = KVCache(tiny.config, 1, 4)
    with torch.inference_mode():
        tiny(torch.tensor([[1, 2, 3]]), cache=cache)
        with pytest.raises(ValueError, match="larger cache"):
            tiny(torch.tensor([[4, 5]]), cache=cache)


def test_attention_mask_must_cover_all_positions(tiny):
    with pytest.raises(ValueError, match="attention_mask must have shape"):
        tiny(torch.tensor([[1, 2, 3]]), attention_mask=torch.ones(1, 2))


def test_fused_attention_equals_the_written_out_one(tiny):
    # The fast path (scaled_dot_product_attention) runs unless weights are asked for;
    # it must give the same logits as the written-out attention, padded batches included.
    ids = torch.tensor([[0, 0, 50, 35, 28, 46, 31], [1, 96, 19, 26, 35, 25, 53]])
    mask = torch.tensor([[0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]])
    with torch.no_grad():
        fast = tiny(ids, attention_mask=mask).logits
        written = tiny(ids, attention_mask=mask, output_attentions=True).logits
    torch.testing.assert_close(fast, written, rtol=1e-5, atol=2e-4)
