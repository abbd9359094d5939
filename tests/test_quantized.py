"""The fast path (lesson_utils.quantized): the file's 4-bit blocks read right, the 4-bit matrix
multiply equal to the matrix it stands for, and the fast model held to the exact one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lesson_utils import quantized as Q
from lesson_utils.chat_model import ChatModel, load_chat_model
from lesson_utils.corpus import load_corpus
from lesson_utils.weights import _gguf_reader, find_model_file, undo_rope_permutation

# The bound the fast model is held to, on 3 chat prompts x 32 greedy tokens (about 20 s here).
# Measured on 32 prompts x 64 tokens (benchmarks/results/quantized.txt): top-1 97.5%,
# max |dp| 0.078, perplexity 4.842 exact against 4.845 fast.
TOP1_AT_LEAST = 0.90
MAX_DP_AT_MOST = 0.15
PERPLEXITY_WITHIN = 0.01          # relative

PROMPTS = ["What is the capital of France?", "Name three fruits.", "Write a haiku about the sea."]


@pytest.fixture(scope="module")
def tensors():
    return {t.name: t for t in _gguf_reader(find_model_file()).tensors}


@pytest.fixture(scope="module")
def fast():
    return Q.fast_transformer_from_gguf()


def _as_float(blocks):
    codes, d, m = blocks
    return codes * np.repeat(d, Q.GROUP, axis=1) + np.repeat(m, Q.GROUP, axis=1)


def test_q4_1_blocks_give_the_numbers_gguf_gives(tensors):
    from gguf.quants import dequantize
    t = tensors["blk.0.ffn_down.weight"]
    assert t.tensor_type.name == "Q4_1"
    rows, cols = 576, 1536
    codes, d, m = Q.q4_1_blocks(t.data, rows, cols)
    assert codes.shape == (rows, cols) and d.shape == m.shape == (rows, cols // 32)
    assert codes.min() >= 0 and codes.max() <= 15
    np.testing.assert_array_equal(_as_float((codes, d, m)), dequantize(t.data, t.tensor_type))


def test_q8_0_blocks_give_the_numbers_gguf_gives(tensors):
    from gguf.quants import dequantize
    t = tensors["token_embd.weight"]
    assert t.tensor_type.name == "Q8_0"
    codes, d = Q.q8_0_blocks(t.data, 49152, 576)
    np.testing.assert_array_equal(codes * np.repeat(d, 32, axis=1), dequantize(t.data, t.tensor_type))


def test_int4_linear_multiplies_by_the_matrix_of_its_blocks(tensors):
    codes, d, m = Q.q4_1_blocks(tensors["blk.3.ffn_gate.weight"].data, 1536, 576)
    weight = torch.from_numpy(_as_float((codes, d, m))).float()
    layer = Q.Int4Linear(torch.from_numpy(codes), torch.from_numpy(d), torch.from_numpy(m))
    x = torch.randn(3, 5, 576, generator=torch.Generator().manual_seed(0))
    y = layer(x)
    assert y.shape == (3, 5, 1536) and y.dtype == torch.float32
    exact = x @ weight.T
    # bfloat16 activations, scales and offsets: about 3 significant digits
    assert float((y - exact).norm() / exact.norm()) < 0.01
    # many rows go through float32 on the rebuilt matrix (scales and zeros still bfloat16)
    many = torch.randn(Q.KERNEL_ROWS + 1, 576, generator=torch.Generator().manual_seed(1))
    assert float((layer(many) - many @ weight.T).norm() / (many @ weight.T).norm()) < 0.005
    assert torch.allclose(layer(many)[:15], layer(many[:15]), rtol=0.02, atol=0.05)
    # dequantized() is the matrix the kernel uses: the blocks' own, to bfloat16 rounding
    assert float((layer.dequantized() - weight).abs().max()) <= 0.01 * float(weight.abs().max())
    # A decoding step reads half a byte a weight, and a bfloat16 scale and zero per 32 weights:
    # 0.625 bytes, not 4. The plain-order copy for many rows adds another half byte.
    n = weight.numel()
    assert layer.packed.numel() * layer.packed.element_size() == n // 2
    assert layer.scale_and_zero.numel() * 2 == n // 32 * 4
    assert layer.nbytes() == n // 2 + n // 32 * 4 + n // 2


def test_int4_linear_from_float_round_trips_a_matrix_on_its_own_grid(tensors):
    codes, d, m = Q.q4_1_blocks(tensors["blk.1.attn_output.weight"].data, 576, 576)
    grid = Q.Int4Linear(torch.from_numpy(codes), torch.from_numpy(d), torch.from_numpy(m)).dequantized()
    again = Q.Int4Linear.from_float(grid).dequantized()
    assert float((again - grid).abs().max()) <= 0.01 * float(grid.abs().max())


@pytest.mark.parametrize("codes", [torch.full((4, 32), 16), torch.full((4, 32), -1), torch.zeros(4, 40)])
def test_int4_linear_refuses_codes_it_cannot_hold(codes):
    with pytest.raises(ValueError, match="0..15"):
        Q.Int4Linear(codes, torch.ones(4, 1), torch.zeros(4, 1))


def test_fast_model_holds_the_exact_model_s_matrices_in_its_blocks(fast, model):
    """Catches a wrong row order (RoPE permutation, q/k/v or gate/up concatenation)."""
    for i in (0, 29):
        ours, theirs = fast.blocks[i], model.blocks[i]
        for name in ("attn.qkv", "attn.out", "ffn.gate_up", "ffn.down"):
            quantized = ours.get_submodule(name).dequantized()
            exact = theirs.get_submodule(name).weight
            assert float((quantized - exact).abs().max()) <= 0.01 * float(exact.abs().max()), name


def test_fast_embedding_is_the_exact_table_bit_for_bit(fast, model):
    ids = torch.tensor([[0, 1, 2, 1000, 49151]])
    assert torch.equal(fast.embed(ids), model.embed(ids))


def test_undo_rope_permutation_moves_scales_with_their_rows():
    rows = np.arange(2 * 64)[:, None] * np.ones((1, 3))
    moved = undo_rope_permutation(rows, 2)
    assert sorted(moved[:, 0]) == list(range(128)) and (moved == moved[:, :1]).all()


def test_fast_model_holds_under_half_the_bytes(fast, model):
    exact, small = Q.model_bytes(model), Q.model_bytes(fast)
    assert exact > 530e6 and small < 0.4 * exact
    assert Q.is_fast(fast) and not Q.is_fast(model)


def test_fast_model_stays_close_to_the_exact_one(fast, model, tokenizer):
    chat = ChatModel(model, tokenizer)
    prompts = [tokenizer.encode(chat.chat_prompt(p)) for p in PROMPTS]
    text = tokenizer.encode(load_corpus()[:2000])
    result = Q.agreement(model, fast, prompts, new_tokens=32, text_ids=text, window=512)
    assert result["top1_steps"] >= 3 * 16
    assert result["top1_agree"] >= TOP1_AT_LEAST * result["top1_steps"], result
    assert result["max_dp_top5"] <= MAX_DP_AT_MOST, result
    ratio = result["perplexity_fast"] / result["perplexity_exact"]
    assert abs(ratio - 1) <= PERPLEXITY_WITHIN, result


def test_agreement_of_a_model_with_itself_is_perfect(model, tokenizer):
    prompt = tokenizer.encode("The capital of France is")
    result = Q.agreement(model, model, [prompt], new_tokens=8)
    assert result["top1_agree"] == result["top1_steps"] == 8
    # reading the reply token by token rounds a little differently from reading it at once
    assert result["max_dp_top5"] < 1e-4 and result["greedy_same_prefix"] == [8]


def test_fast_chat_model_answers_and_says_what_it_is():
    lm = load_chat_model(fast=True)
    assert "fast path" in repr(lm) and "MB of weights" in repr(lm)
    assert "Paris" in lm.chat("What is the capital of France?", max_new_tokens=16)
    replies = lm.generate_batch(["Hello", "The sky is"], max_new_tokens=4)
    assert len(replies) == 2 and all(1 <= len(r.ids) <= 4 for r in replies)
    with pytest.raises(ValueError):
        lm.chat("", max_new_tokens=4)
