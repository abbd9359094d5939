"""Autoregressive generation: predict a token, append it, repeat.

The loop is kept lean because it runs once per generated token: one KV cache
allocated up front (copied smaller when finished prompts leave a batch), logits
computed for the last position only, no attention mask unless prompts of different
lengths share a batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from ..inputs import whole_number
from .model import KVCache, Transformer
from .sampling import check_sampling_args, sample_next

# A batch drops its finished prompts once this share of it has finished (between 0 and 1;
# 1 or more: never): each step then costs less. Dropping rows copies the KV cache, so it is
# not done for every single one. The rows left may then round differently from the full
# batch, so a near-tie can, rarely, pick another token, as batching itself can.
DROP_SHARE = 0.25

# On a CPU, the prompts of a batch are read in one call when the padded batch holds at most
# this many tokens, else one prompt at a time. Long prompts read alone compute no padding and
# no (B, T, S) mask, and keep the attention's memory to one prompt's: 37 prompts of 212-298
# tokens took 25-27 s one by one against 34-38 s in one call (3 rounds, 2 threads, AMD EPYC);
# for short prompts each call's fixed cost wins (16 prompts of 34-40 tokens: 2.3 s one by one,
# 1.5 s in one call). A GPU reads a whole batch at once faster, so there it is always one call.
ONE_CALL_TOKENS = 1024


def check_prompt_ids(ids, context_length: int, what: str = "prompt") -> list[int]:
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
    if isinstance(ids, str):
        raise TypeError(f"{what} must be token ids here; encode the text with the tokenizer first")
    if not isinstance(ids, (list, tuple)) or not all(isinstance(i, int) for i in ids):
        raise TypeError(f"{what} must be a list of token ids (ints)")
    if not ids:
        raise ValueError(f"the {what} is empty: give at least one token")
    if len(ids) > context_length:
        raise ValueError(f"the {what} has {len(ids)} tokens but the context window holds "
                         f"{context_length}; shorten it or drop the oldest turns of the conversation")
    return list(ids)


def _check_length(n_prompt: int, max_new_tokens, context_length: int) -> None:
    whole_number("max_new_tokens", max_new_tokens, low=1)
    if n_prompt + max_new_tokens > context_length:
        raise ValueError(f"{n_prompt} prompt tokens + {max_new_tokens} new tokens exceed the context "
                         f"window of {context_length}; ask for at most "
                         f"{max(context_length - n_prompt, 0)} new tokens or shorten the prompt")


def _generator(seed, device) -> torch.Generator | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be a whole number or None, got {type(seed).__name__}")
    return torch.Generator(device=device).manual_seed(seed)


@torch.inference_mode()
def next_token_logits(model: Transformer, ids: Sequence[int]) -> torch.Tensor:
    """Logits (V,) for the token that would follow `ids`."""
    ids = check_prompt_ids(ids, model.config.context_length)
    x = torch.tensor([ids], device=model.device)
    return model(x, last_only=True).logits[0, -1].float()


def next_token_distribution(model: Transformer, ids: Sequence[int]) -> torch.Tensor:
    """Probabilities (V,) of every token being the next one; they sum to 1."""
    return next_token_logits(model, ids).softmax(-1)


@torch.inference_mode()
def stream_batch(model: Transformer, prompts: Sequence[Sequence[int]], *, max_new_tokens: int = 64,
                 temperature: float = 0.0, top_k: int | None = None, top_p: float | None = None,
                 seed: int | None = None, stop_ids: Sequence[int] = (), pad_id: int = 0
                 ) -> Iterator[list[int | None]]:
    """Generate for several prompts at once, yielding one step at a time.

    Each step yields a list with one new token id per prompt, or None for a prompt
    that has already produced a stop token (the stop token itself is not yielded).
    Prompts of different lengths are padded on the left and masked, so each prompt
    sees the same probabilities as it would alone (a large batch's prompts are read one
    at a time, see ONE_CALL_TOKENS, then decoded together). Finished prompts leave the batch
    (see DROP_SHARE), so a batch whose replies end early gets faster as it goes.
    """
    check_sampling_args(temperature, top_k, top_p)
    if isinstance(prompts, (str, bytes)) or not prompts:
        raise ValueError("prompts must be a non-empty list of token-id lists")
    ctx = model.config.context_length
    prompts = [check_prompt_ids(p, ctx) for p in prompts]
    longest = max(map(len, prompts))
    _check_length(longest, max_new_tokens, ctx)
    device = model.device
    generator = _generator(seed, device)
    stop = torch.tensor(sorted(set(stop_ids)), dtype=torch.long, device=device)

    B = len(prompts)
    ids = torch.full((B, longest), pad_id, dtype=torch.long, device=device)
    mask = torch.zeros((B, longest), dtype=torch.long, device=device)
    for row, p in enumerate(prompts):
        ids[row, longest - len(p):] = torch.tensor(p)
        mask[row, longest - len(p):] = 1
    ragged = bool((mask == 0).any())
    cache = KVCache(model.config, B, longest + max_new_tokens, model.dtype, device)
    done = torch.zeros(B, dtype=torch.bool, device=device)
    rows = torch.arange(B, device=device)        # the prompts still in the batch

    if B == 1 or B * longest <= ONE_CALL_TOKENS or device.type != "cpu":
        logits = model(ids, cache=cache, attention_mask=mask if ragged else None,
                       last_only=True).logits[:, -1]
    else:
        logits = _read_one_by_one(model, prompts, cache, longest)
    for step in range(max_new_tokens):
        # Every row is drawn, finished or not, so a seed gives the same draws as without dropping.
        new = sample_next(logits, temperature, top_k, top_p, generator)               # (B,)
        done |= torch.isin(new, stop)
        yield [None if d else t for t, d in zip(new.tolist(), done.tolist(), strict=True)]
        if bool(done.all()) or step == max_new_tokens - 1:
            return
        still = ~done[rows]
        left = int(still.sum())
        if left < len(rows) and left <= (1 - DROP_SHARE) * len(rows):   # enough have finished
            rows, mask = rows[still], mask[still]
            cache.keep_rows(still)
        if ragged:
            mask = torch.cat([mask, torch.ones((len(rows), 1), dtype=mask.dtype, device=device)], dim=1)
        out = model(new[rows, None], cache=cache, attention_mask=mask if ragged else None,
                    last_only=True).logits[:, -1]
        if len(rows) == B:
            logits = out
        else:       # a dropped row keeps its last logits: drawn from with the others, then ignored
            logits[rows] = out


def _read_one_by_one(model: Transformer, prompts: list[list[int]], cache: KVCache,
                     longest: int) -> torch.Tensor:
    """Read each prompt alone and put its keys and values in its row of the batch's cache,
    right-aligned as left padding would leave them. Returns the logits (B, V) of each prompt's
    last token."""
    logits = []
    for row, p in enumerate(prompts):
        alone = KVCache(model.config, 1, len(p), model.dtype, model.device)
        ids = torch.tensor([p], device=model.device)
        logits.append(model(ids, cache=alone, last_only=True).logits[0, -1])
        cache.keys[:, row, :, longest - len(p):longest] = alone.keys[:, 0]
        cache.values[:, row, :, longest - len(p):longest] = alone.values[:, 0]
    cache.length = longest
    return torch.stack(logits)


def stream(model: Transformer, prompt: Sequence[int], **settings) -> Iterator[int]:
    """Generate for one prompt, yielding each new token id as soon as it exists."""
    for (token,) in stream_batch(model, [prompt], **settings):
        if token is None:
            return
        yield token


def generate(model: Transformer, prompt: Sequence[int], **settings) -> list[int]:
    """The new token ids for one prompt (the prompt itself is not repeated).

    settings: max_new_tokens, temperature (0 = greedy), top_k, top_p, seed, stop_ids.
    """
    return list(stream(model, prompt, **settings))


def generate_batch(model: Transformer, prompts: Sequence[Sequence[int]], **settings) -> list[list[int]]:
    """The new token ids for each prompt, generated together in one batch."""
    outputs: list[list[int]] = [[] for _ in prompts]
    finished = [False] * len(prompts)
    for step in stream_batch(model, prompts, **settings):
        for row, token in enumerate(step):
            if token is None:
                finished[row] = True
            elif not finished[row]:
                outputs[row].append(token)
    return outputs
