"""The matrix product of every layer, routed to the fastest exact float32 code on a CPU.

A layer matrix W (out, in) turns each token's vector x into x @ W.T. PyTorch's default CPU
route for that (`F.linear`, through Intel's MKL) is slow for the shapes a model meets while
it writes: one token, or one token for each of a few prompts, times a large matrix. oneDNN,
the other CPU library inside PyTorch, does the same float32 product faster there:

    x holds                                   route                                       why
    one token of 2-64 sequences (batch step)  oneDNN on a copy of W laid out for batches  fastest there
    anything else (one token, a prompt)       oneDNN on W as it is                        no copy of W

The copy ("packed" weights: the same numbers, reordered into tiles that oneDNN reads in
order) is made the first time a matrix meets a batch step, so it costs memory (4 bytes a
weight again, about 0.4 GB for the chat model) only in programs that decode several prompts
at once. A prompt is read on W as it is even when it has 2 to 64 tokens: packing for it would
hold that copy in every program that chats, for about 20 ms saved per prompt. If the weights
change (training, a notebook's experiment), the copy is made again.

Only the order of the additions differs from `F.linear`, so the results agree to float32
rounding (`tests/llm/test_cpu_linear.py`). Training needs gradients, which oneDNN's product does
not give, so anything that asks for a gradient takes `F.linear`, as do other devices and types.
`benchmarks/bench_decode.py` and `benchmarks/bench_batch.py` measure the routes side by side.
"""

from __future__ import annotations

import weakref

import torch
import torch.nn.functional as F
from torch import nn

ONEDNN = torch.backends.mkldnn.is_available()
BATCH_ROWS = range(2, 65)       # sequences in a batch step that use the packed copy
PACKED_FOR = 16                 # the batch size oneDNN lays the copy out for

# id(weight) -> (a weak reference to it, its storage address, its version counter, the packed
# copy). Weak: a matrix that is no longer used takes its copy with it.
_packed: dict[int, tuple] = {}


def uses_onednn(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Whether `linear(x, weight)` goes through oneDNN (else through F.linear)."""
    return (ONEDNN and x.device.type == "cpu" and x.numel() > 0 and x.dtype == weight.dtype == torch.float32
            and not x.is_mkldnn and weight.layout == torch.strided
            and not (torch.is_grad_enabled() and (x.requires_grad or weight.requires_grad)))


def packed(weight: torch.Tensor) -> torch.Tensor:
    """oneDNN's batch layout of `weight`, made again whenever the weight has changed."""
    key, stamp = id(weight), (weight.data_ptr(), weight._version)
    held = _packed.get(key)
    if held is None or held[0]() is not weight or held[1:3] != stamp:
        ref = weakref.ref(weight, lambda _, key=key: _packed.pop(key, None))
        held = (ref, *stamp, torch.ops.mkldnn._reorder_linear_weight(weight.detach(), PACKED_FOR))
        _packed[key] = held
    return held[3]


def batch_step(x: torch.Tensor) -> bool:
    """Whether x is one token for each of 2 to 64 sequences: (B, 1, in), or (B, in) vectors."""
    one_each = x.dim() < 3 or x.shape[-2] == 1
    return one_each and x.numel() // x.shape[-1] in BATCH_ROWS


def is_packed(weight: torch.Tensor) -> bool:
    """Whether `weight` has a packed copy now (for tests)."""
    held = _packed.get(id(weight))
    return held is not None and held[0]() is weight


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """x @ weight.T (+ bias), for x of shape (..., in) and weight (out, in)."""
    if not uses_onednn(x, weight):
        return F.linear(x, weight, bias)
    # (A tensor made under torch.inference_mode has no version counter to watch: never packed.)
    w = packed(weight) if batch_step(x) and not weight.is_inference() else weight.detach()
    return torch.ops.mkldnn._linear_pointwise(x, w, None if bias is None else bias.detach(),
                                              "none", [], "")


class Linear(nn.Linear):
    """nn.Linear whose product goes through `linear` above."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return linear(x, self.weight, self.bias)
