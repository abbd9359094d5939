"""The fast path: SmolLM2 writing its replies with the GGUF file's own 4-bit numbers.

The file stores each layer matrix in the format Q4_1: every row is cut into blocks of 32
weights, and a block keeps one scale d and one offset m (16-bit floats) and 32 whole
numbers q from 0 to 15 (4 bits each). The weight is d * q + m. (Notebook 00 decodes one
block by hand; `lesson_utils.llm.gguf_file.decode_q4_1_block` does the same for one block.)

`load_transformer()` turns those into float32 (4 bytes a weight, 538 MB in all) so that
every number the notebooks print is computed exactly as transformers computes it. Writing
one token must read every weight once. Here the codes stay 4-bit, and PyTorch's 4-bit
matrix multiply (a *kernel*: one compiled routine) unpacks them inside the multiply, so a
step reads 0.625 bytes a weight (half a byte, and a scale and a zero per 32): 123 MB
instead of 538. The price: the vector going into each matrix product is rounded to
bfloat16 (8 significant bits, about 1 part in 256).

Reading a prompt is different work: many tokens at once, so the time goes into arithmetic,
not into reading memory, and there the 4-bit kernel is slower than float32. So each layer
has two routes, chosen by how many tokens per sequence come in:

    one token (writing: a decoding step)   the 4-bit kernel
    several tokens (reading a prompt)      float32, on the file's exact matrix rebuilt from
                                           the codes: the same numbers as the exact model

`tests/llm/test_quantized.py` holds the fast path to the exact one; `benchmarks/bench_decode.py`
and `benchmarks/bench_quantized.py` measure its speed and accuracy.

    exact = load_transformer()               # float32: the default, the numbers that are taught
    fast = load_fast_transformer()           # 4-bit steps: the same next token at ~98% of steps

Only the CPU has this 4-bit kernel. On a GPU the float32 model is already fast, and
`load_fast_transformer` returns it. Code that reads a layer's `.weight` (the logit lens,
embeddings) gets the exact float32 matrix, rebuilt from the codes on each access.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .cpu_linear import linear
from .model import Transformer, rope_tables

GROUP = 32          # weights per block: one scale and one offset each
CENTRE = 8          # the kernel computes (q - 8) * scale + zero, so zero = m + 8 * d


# ---------------------------------------------------------------- the file's blocks

def q4_1_blocks(raw: np.ndarray, rows: int, cols: int):
    """Split Q4_1 bytes into codes q (rows, cols) from 0 to 15, and scales d and offsets m
    (rows, cols / 32) as float32: the weight in row r, column c is d[r, c // 32] * q[r, c] + m[r, c // 32].

    One block is 20 bytes: d (float16), m (float16), then 16 bytes holding 32 codes: byte j
    holds code j in its low 4 bits and code j + 16 in its high 4 bits (byte 0x5A: code 10,
    and code 5 sixteen places later).
    """
    raw = np.ascontiguousarray(raw)
    if cols % GROUP or raw.size != rows * cols // GROUP * 20:
        raise ValueError(f"{raw.size} bytes are not Q4_1 blocks of a {rows} x {cols} matrix "
                         f"(columns a multiple of {GROUP}, 20 bytes per {GROUP} weights)")
    blocks = raw.reshape(rows, cols // GROUP, 20)
    d = blocks[..., 0:2].copy().view(np.float16)[..., 0].astype(np.float32)
    m = blocks[..., 2:4].copy().view(np.float16)[..., 0].astype(np.float32)
    packed = blocks[..., 4:]
    codes = np.concatenate([packed & 0x0F, packed >> 4], axis=-1).reshape(rows, cols)
    return codes, d, m


def q8_0_blocks(raw: np.ndarray, rows: int, cols: int):
    """Split Q8_0 bytes into codes (rows, cols) from -128 to 127 and scales (rows, cols / 32):
    one block is d (float16) then 32 signed bytes; the weight is d * q."""
    raw = np.ascontiguousarray(raw)
    if cols % GROUP or raw.size != rows * cols // GROUP * 34:
        raise ValueError(f"{raw.size} bytes are not Q8_0 blocks of a {rows} x {cols} matrix")
    blocks = raw.reshape(rows, cols // GROUP, 34)
    d = blocks[..., 0:2].copy().view(np.float16)[..., 0].astype(np.float32)
    codes = blocks[..., 2:].copy().view(np.int8).reshape(rows, cols)
    return codes, d


# ---------------------------------------------------------------- the modules

def _one_token_each(x: torch.Tensor) -> bool:
    """True for the input of a decoding step: (..., 1, features), one new token per sequence."""
    if x.device.type != "cpu":
        raise ValueError(f"the fast model runs on the CPU only (got a tensor on {x.device}); "
                         "on a GPU use load_transformer() or load_chat_model()")
    return x.dim() < 2 or x.shape[-2] == 1


class Int4Linear(nn.Module):
    """y = x @ W.T for a W held as 4-bit codes with a scale and an offset per 32 weights.

    Holds:  packed          the codes, two to a byte, in the order PyTorch's 4-bit kernel reads
                            them (that order depends on the CPU's instruction set)
            scale_and_zero  (in / 32, out, 2) bfloat16, the kernel's form of d and m
            nibbles         the codes again, two to a byte in a plain order (code j and j + in / 2)
            scale, offset   (out, in / 32) float16: the file's own d and m

    One token per sequence (x of shape (..., 1, in)) runs the 4-bit kernel; several tokens run
    float32 on dequantized(), the file's exact matrix.
    """

    def __init__(self, codes: torch.Tensor, scale: torch.Tensor, offset: torch.Tensor):
        super().__init__()
        out_features, in_features = codes.shape
        if in_features % GROUP or codes.min() < 0 or codes.max() > 15:
            raise ValueError("codes must be whole numbers 0..15 in rows a multiple of 32 long")
        if scale.shape != (out_features, in_features // GROUP) or offset.shape != scale.shape:
            raise ValueError(f"scale and offset must have shape {(out_features, in_features // GROUP)}")
        self.in_features, self.out_features = in_features, out_features
        codes = codes.to(torch.uint8)
        scale, offset = scale.to(torch.float16), offset.to(torch.float16)     # as in the file
        zero = offset.float() + CENTRE * scale.float()                           # (out, in / 32)
        scale_and_zero = torch.stack([scale.float(), zero], dim=-1).transpose(0, 1)
        self.register_buffer("packed", torch._convert_weight_to_int4pack_for_cpu(codes.to(torch.int32), 1))
        self.register_buffer("scale_and_zero", scale_and_zero.to(torch.bfloat16).contiguous())
        half = in_features // 2
        self.register_buffer("nibbles", (codes[:, :half] | (codes[:, half:] << 4)).contiguous())
        self.register_buffer("scale", scale.contiguous())
        self.register_buffer("offset", offset.contiguous())

    @classmethod
    def from_float(cls, weight: torch.Tensor) -> Int4Linear:
        """Quantize a float matrix as Q4_1 does: per block of 32, offset = the smallest weight,
        scale = (largest - smallest) / 15, code = the nearest of the 16 steps."""
        out_features, in_features = weight.shape
        blocks = weight.float().reshape(out_features, in_features // GROUP, GROUP)
        low, high = blocks.amin(-1), blocks.amax(-1)
        scale = ((high - low) / 15).clamp(min=1e-12)
        codes = ((blocks - low[..., None]) / scale[..., None]).round().clamp(0, 15)
        return cls(codes.reshape(out_features, in_features), scale, low)

    def dequantized(self) -> torch.Tensor:
        """The matrix (out, in) as float32: d * q + m, the numbers the exact model holds."""
        codes = torch.cat([self.nibbles & 0x0F, self.nibbles >> 4], dim=1)    # (out, in)
        blocks = codes.view(self.out_features, -1, GROUP).to(torch.float32)
        weight = blocks * self.scale.float()[..., None] + self.offset.float()[..., None]
        return weight.view(self.out_features, self.in_features)

    @property
    def weight(self) -> torch.Tensor:
        """The float32 matrix, rebuilt on each access, for code that reads a layer's weights."""
        return self.dequantized()

    def nbytes(self) -> int:
        return sum(b.numel() * b.element_size() for b in self.buffers())

    def kernel_nbytes(self) -> int:
        """Bytes a decoding step reads: the packed codes and the kernel's scales and zeros."""
        return sum(b.numel() * b.element_size() for b in (self.packed, self.scale_and_zero))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _one_token_each(x):
            return linear(x, self.dequantized())            # reading a prompt: exact, float32
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
        y = torch._weight_int4pack_mm_for_cpu(flat, self.packed, GROUP, self.scale_and_zero)
        return y.to(torch.float32).reshape(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, 4-bit, groups of {GROUP}"


class Int8Embedding(nn.Module):
    """The token table kept as the file's 8-bit codes and a scale per 32: a lookup multiplies
    out only the rows it needs, giving the same float32 numbers as the exact model's table."""

    def __init__(self, codes: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.register_buffer("codes", codes.to(torch.int8))          # (V, D)
        self.register_buffer("scale", scale.to(torch.float32))       # (V, D / 32)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        codes = self.codes[ids].to(torch.float32)                     # (..., D)
        scale = self.scale[ids].repeat_interleave(GROUP, dim=-1)      # (..., D)
        return scale * codes

    def table(self) -> torch.Tensor:
        """The whole table (V, D) as float32, equal to the exact model's embed.weight."""
        return self.codes.to(torch.float32) * self.scale.repeat_interleave(GROUP, dim=-1)

    @property
    def weight(self) -> torch.Tensor:
        """table(), rebuilt on each access, for code that reads the token table directly."""
        return self.table()

    def nbytes(self) -> int:
        return sum(b.numel() * b.element_size() for b in self.buffers())


class ReadOut(nn.Module):
    """The scores for every token: x @ table.T, with the token table (tied to the embedding).

    A decoding step multiplies by a bfloat16 copy of the table (57 MB to read, not 113). Several
    tokens at once multiply by the exact float32 table, rebuilt from the embedding's 8-bit codes.
    A 4-bit copy was tried: it picked another top token at 29 of 320 steps, bfloat16 at 2.
    """

    def __init__(self, embedding: Int8Embedding):
        super().__init__()
        self.embedding = [embedding]          # a list, so that its buffers are not counted twice
        self.register_buffer("weight", embedding.table().to(torch.bfloat16).contiguous())

    def nbytes(self) -> int:
        return self.weight.numel() * self.weight.element_size()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _one_token_each(x):
            return linear(x, self.embedding[0].table())     # the exact model's route and numbers
        return F.linear(x.to(torch.bfloat16), self.weight).to(torch.float32)


# ---------------------------------------------------------------- building the fast model

def fast_transformer_from_gguf(gguf_path: Path | None = None) -> Transformer:
    """SmolLM2 on the CPU with every layer matrix 4-bit as in the file, the token table 8-bit as
    in the file, and the read-out (the same table, tied) in bfloat16 for decoding steps."""
    from .weights import find_model_file, gguf_reader, read_config, undo_rope_permutation

    reader = gguf_reader(Path(gguf_path) if gguf_path else find_model_file())
    config = read_config(reader)
    tensors = {t.name: t for t in reader.tensors}
    D, F, V = config.dim, config.hidden_dim, config.vocab_size
    H, K, hd = config.n_heads, config.n_kv_heads, config.head_dim

    def blocks_of(name, rows, cols, n_heads=None):
        tensor = tensors[name]
        if tensor.tensor_type.name != "Q4_1":
            raise ValueError(f"{name} is stored as {tensor.tensor_type.name}; the fast path reads Q4_1")
        codes, d, m = q4_1_blocks(tensor.data, rows, cols)
        if n_heads is not None:        # the same reordering of rows as the exact model's
            codes = undo_rope_permutation(codes, n_heads)
            d, m = undo_rope_permutation(d, n_heads), undo_rope_permutation(m, n_heads)
        return codes, d, m

    def linear(*parts):
        codes, d, m = (torch.from_numpy(np.concatenate(p)) for p in zip(*parts, strict=True))
        return Int4Linear(codes, d, m)

    def vector(name):
        return torch.from_numpy(np.array(tensors[name].data, dtype=np.float32))

    with torch.device("meta"):
        model = Transformer(config)
    for i, block in enumerate(model.blocks):
        p = f"blk.{i}."
        block.attn.qkv = linear(blocks_of(p + "attn_q.weight", H * hd, D, H),
                                blocks_of(p + "attn_k.weight", K * hd, D, K),
                                blocks_of(p + "attn_v.weight", K * hd, D))
        block.attn.out = linear(blocks_of(p + "attn_output.weight", D, H * hd))
        block.ffn.gate_up = linear(blocks_of(p + "ffn_gate.weight", F, D),
                                   blocks_of(p + "ffn_up.weight", F, D))
        block.ffn.down = linear(blocks_of(p + "ffn_down.weight", D, F))
        block.attn_norm.weight = nn.Parameter(vector(p + "attn_norm.weight"), requires_grad=False)
        block.ffn_norm.weight = nn.Parameter(vector(p + "ffn_norm.weight"), requires_grad=False)
    model.norm.weight = nn.Parameter(vector("output_norm.weight"), requires_grad=False)

    embedding = tensors["token_embd.weight"]
    if embedding.tensor_type.name != "Q8_0":
        raise ValueError(f"token_embd.weight is stored as {embedding.tensor_type.name}; "
                         "the fast path reads Q8_0")
    codes, d = (torch.from_numpy(a) for a in q8_0_blocks(embedding.data, V, D))
    model.embed = Int8Embedding(codes, d)
    model.output = ReadOut(model.embed)
    model.rope_cos, model.rope_sin = rope_tables(config)
    return model.eval()


def load_fast_transformer(gguf_path: Path | None = None, device=None) -> Transformer:
    """The fast model on the CPU; on a GPU, the float32 model (it has no need of 4 bits)."""
    from .weights import load_transformer, pick_device
    if pick_device(device).type != "cpu":
        return load_transformer(gguf_path, device=device)
    return fast_transformer_from_gguf(gguf_path)


def model_bytes(model: Transformer) -> int:
    """Bytes of weights a model holds (parameters and weight buffers, not the RoPE tables)."""
    tables = {id(model.rope_cos), id(model.rope_sin)}
    tensors = [*model.parameters(), *(b for b in model.buffers() if id(b) not in tables)]
    return sum(t.numel() * t.element_size() for t in tensors)


def is_fast(model: Transformer) -> bool:
    """True for a model built by fast_transformer_from_gguf()."""
    return isinstance(model.embed, Int8Embedding)


# ---------------------------------------------------------------- how close to the exact model

@torch.inference_mode()
def agreement(exact: Transformer, fast: Transformer, prompts: list[list[int]], new_tokens: int = 64,
              text_ids: list[int] | None = None, window: int = 512) -> dict:
    """How far the fast model's predictions are from the exact model's, on prompts (token ids).

    For each prompt the exact model writes `new_tokens` greedily; both models then read that
    text (the fast one token by token, as it does when it generates), and at each step we compare
        top1:       whether both give the same most likely token (counts: agree, steps, and
                    per prompt)
        max_dp:     the largest |p_exact - p_fast| over the exact model's 5 most likely tokens
    and the fast model also writes its own greedy text:
        greedy:     per prompt, how many of the first `new_tokens` tokens equal the exact ones
                    before the first difference
    On `text_ids` (a plain text, in windows of `window` tokens) both give a perplexity: the
    exact model reads each window at once, the fast one token by token (at once, it would take
    its exact prompt route and measure nothing of the 4-bit steps).
    """
    from .generation import generate
    agree = steps = 0
    max_dp = 0.0
    greedy, per_prompt = [], []
    for prompt in prompts:
        reference = generate(exact, prompt, max_new_tokens=new_tokens)
        ids = torch.tensor([prompt + reference])
        start = len(prompt) - 1                      # the logits that predict the reply
        p_exact = exact(ids).logits[0, start:-1].softmax(-1)
        p_fast = _step_by_step(fast, prompt, reference).softmax(-1)
        same = int((p_exact.argmax(-1) == p_fast.argmax(-1)).sum())
        per_prompt.append((same, len(reference)))
        agree += same
        steps += len(reference)
        top = p_exact.topk(5, dim=-1).indices
        max_dp = max(max_dp, float((p_exact.gather(1, top) - p_fast.gather(1, top)).abs().max()))
        own = generate(fast, prompt, max_new_tokens=new_tokens)
        greedy.append(next((i for i, (a, b) in enumerate(zip(reference, own, strict=False)) if a != b),
                           min(len(reference), len(own))))
    result = {"top1_agree": agree, "top1_steps": steps, "top1_per_prompt": per_prompt, "max_dp_top5": max_dp,
              "greedy_same_prefix": greedy, "new_tokens": new_tokens}
    if text_ids:
        result["perplexity_exact"] = _perplexity(exact, text_ids, window)
        result["perplexity_fast"] = _perplexity(fast, text_ids, window, step_by_step=True)
    return result


def _step_by_step(model: Transformer, prompt: list[int], reply: list[int]) -> torch.Tensor:
    """Logits (len(reply), V) predicting each token of `reply`, read as generation reads it:
    the prompt at once, then one token at a time through the KV cache."""
    from .model import KVCache
    cache = KVCache(model.config, 1, len(prompt) + len(reply), model.dtype, model.device)
    rows = [model(torch.tensor([prompt]), cache=cache, last_only=True).logits[0, -1]]
    for token in reply[:-1]:
        rows.append(model(torch.tensor([[token]]), cache=cache).logits[0, -1])
    return torch.stack(rows)


def _perplexity(model: Transformer, ids: list[int], window: int, step_by_step: bool = False) -> float:
    total, count = 0.0, 0
    for first in range(0, len(ids) - 1, window):
        chunk = ids[first:first + window + 1]
        if len(chunk) < 2:
            break
        if step_by_step:
            logits = _step_by_step(model, chunk[:1], chunk[1:])
        else:
            logits = model(torch.tensor([chunk[:-1]])).logits[0]
        total += float(F.cross_entropy(logits, torch.tensor(chunk[1:]), reduction="sum"))
        count += len(chunk) - 1
    return float(np.exp(total / count))
