"""The fast path (lesson_utils.llm.quantized): the file's 4-bit blocks read right, the 4-bit matrix
multiply equal to the matrix it stands for, and the fast model held to the exact one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lesson_utils.assets import load_corpus
from lesson_utils.llm import quantized as Q
from lesson_utils.llm.chat_model import ChatModel, load_chat_model
from lesson_utils.llm.cpu_linear import linear
from lesson_utils.llm.weights import find_model_file, gguf_reader, undo_rope_permutation

# The bound the fast model is held to, on 2 chat questions and one long prompt x 24 greedy tokens.
# Measured on 32 questions x 64 tokens: benchmarks/results/quantized.txt.
TOP1_AT_LEAST = 0.90
MAX_DP_AT_MOST = 0.15
PERPLEXITY_WITHIN = 0.02          # relative

PROMPTS = ["What is the capital of France?", "Write a haiku about the sea."]


@pytest.fixture(scope="module")
def tensors():
    return {t.name: t for t in gguf_reader(find_model_file()).tensors}


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
    assert torch.equal(layer.dequantized(), weight)        # the file's own numbers
    gen = torch.Generator().manual_seed(0)
    # a decoding step, one token per sequence: the 4-bit kernel, input rounded to bfloat16
    step = torch.randn(5, 1, 576, generator=gen)
    y = layer(step)
    assert y.shape == (5, 1, 1536) and y.dtype == torch.float32
    exact = step @ weight.T
    assert 1e-4 < float((y - exact).norm() / exact.norm()) < 0.01
    # a prompt, several tokens per sequence: float32 on the exact matrix
    prompt = torch.randn(2, 40, 576, generator=gen)
    assert torch.allclose(layer(prompt), prompt @ weight.T, rtol=1e-5, atol=1e-4)
    # each row of a step is computed on its own: a batch gives each row what it gets alone
    assert torch.equal(layer(step)[2:3], layer(step[2:3]))
    # A decoding step reads half a byte a weight, and a bfloat16 scale and zero per 32 weights:
    # 0.625 bytes, not 4. The plain-order codes and the float16 d and m for prompts add 0.625 more.
    n = weight.numel()
    assert layer.kernel_nbytes() == n // 2 + n // 32 * 4
    assert layer.nbytes() == 2 * (n // 2 + n // 32 * 4)


def test_read_out_uses_the_exact_table_for_prompts_and_bfloat16_for_steps(fast, model):
    gen = torch.Generator().manual_seed(0)
    prompt, step = torch.randn(1, 3, 576, generator=gen), torch.randn(4, 1, 576, generator=gen)
    assert torch.equal(fast.output(prompt), linear(prompt, model.embed.weight))   # the exact model's route
    exact = step @ model.embed.weight.T
    assert 1e-4 < float((fast.output(step) - exact).norm() / exact.norm()) < 0.01


def test_fast_model_refuses_a_gpu_tensor_with_a_clear_message(fast):
    layer = fast.blocks[0].attn.out
    with pytest.raises(ValueError, match="CPU only"):
        layer(torch.zeros(1, 1, 576, device="meta"))


def test_int4_linear_from_float_round_trips_a_matrix_on_its_own_grid(tensors):
    codes, d, m = Q.q4_1_blocks(tensors["blk.1.attn_output.weight"].data, 576, 576)
    grid = Q.Int4Linear(torch.from_numpy(codes), torch.from_numpy(d), torch.from_numpy(m)).dequantized()
    again = Q.Int4Linear.from_float(grid).dequantized()
    assert float((again - grid).abs().max()) <= 0.01 * float(grid.abs().max())


@pytest.mark.parametrize("codes", [torch.full((4, 32), 16), torch.full((4, 32), -1), torch.zeros(4, 40)])
def test_int4_linear_refuses_codes_it_cannot_hold(codes):
    with pytest.raises(ValueError, match="0..15"):
        Q.Int4Linear(codes, torch.ones(4, 1), torch.zeros(4, 1))


def test_blocks_of_the_wrong_size_are_refused(tensors):
    data = tensors["blk.0.ffn_down.weight"].data
    with pytest.raises(ValueError, match="not Q4_1 blocks of a 576 x 1535"):
        Q.q4_1_blocks(data, 576, 1535)
    with pytest.raises(ValueError, match="not Q4_1 blocks"):
        Q.q4_1_blocks(data, 575, 1536)


def test_q4_1_blocks_agree_with_the_one_block_decoder_of_notebook_00(tensors):
    from lesson_utils.llm.gguf_file import decode_q4_1_block
    data = tensors["blk.0.attn_q.weight"].data
    codes, d, m = Q.q4_1_blocks(data, 576, 576)
    first = bytes(np.ascontiguousarray(data).reshape(-1)[:20])
    np.testing.assert_array_equal(_as_float((codes, d, m))[0, :32], decode_q4_1_block(first))


def test_fast_model_holds_the_exact_model_s_matrices_in_its_blocks(fast, model):
    """Catches a wrong row order (RoPE permutation, q/k/v or gate/up concatenation)."""
    for i in (0, 29):
        ours, theirs = fast.blocks[i], model.blocks[i]
        for name in ("attn.qkv", "attn.out", "ffn.gate_up", "ffn.down"):
            exact = theirs.get_submodule(name).weight
            assert torch.equal(ours.get_submodule(name).dequantized(), exact), name


def test_fast_model_reads_a_prompt_exactly_as_the_exact_model(fast, model, tokenizer):
    ids = torch.tensor([tokenizer.encode("The quick brown fox jumps over the lazy dog.")])
    with torch.inference_mode():
        assert torch.equal(fast(ids).logits, model(ids).logits)


def test_fast_embedding_is_the_exact_table_bit_for_bit(fast, model):
    ids = torch.tensor([[0, 1, 2, 1000, 49151]])
    assert torch.equal(fast.embed(ids), model.embed(ids))
    assert torch.equal(fast.embed.weight, model.embed.weight)      # for code that reads the table


def test_code_that_reads_weights_gets_the_exact_numbers_from_the_fast_model(fast, model, tokenizer):
    from lesson_utils.inside.logit_lens import layer_probs
    ids = tokenizer.encode("The capital of France is")
    assert torch.equal(fast.blocks[3].ffn.down.weight, model.blocks[3].ffn.down.weight)
    assert torch.equal(layer_probs(fast, ids), layer_probs(model, ids))     # a prompt: exact route


def test_undo_rope_permutation_moves_scales_with_their_rows():
    rows = np.arange(2 * 64)[:, None] * np.ones((1, 3))
    moved = undo_rope_permutation(rows, 2)
    assert sorted(moved[:, 0]) == list(range(128)) and (moved == moved[:, :1]).all()


def test_fast_model_holds_under_half_the_bytes(fast, model):
    exact, small = Q.model_bytes(model), Q.model_bytes(fast)
    assert exact > 530e6 and small < 0.45 * exact
    assert Q.is_fast(fast) and not Q.is_fast(model)


def test_fast_model_stays_close_to_the_exact_one(fast, model, tokenizer):
    chat = ChatModel(model, tokenizer)
    story = load_corpus()[:400]                     # a prompt of about 100 tokens
    prompts = [tokenizer.encode(chat.chat_prompt(p)) for p in PROMPTS] + [tokenizer.encode(story)]
    assert len(prompts[-1]) > 64
    text = tokenizer.encode(load_corpus()[2000:2600])
    result = Q.agreement(model, fast, prompts, new_tokens=24, text_ids=text, window=512)
    assert result["top1_steps"] >= 3 * 12
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
    lm = load_chat_model(fast=True, device="cpu")
    assert "fast path" in repr(lm) and "MB of weights" in repr(lm)
    assert "Paris" in lm.chat("What is the capital of France?", max_new_tokens=16)
    replies = lm.generate_batch(["Hello", "The sky is"], max_new_tokens=4)
    assert len(replies) == 2 and all(1 <= len(r.ids) <= 4 for r in replies)
    with pytest.raises(ValueError):
        lm.chat("", max_new_tokens=4)
