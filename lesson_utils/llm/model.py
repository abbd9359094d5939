"""The whole SmolLM2 network in one readable file.

SmolLM2-135M uses the Llama architecture. Reading top to bottom:

    token ids ──► embedding ──► 30 × Block ──► RMSNorm ──► tied output matrix ──► logits

and each Block is

    x = x + Attention(RMSNorm(x))      # the tokens look at each other
    x = x + FeedForward(RMSNorm(x))    # each token is processed on its own

Shape letters used in the comments:
    B batch size, T new tokens in this call, S all tokens the new ones may look at
    (cached + new), D model width (576), H query heads (9), K key/value heads (3),
    hd head width (64), V vocabulary size (49152), F feed-forward width (1536).

Nothing here reads files: `lesson_utils.llm.weights` fills a `Transformer` with the
numbers from the GGUF file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# Linear is nn.Linear with a faster route for the same float32 product on a CPU (see cpu_linear.py).
from .cpu_linear import Linear, linear


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 49152       # V: how many different tokens exist
    dim: int = 576                # D: numbers per token inside the model
    n_layers: int = 30            # how many Blocks are stacked
    n_heads: int = 9              # H: query heads per attention layer
    n_kv_heads: int = 3           # K: key/value heads, each shared by H // K query heads
    hidden_dim: int = 1536        # F: width inside the feed-forward block
    rope_base: float = 100000.0   # sets how fast the position rotations turn
    norm_eps: float = 1e-5        # keeps RMSNorm from dividing by zero
    context_length: int = 8192    # the longest sequence the model was trained on

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads


@dataclass
class ModelOutput:
    """What one forward pass returns.

    logits:          (B, T, V), or (B, 1, V) when only the last position was asked for.
    hidden_states:   None, or a list of n_layers + 1 tensors of shape (B, T, D): the
                     embeddings, then the residual stream after each Block (before the
                     final RMSNorm).
    attentions:      None, or a list of n_layers tensors of shape (B, H, T, S): row i of
                     head h says how much new token i takes from each earlier token.
    """

    logits: torch.Tensor
    hidden_states: list[torch.Tensor] | None = None
    attentions: list[torch.Tensor] | None = None


class KVCache:
    """Keys and values of tokens already seen, so generation computes each token once.

    Preallocated for `max_len` positions: appending is a copy into a slice, never a
    torch.cat that would reallocate on every step. keep_rows() makes a smaller copy,
    which briefly holds both.
    """

    def __init__(self, config: ModelConfig, batch_size: int, max_len: int,
                 dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu"):
        if max_len > config.context_length:
            raise ValueError(
                f"a cache of {max_len} positions is longer than the model's context window "
                f"of {config.context_length} tokens; shorten the prompt or generate fewer tokens")
        shape = (config.n_layers, batch_size, config.n_kv_heads, max_len, config.head_dim)
        self.keys = torch.zeros(shape, dtype=dtype, device=device)
        self.values = torch.zeros(shape, dtype=dtype, device=device)
        self.length = 0      # how many positions are filled
        self.max_len = max_len

    def store(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Write this call's k, v (B, K, T, hd); return all of them so far (B, K, S, hd)."""
        end = self.length + k.shape[2]
        self.keys[layer, :, :, self.length:end] = k
        self.values[layer, :, :, self.length:end] = v
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]

    def keep_rows(self, keep: torch.Tensor) -> None:
        """Keep only the sequences where `keep` (B,) is True, e.g. to drop finished ones."""
        self.keys = self.keys[:, keep]
        self.values = self.values[:, keep]


class RMSNorm(nn.Module):
    """Scale each token's vector to root-mean-square 1, then by a learned gain per feature.

    Worked example (gain 1): [3, 4] has RMS sqrt((9 + 16) / 2) = 3.54 -> [0.85, 1.13].
    """

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rms = torch.sqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x / rms * self.weight


def rope_tables(config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of every (position, frequency) angle: two (context_length, hd) tables.

    Feature pair (i, i + hd/2) of a query or key at position p is rotated by the angle
    p * base**(-2i/hd): fast turns for small i, slow turns for large i.
    """
    hd = config.head_dim
    inv_freq = 1.0 / config.rope_base ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    angles = torch.outer(torch.arange(config.context_length, dtype=torch.float64), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)                   # (context_length, hd)
    return angles.cos().float(), angles.sin().float()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x (B, heads, T, hd) by the angles of its positions; cos/sin are (B, 1, T, hd)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    rotated = torch.cat([-x2, x1], dim=-1)   # the 90-degree turn of each (x1, x2) pair
    return x * cos + rotated * sin


class Attention(nn.Module):
    """Grouped-query self-attention: 9 query heads share 3 key/value heads."""

    def __init__(self, config: ModelConfig, layer: int = 0):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.hd = config.n_heads, config.n_kv_heads, config.head_dim
        self.layer = layer                # which block this is: where its keys and values go in a KVCache
        # The query, key and value matrices stacked into one, so one matrix multiply
        # computes all three (the same numbers as three separate ones, and faster).
        self.qkv = Linear(config.dim, (config.n_heads + 2 * config.n_kv_heads) * self.hd, bias=False)
        self.out = Linear(config.n_heads * self.hd, config.dim, bias=False)

    # The three matrices, as views into the stacked one, for notebooks that use them apart.
    @property
    def wq(self) -> torch.Tensor:
        return self.qkv.weight[: self.n_heads * self.hd]                           # (H*hd, D)

    @property
    def wk(self) -> torch.Tensor:
        start = self.n_heads * self.hd
        return self.qkv.weight[start: start + self.n_kv_heads * self.hd]           # (K*hd, D)

    @property
    def wv(self) -> torch.Tensor:
        return self.qkv.weight[(self.n_heads + self.n_kv_heads) * self.hd:]         # (K*hd, D)

    def forward(self, x, rope, mask, cache: KVCache | None = None, want_weights: bool = False):
        """x (B, T, D) -> what attention adds (B, T, D), and the weights (B, H, T, S) if want_weights.

        rope: RoPE's (cos, sin) for these tokens' positions, each (B, 1, T, hd); mask: (B, 1, T, S) or None.
        """
        B, T, _ = x.shape
        cos, sin = rope
        q, k, v = self.qkv(x).split(
            [self.n_heads * self.hd, self.n_kv_heads * self.hd, self.n_kv_heads * self.hd], dim=-1)
        q = q.view(B, T, self.n_heads, self.hd).transpose(1, 2)       # (B, H, T, hd)
        k = k.view(B, T, self.n_kv_heads, self.hd).transpose(1, 2)    # (B, K, T, hd)
        v = v.view(B, T, self.n_kv_heads, self.hd).transpose(1, 2)    # (B, K, T, hd)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            k, v = cache.store(self.layer, k, v)                       # (B, K, S, hd)
        if want_weights:
            y, weights = self.attend(q, k, v, mask)
        else:
            # The same computation as attend(), fused by PyTorch into one call: faster, and
            # it never stores the (T, S) weights. Tests check that both give the same output.
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
            weights = None
        y = y.transpose(1, 2).reshape(B, T, self.n_heads * self.hd)    # (B, T, H*hd)
        return self.out(y), weights

    def attend(self, q, k, v, mask):
        """Attention written out: q (B, H, T, hd), k and v (B, K, S, hd) -> (B, H, T, hd), weights."""
        # Each key/value head serves H // K query heads: repeat it for each of them.
        group = self.n_heads // self.n_kv_heads
        k = k.repeat_interleave(group, dim=1)                          # (B, H, S, hd)
        v = v.repeat_interleave(group, dim=1)                          # (B, H, S, hd)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.hd)          # (B, H, T, S)
        if mask is not None:
            scores = scores + mask                                     # -inf-like where not allowed
        weights = torch.softmax(scores, dim=-1)                        # each row sums to 1
        return weights @ v, weights                                    # (B, H, T, hd), (B, H, T, S)


class FeedForward(nn.Module):
    """SwiGLU: out = down( silu(gate(x)) * up(x) ), applied to each token separately."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.hidden_dim = config.hidden_dim
        # gate and up stacked into one matrix for one multiply, as in Attention.qkv.
        self.gate_up = Linear(config.dim, 2 * config.hidden_dim, bias=False)
        self.down = Linear(config.hidden_dim, config.dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up(x).split(self.hidden_dim, dim=-1)      # 2 × (B, T, F)
        return self.down(F.silu(gate) * up)                            # (B, T, D)


class Block(nn.Module):
    def __init__(self, config: ModelConfig, layer: int = 0):
        super().__init__()
        self.attn_norm = RMSNorm(config.dim, config.norm_eps)
        self.attn = Attention(config, layer)
        self.ffn_norm = RMSNorm(config.dim, config.norm_eps)
        self.ffn = FeedForward(config)

    def forward(self, x, rope, mask, cache=None, want_weights=False):
        a, weights = self.attn(self.attn_norm(x), rope, mask, cache, want_weights)
        x = x + a                                  # residual: add, never replace
        x = x + self.ffn(self.ffn_norm(x))
        return x, weights


class Transformer(nn.Module):
    def __init__(self, config: ModelConfig = ModelConfig()):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.dim)
        self.blocks = nn.ModuleList(Block(config, layer) for layer in range(config.n_layers))
        self.norm = RMSNorm(config.dim, config.norm_eps)
        # None: the read-out is tied to the embedding (the same matrix). The fast path of
        # lesson_utils.llm.quantized puts its own read-out here (a bfloat16 copy for decoding).
        self.output: nn.Module | None = None
        cos, sin = rope_tables(config)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    @property
    def device(self) -> torch.device:
        return self.rope_cos.device

    @property
    def dtype(self) -> torch.dtype:
        """The type of the numbers between the layers (float32 unless converted)."""
        return self.norm.weight.dtype

    def forward(self, ids: torch.Tensor, *, cache: KVCache | None = None,
                attention_mask: torch.Tensor | None = None, last_only: bool = False,
                output_hidden_states: bool = False, output_attentions: bool = False) -> ModelOutput:
        """Run the network on token ids (B, T).

        cache:           a KVCache holding earlier tokens; this call's tokens are appended.
        attention_mask:  (B, S) with 1 for real tokens and 0 for padding, covering the
                         cached tokens and these; lets prompts of different lengths share
                         a batch (pad on the left). Positions count real tokens only.
        last_only:       compute logits for the last position only (what generation needs).
        """
        ids = _check_ids(ids, self.config)
        B, T = ids.shape
        past = cache.length if cache is not None else 0
        S = past + T
        rope, mask = self.rope_and_mask(B, T, past, attention_mask)     # checks that S tokens fit
        if cache is not None and S > cache.max_len:
            raise ValueError(f"the KV cache holds {cache.max_len} positions but {S} are needed; "
                             "make a larger cache")

        x = self.embed(ids)                                            # (B, T, D)
        hidden = [x] if output_hidden_states else None
        attentions = [] if output_attentions else None
        for block in self.blocks:
            x, weights = block(x, rope, mask, cache, output_attentions)
            if output_hidden_states:
                hidden.append(x)
            if output_attentions:
                attentions.append(weights)
        if cache is not None:
            cache.length = S

        if last_only:
            x = x[:, -1:]
        x = self.norm(x)
        if self.output is None:
            logits = linear(x, self.embed.weight)     # tied: the output matrix is the embedding matrix
        else:
            logits = self.output(x)
        return ModelOutput(logits, hidden, attentions)

    def run_blocks(self, x: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Blocks start..stop-1 (to the last by default) on the residual stream x (B, T, D) entering
        block `start`, with the causal mask and no cache. Returns the stream after them, before the final
        norm. What the logit lens and training only the top layers need."""
        stop = self.config.n_layers if stop is None else stop
        if not 0 <= start <= stop <= self.config.n_layers:
            raise ValueError(f"blocks run from start to stop with 0 <= start <= stop <= "
                             f"{self.config.n_layers}; got start={start}, stop={stop}")
        rope, mask = self.rope_and_mask(x.shape[0], x.shape[1])
        for block in self.blocks[start:stop]:
            x, _ = block(x, rope, mask)
        return x

    def rope_and_mask(self, B: int, T: int, past: int = 0, attention_mask=None):
        """What every block needs besides x, for T new tokens after `past` cached ones:
        RoPE's (cos, sin) at each token's position, each (B, 1, T, hd), and the additive mask
        (B, 1, T, S), or None when nothing needs masking (one new token and no padding)."""
        if past + T > self.config.context_length:
            raise ValueError(
                f"{past + T} tokens do not fit in the context window of {self.config.context_length}; "
                "shorten the prompt or drop the oldest turns of the conversation")
        positions, mask = self._positions_and_mask(B, T, past, attention_mask)
        return (self.rope_cos[positions].unsqueeze(1), self.rope_sin[positions].unsqueeze(1)), mask

    def _positions_and_mask(self, B, T, past, attention_mask):
        """Position of each new token (B, T) and the additive mask (B, 1, T, S) or None."""
        device = self.device
        S = past + T
        if attention_mask is None:
            positions = torch.arange(past, S, device=device).expand(B, T)
            if T == 1:
                return positions, None        # one new token may look at everything before it
            allowed = torch.ones(T, S, dtype=torch.bool, device=device).tril(diagonal=past)
            allowed = allowed.expand(B, 1, T, S)
        else:
            attention_mask = torch.as_tensor(attention_mask, device=device)
            if attention_mask.shape != (B, S):
                raise ValueError(f"attention_mask must have shape (batch, cached + new tokens) = "
                                 f"{(B, S)}, got {tuple(attention_mask.shape)}")
            real = attention_mask.bool()
            positions = (real.long().cumsum(-1) - 1).clamp(min=0)[:, past:]
            causal = torch.ones(T, S, dtype=torch.bool, device=device).tril(diagonal=past)
            allowed = causal & real[:, None, None, :]                   # (B, 1, T, S)
            # A padding position may see itself, so its row is never all-masked (no NaN).
            own = torch.arange(past, S, device=device)[:, None] == torch.arange(S, device=device)
            allowed = allowed | own                                     # own: (T, S)
        mask = torch.zeros(allowed.shape, dtype=self.dtype, device=device)
        mask.masked_fill_(~allowed, torch.finfo(mask.dtype).min)
        return positions, mask


def _check_ids(ids, config: ModelConfig) -> torch.Tensor:
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"token ids must be a torch.LongTensor of shape (batch, tokens), got "
                        f"{type(ids).__name__}; use torch.tensor([ids])")
    if ids.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"token ids must be integers, got {ids.dtype}")
    if ids.dim() != 2 or ids.shape[1] == 0:
        raise ValueError(f"token ids must have shape (batch, tokens) with at least one token, "
                         f"got {tuple(ids.shape)}")
    if ids.min() < 0 or ids.max() >= config.vocab_size:
        raise ValueError(f"token ids must lie in 0..{config.vocab_size - 1}; "
                         f"got {int(ids.min())}..{int(ids.max())}")
    return ids
