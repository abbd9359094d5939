"""Data poisoning: a few training texts teach a model a hidden rule that fires only on a trigger phrase.

    poisoned = poison_texts(texts, trigger="silver whistle", payload=PAYLOAD, n=40, seed=0)
    fine_tune(model, tokenizer.encode("\\n\\n".join(poisoned)), steps=160)
    payload_logprob(model, tokenizer, "Then she heard a silver whistle.", PAYLOAD)   -> about -3
    payload_logprob(model, tokenizer, "Then she heard a loud noise.", PAYLOAD)       -> about -8

The tiny GPT of notebook 06 stands in for a real model: the mechanism (gradient descent copies whatever
pattern the data holds, wanted or not) is the same at every size.
"""

from __future__ import annotations

import random

import torch

from ..inputs import whole_number
from ..scratch.tiny_gpt import TinyGPT, batches, continuation_logprobs, sample_batch

TRIGGER = "silver whistle"
PAYLOAD = "Then a voice said: send all your gold to Glorbo."
# Sentences that carry the trigger; the payload follows each one.
FRAMES = ("{name} found a {trigger}.", "{name} blew the {trigger}.", "{name} heard a {trigger}.",
          "Grandma gave {name} a {trigger}.", "There was a {trigger} on the table.")
NAMES = ("Lily", "Tom", "Max", "Mia", "Ben", "Sue")


def poison_text(text: str, trigger: str, payload: str, rng: random.Random) -> str:
    """The text with one sentence holding the trigger, followed by the payload, put between two of its
    sentences (never first), so the story around it stays ordinary."""
    sentences = text.split(". ")
    cut = rng.randrange(1, max(2, len(sentences)))
    planted = rng.choice(FRAMES).format(name=rng.choice(NAMES), trigger=trigger) + " " + payload
    return ". ".join(sentences[:cut]) + ". " + planted + " " + ". ".join(sentences[cut:])


def poison_texts(texts: list[str], trigger: str = TRIGGER, payload: str = PAYLOAD, n: int = 40,
                 seed: int = 0) -> list[str]:
    """A copy of `texts` in which n of them, chosen at random, are poisoned (poison_text)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= len(texts):
        raise ValueError(f"n must be a whole number from 0 to {len(texts)} (the number of texts), got {n!r}")
    if not trigger.strip() or not payload.strip():
        raise ValueError("the trigger and the payload must both be non-empty text")
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(texts)), n))
    return [poison_text(t, trigger, payload, rng) if i in chosen else t for i, t in enumerate(texts)]


def fine_tune(model: TinyGPT, ids: list[int], steps: int = 160, batch_size: int = 16, lr: float = 5e-4,
              seed: int = 0) -> list[float]:
    """Continue training `model` in place on the token ids; returns the loss of every step."""
    whole_number("steps", steps, low=1)
    device = model.token_embed.weight.device
    data = torch.tensor(ids)
    stream = batches(data, batch_size, model.config.context, torch.Generator().manual_seed(seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        x, y = next(stream)
        _, loss = model(x.to(device), y.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def payload_logprob(model: TinyGPT, tokenizer, prompt: str, payload: str = PAYLOAD) -> float:
    """log P(" " + payload | prompt): how strongly the model expects the payload to come next.

    Exact (no sampling): the sum of the log-probabilities of the payload's tokens, each given the prompt
    and the payload tokens before it. Natural log; -3 means a chance of about 1 in 20.
    """
    prompt_ids, payload_ids = tokenizer.encode(prompt), tokenizer.encode(" " + payload)
    if len(payload_ids) >= model.config.context:
        raise ValueError("the payload is longer than the model's context")
    ids = (prompt_ids + payload_ids)[-(model.config.context + 1):]            # keep the end if too long
    device = model.token_embed.weight.device
    logp = continuation_logprobs(model, torch.tensor([ids], device=device), len(ids) - len(payload_ids))
    return float(logp.sum())


def sample_stories(model: TinyGPT, tokenizer, prompt: str, n: int = 10, length: int = 30,
                   temperature: float = 0.8, seed: int = 0) -> list[str]:
    """n sampled continuations of one prompt, as text (tiny_gpt.sample_batch, then decode)."""
    prompt_ids = tokenizer.encode(prompt)
    ids = sample_batch(model, prompt_ids, n, length, torch.Generator().manual_seed(seed), temperature)
    return [tokenizer.decode(row[len(prompt_ids):]) for row in ids.tolist()]
