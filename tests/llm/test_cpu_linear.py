"""The layers' matrix product: oneDNN's route gives F.linear's numbers, follows changed weights,
and leaves training to F.linear."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lesson_utils.llm import cpu_linear
from lesson_utils.llm.cpu_linear import Linear, linear, uses_onednn
from lesson_utils.llm.generation import generate, generate_batch
from lesson_utils.llm.model import ModelConfig, Transformer

needs_onednn = pytest.mark.skipif(not cpu_linear.ONEDNN, reason="this PyTorch has no oneDNN")

# Products of 96 terms of size ~1: float32 sums in another order differ by a few 1e-6.
TOL = {"rtol": 1e-5, "atol": 1e-5}


def _weights(out=48, inp=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(out, inp, generator=g), torch.randn(out, generator=g)


@needs_onednn
@pytest.mark.parametrize("shape", [(1, 96), (1, 1, 96), (3, 96), (4, 4, 96), (2, 40, 96), (100, 96)])
def test_linear_gives_f_linear_numbers(shape):
    weight, bias = _weights()
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    assert uses_onednn(x, weight)
    torch.testing.assert_close(linear(x, weight), F.linear(x, weight), **TOL)
    torch.testing.assert_close(linear(x, weight, bias), F.linear(x, weight, bias), **TOL)


@needs_onednn
def test_batches_get_a_packed_copy_and_single_rows_do_not():
    weight, _ = _weights(seed=2)
    linear(torch.randn(1, 96), weight)
    assert not cpu_linear.is_packed(weight)
    linear(torch.randn(1, 30, 96), weight)          # a prompt of 30 tokens: no copy either
    assert not cpu_linear.is_packed(weight)
    linear(torch.randn(2, 5, 96), weight)           # two prompts of 5 tokens
    assert not cpu_linear.is_packed(weight)
    linear(torch.randn(65, 1, 96), weight)          # a batch step of more than 64 sequences
    assert not cpu_linear.is_packed(weight)
    linear(torch.randn(4, 1, 96), weight)
    assert cpu_linear.is_packed(weight)


@needs_onednn
def test_chatting_holds_no_second_copy_of_the_weights():
    torch.manual_seed(6)
    model = Transformer(ModelConfig(vocab_size=97, dim=32, n_layers=2, n_heads=4, n_kv_heads=2,
                                    hidden_dim=64, context_length=64)).requires_grad_(False)
    matrices = [m.weight for m in model.modules() if isinstance(m, Linear)]
    assert matrices
    generate(model, list(range(1, 40)), max_new_tokens=5)     # one prompt of 39 tokens
    assert not any(cpu_linear.is_packed(w) for w in matrices)
    generate_batch(model, [[1, 2, 3], [4, 5, 6, 7]], max_new_tokens=3)
    assert all(cpu_linear.is_packed(w) for w in matrices)


@needs_onednn
def test_a_changed_weight_is_packed_again():
    weight, _ = _weights(seed=3)
    x = torch.randn(8, 96)
    linear(x, weight)                              # packs the first numbers
    weight.mul_(-2.0)                              # in place: same storage, new version
    torch.testing.assert_close(linear(x, weight), F.linear(x, weight), **TOL)
    weight.data = torch.randn(48, 96)              # new storage
    torch.testing.assert_close(linear(x, weight), F.linear(x, weight), **TOL)


@needs_onednn
def test_a_copy_goes_with_its_matrix():
    weight, _ = _weights(seed=5)
    linear(torch.randn(4, 96), weight)
    held = len(cpu_linear._packed)
    del weight
    assert len(cpu_linear._packed) == held - 1


def test_training_takes_f_linear_and_gets_gradients():
    torch.manual_seed(4)
    layer = Linear(96, 48, bias=True)
    x = torch.randn(5, 96, requires_grad=True)
    assert not uses_onednn(x, layer.weight)
    layer(x).square().sum().backward()
    weight = layer.weight.detach().clone().requires_grad_(True)
    x2 = x.detach().clone().requires_grad_(True)
    F.linear(x2, weight, layer.bias.detach()).square().sum().backward()
    torch.testing.assert_close(layer.weight.grad, weight.grad)
    torch.testing.assert_close(x.grad, x2.grad)


def test_other_types_and_empty_inputs_take_f_linear():
    weight, _ = _weights()
    assert not uses_onednn(torch.randn(2, 96, dtype=torch.float64), weight.double())
    assert not uses_onednn(torch.randn(2, 96).bfloat16(), weight.bfloat16())
    empty = torch.randn(0, 96)
    assert not uses_onednn(empty, weight)
    assert linear(empty, weight).shape == (0, 48)


@needs_onednn
def test_a_model_gives_the_same_logits_either_way(monkeypatch):
    torch.manual_seed(0)
    model = Transformer(ModelConfig(vocab_size=97, dim=32, n_layers=2, n_heads=4, n_kv_heads=2,
                                    hidden_dim=64, context_length=32)).requires_grad_(False)
    for rows in ([[5, 6, 7]], [[5], [6], [7], [8]]):   # a prompt; a batch of decoding steps
        ids = torch.tensor(rows)
        fast = model(ids).logits
        monkeypatch.setattr(cpu_linear, "ONEDNN", False)
        plain = model(ids).logits
        monkeypatch.setattr(cpu_linear, "ONEDNN", True)
        torch.testing.assert_close(fast, plain, **TOL)
