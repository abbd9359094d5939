"""A tiny GPT, small enough to train from scratch on a laptop CPU in a minute.

The same plan as SmolLM2 (notebook 00), minus a few refinements, so that it reads in
one sitting: token + position embeddings, a stack of blocks (attention, then an MLP,
each added to the residual stream), a final norm, and a read-out tied to the token table.

    config = TinyConfig(vocab_size=512)
    model = TinyGPT(config)
    logits, loss = model(ids, targets)          # ids, targets: (B, T) token ids
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..inputs import whole_number
from ..llm.likelihood import token_logprobs


@dataclass(frozen=True)
class TinyConfig:
    vocab_size: int
    context: int = 64          # the most tokens the model sees at once
    dim: int = 64              # width of every vector
    n_layers: int = 2
    n_heads: int = 4

    def __post_init__(self):
        for name in ("vocab_size", "context", "dim", "n_layers", "n_heads"):
            value = getattr(self, name)
            whole_number(name, value, low=1)
        if self.dim % self.n_heads:
            raise ValueError(f"dim ({self.dim}) must be divisible by n_heads ({self.n_heads})")


class SelfAttention(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.n_heads = config.n_heads
        self.qkv = nn.Linear(config.dim, 3 * config.dim)
        self.out = nn.Linear(config.dim, config.dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)                             # 3 × (B, T, D)
        q, k, v = (t.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)         # (B, H, T, D/H)
        return self.out(y.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(config.dim)
        self.attn = SelfAttention(config)
        self.norm2 = nn.LayerNorm(config.dim)
        self.mlp = nn.Sequential(nn.Linear(config.dim, 4 * config.dim), nn.GELU(),
                                 nn.Linear(4 * config.dim, config.dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TinyGPT(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.config = config
        self.token_embed = nn.Embedding(config.vocab_size, config.dim)
        self.position_embed = nn.Embedding(config.context, config.dim)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(config.dim)
        self.apply(self._init)

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, ids: torch.Tensor, targets: torch.Tensor | None = None):
        """ids (B, T) -> logits (B, T, V), and the mean cross-entropy loss if targets (B, T) are given."""
        B, T = ids.shape
        if T > self.config.context:
            raise ValueError(f"{T} tokens is more than the model's context of {self.config.context}")
        positions = torch.arange(T, device=ids.device)
        x = self.token_embed(ids) + self.position_embed(positions)           # (B, T, D)
        for block in self.blocks:
            x = block(x)
        logits = self.norm(x) @ self.token_embed.weight.T                    # (B, T, V), tied read-out
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, ids: list[int], n: int, temperature: float = 1.0, seed: int = 0) -> list[int]:
        """Continue `ids` by n tokens, sampling at `temperature` (0 = greedy); returns the new ids."""
        generator = torch.Generator().manual_seed(seed)
        device = self.token_embed.weight.device
        out = list(ids)
        for _ in range(n):
            context = torch.tensor([out[-self.config.context:]], device=device)
            logits = self(context)[0][0, -1].float().cpu()
            if temperature == 0:
                token = int(logits.argmax())
            else:
                token = int(torch.multinomial((logits / temperature).softmax(-1), 1, generator=generator))
            out.append(token)
        return out[len(ids):]


@torch.no_grad()
def sample_batch(model: TinyGPT, prompt_ids: list[int], n: int, length: int, generator: torch.Generator,
                 temperature: float = 1.0) -> torch.Tensor:
    """n samples of `length` new tokens after the prompt, side by side -> ids (n, P + length), on the CPU.

    Like generate(), the model sees only the last `context` tokens at each step (a sliding window).
    While the text fits in the context, each step reads only the newest token and keeps every
    block's keys and values for the next (last_logits); past it, each step reads the whole window.
    """
    if temperature <= 0:
        raise ValueError("temperature must be > 0 for sampling; use generate(temperature=0) for greedy")
    if len(prompt_ids) == 0:
        raise ValueError("the prompt has no tokens: sampling needs at least one to continue")
    device = model.token_embed.weight.device
    ids = torch.tensor([prompt_ids] * n)
    cache = [None] * len(model.blocks)
    for _ in range(length):
        T = ids.shape[1]
        if T <= model.config.context:
            new = ids if T == len(prompt_ids) else ids[:, -1:]           # the prompt, then one token
            logits = last_logits(model, new.to(device), cache, start=T - new.shape[1])
        else:
            logits = model(ids[:, -model.config.context:].to(device))[0][:, -1]
        probs = (logits.float().cpu() / temperature).softmax(-1)          # (n, V)
        ids = torch.cat([ids, torch.multinomial(probs, 1, generator=generator)], dim=1)
    return ids


def last_logits(model: TinyGPT, ids: torch.Tensor, cache: list, start: int) -> torch.Tensor:
    """The model's forward pass for ids (B, t) at positions start .. start + t - 1, the earlier
    positions' keys and values taken from `cache` (one (k, v) per block, None at first) and the new
    ones added to it -> the logits of the last position (B, V). The computation of TinyGPT.forward and
    SelfAttention.forward for the new positions only; the sums may round differently (float32)."""
    B, t = ids.shape
    if t > 1 and start > 0:
        raise ValueError("last_logits reads several new positions only at the start (start=0)")
    x = model.token_embed(ids) + model.position_embed(torch.arange(start, start + t, device=ids.device))
    for i, block in enumerate(model.blocks):
        attn, D = block.attn, x.shape[-1]
        q, k, v = attn.qkv(block.norm1(x)).split(D, dim=-1)
        q, k, v = (z.view(B, t, attn.n_heads, D // attn.n_heads).transpose(1, 2) for z in (q, k, v))
        if cache[i] is not None:                                          # earlier positions first
            k, v = torch.cat([cache[i][0], k], dim=2), torch.cat([cache[i][1], v], dim=2)
        cache[i] = (k, v)
        # Several new positions only at the start (the prompt): each sees itself and those before.
        # One new position sees every cached one, so it needs no mask.
        y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
        x = x + attn.out(y.transpose(1, 2).reshape(B, t, D))
        x = x + block.mlp(block.norm2(x))
    return model.norm(x[:, -1]) @ model.token_embed.weight.T


def continuation_logprobs(model: TinyGPT, ids: torch.Tensor, n_prompt: int) -> torch.Tensor:
    """log P of each token after the first n_prompt: ids (n, T) -> (n, T - n_prompt).

    Keeps gradients if the model has them."""
    logits = model(ids[:, :-1])[0]                                         # (n, T - 1, V)
    return token_logprobs(logits, ids[:, 1:])[:, n_prompt - 1:]            # (n, T - n_prompt)


def batches(data: torch.Tensor, batch_size: int, context: int, generator: torch.Generator):
    """Endless random training batches from a 1-D tensor of token ids: (x, y), y = x shifted by one."""
    if len(data) <= context + 1:
        raise ValueError(f"the data has {len(data)} tokens; it needs more than context + 1 = {context + 1}")
    while True:
        starts = torch.randint(0, len(data) - context - 1, (batch_size,), generator=generator)
        x = torch.stack([data[s:s + context] for s in starts.tolist()])
        y = torch.stack([data[s + 1:s + context + 1] for s in starts.tolist()])
        yield x, y


@torch.no_grad()
def evaluate(model: TinyGPT, data: torch.Tensor, context: int, max_windows: int = 64) -> float:
    """Mean loss over up to `max_windows` evenly spaced windows of `data` (no randomness)."""
    starts = torch.linspace(0, len(data) - context - 2, min(max_windows, len(data) - context - 1)).long()
    x = torch.stack([data[s:s + context] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + context + 1] for s in starts.tolist()])
    device = model.token_embed.weight.device
    return float(model(x.to(device), y.to(device))[1])


def load_checkpoint(path=None, device=None) -> TinyGPT:
    """The tiny GPT saved at `path` (default: the one that ships, assets/tiny_gpt), in eval mode."""
    from ..assets import ASSETS
    checkpoint = torch.load(path or ASSETS / "tiny_gpt" / "checkpoint.pt", map_location="cpu")
    model = TinyGPT(TinyConfig(**checkpoint["config"]))
    model.load_state_dict(checkpoint["state_dict"])
    return model.to(device or "cpu").eval()


def save_tokenizer(bpe, path) -> None:
    """A BPE tokenizer's merges, in the order they were learned, and its split pattern, as JSON."""
    merges = [[a, b, new_id] for (a, b), new_id in bpe.merges.items()]
    Path(path).write_text(json.dumps({"pattern": bpe.pattern, "merges": merges}) + "\n", encoding="utf-8")


def load_tokenizer(path):
    """The BPE tokenizer that save_tokenizer wrote to `path`."""
    from .bpe import BPE
    saved = json.loads(Path(path).read_text(encoding="utf-8"))
    return BPE({(a, b): new_id for a, b, new_id in saved["merges"]}, saved["pattern"])


def load_story_model(device=None):
    """The longer-trained tiny GPT that ships with the project and the tokenizer it was trained with,
    (TinyGPT in eval mode, BPE), both from assets/tiny_gpt (scripts/train_tiny_gpt.py writes them)."""
    from ..assets import ASSETS
    folder = ASSETS / "tiny_gpt"
    model = load_checkpoint(folder / "checkpoint.pt", device)
    tokenizer = load_tokenizer(folder / "tokenizer.json")
    if tokenizer.n_vocab != model.config.vocab_size:
        raise ValueError(f"{folder}: the tokenizer has {tokenizer.n_vocab} tokens but the model reads "
                         f"{model.config.vocab_size}; rebuild both with `python scripts/train_tiny_gpt.py`")
    return model, tokenizer
