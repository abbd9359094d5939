"""The generation loop, one prompt and batched."""

from __future__ import annotations

import pytest
import torch

from lesson_utils.llm import generation
from lesson_utils.llm.generation import (
    generate,
    generate_batch,
    next_token_distribution,
    next_token_logits,
    stream,
    stream_batch,
)

PROMPTS = [
    "Hi",
    "The three primary colours are red, blue and",
    "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return",
    "In 1969, Neil Armstrong became the first person to walk on the Moon. Years later, people still",
]


@pytest.fixture(scope="module")
def prompts(tokenizer):
    ids = [tokenizer.encode(p) for p in PROMPTS]
    assert len({len(p) for p in ids}) == len(ids)          # all of different lengths
    return ids


def greedy_without_cache(model, ids, n):
    """The plainest loop: run the whole sequence again for each new token."""
    ids = list(ids)
    out = []
    with torch.inference_mode():
        for _ in range(n):
            token = int(model(torch.tensor([ids])).logits[0, -1].argmax())
            ids.append(token)
            out.append(token)
    return out


def test_greedy_equals_the_loop_without_cache(model, prompts):
    ids = prompts[1]
    assert generate(model, ids, max_new_tokens=8, temperature=0) == greedy_without_cache(model, ids, 8)


def test_greedy_is_deterministic_and_the_default(model, prompts):
    first = generate(model, prompts[2], max_new_tokens=6)
    assert len(first) == 6
    assert generate(model, prompts[2], max_new_tokens=6, temperature=0) == first
    assert generate(model, prompts[2], max_new_tokens=6, temperature=0, seed=123) == first


def test_seeded_sampling_is_reproducible(model, prompts):
    settings = {"max_new_tokens": 12, "temperature": 1.2}
    a = generate(model, prompts[0], seed=0, **settings)
    b = generate(model, prompts[0], seed=0, **settings)
    c = generate(model, prompts[0], seed=1, **settings)
    assert a == b
    assert a != c


def test_top_k_one_is_greedy(model, prompts):
    greedy = generate(model, prompts[1], max_new_tokens=5, temperature=0)
    assert generate(model, prompts[1], max_new_tokens=5, temperature=1.0, top_k=1, seed=3) == greedy


def test_stop_ids_end_generation_and_are_not_included(model, prompts):
    full = generate(model, prompts[3], max_new_tokens=10, temperature=0)
    # The first token that did not already occur earlier in the output.
    cut = next(i for i in range(2, len(full)) if full[i] not in full[:i])
    stopped = generate(model, prompts[3], max_new_tokens=10, temperature=0, stop_ids=[full[cut]])
    assert stopped == full[:cut]
    assert generate(model, prompts[3], max_new_tokens=10, stop_ids=[full[0]]) == []


def test_stream_yields_the_same_ids_as_generate(model, prompts):
    settings = {"max_new_tokens": 7, "temperature": 0.8, "top_p": 0.9, "seed": 5}
    it = stream(model, prompts[1], **settings)
    assert iter(it) is it                                   # a lazy generator, not a list
    first = next(it)
    ids = [first, *it]
    assert ids == generate(model, prompts[1], **settings)
    steps = list(stream_batch(model, [prompts[1]], **settings))
    assert [s[0] for s in steps] == ids


def test_next_token_distribution(model, prompts):
    probs = next_token_distribution(model, prompts[1])
    assert probs.shape == (model.config.vocab_size,)
    assert probs.sum().item() == pytest.approx(1.0, abs=1e-4)
    with torch.inference_mode():
        expected = model(torch.tensor([prompts[1]])).logits[0, -1].softmax(-1)
    # Float32 rounding only: last_only multiplies one row by the output matrix, the full run T rows,
    # and the two shapes take different product routes (cpu_linear.py).
    torch.testing.assert_close(probs, expected, rtol=1e-4, atol=1e-6)
    assert torch.equal(next_token_logits(model, torch.tensor(prompts[1])).argmax(), probs.argmax())


# ---------------------------------------------------------------- batches

def _recording_sampler(monkeypatch):
    """Wrap sample_next so that the logits of every step are kept."""
    seen = []
    real = generation.sample_next

    def sample_next(logits, *args, **kwargs):
        seen.append(logits.detach().clone())
        return real(logits, *args, **kwargs)

    monkeypatch.setattr(generation, "sample_next", sample_next)
    return seen


@pytest.mark.parametrize("read", ["in one call", "one by one"])
def test_batch_gives_each_prompt_the_probabilities_it_has_alone(model, prompts, monkeypatch, read):
    n = 6
    seen = _recording_sampler(monkeypatch)
    if read == "one by one":        # as a batch of long prompts is read
        monkeypatch.setattr(generation, "ONE_CALL_TOKENS", 0)
    assert (len(prompts) * max(map(len, prompts)) <= generation.ONE_CALL_TOKENS) == (read == "in one call")
    batch = generate_batch(model, prompts, max_new_tokens=n, temperature=0)
    first_step = seen[0].clone()
    batch_probs = torch.stack(seen).softmax(-1)                   # (steps, B, V)
    assert batch_probs.shape == (n, len(prompts), model.config.vocab_size)
    worst = 0.0
    for row, ids in enumerate(prompts):
        seen.clear()
        alone = generate(model, ids, max_new_tokens=n, temperature=0)
        assert batch[row] == alone
        alone_probs = torch.cat(seen).softmax(-1)                 # (steps, V)
        if read == "one by one":    # a prompt read alone gives the very logits it gives alone
            assert torch.equal(first_step[row], seen[0][0])
        worst = max(worst, (batch_probs[:, row] - alone_probs).abs().max().item())
    print(f"\nbatched vs alone: max |dp| over {n} steps = {worst:.2e}")
    assert worst < 1e-4


def test_batch_with_stop_ids_matches_each_prompt_alone(model, prompts):
    stop = [13, 30, 198]                           # ",", ".", "\n"
    settings = {"max_new_tokens": 12, "temperature": 0, "stop_ids": stop}
    batch = generate_batch(model, prompts, **settings)
    assert batch == [generate(model, p, **settings) for p in prompts]
    assert not any(set(out) & set(stop) for out in batch)


def test_stream_batch_marks_finished_prompts_with_none(model, prompts):
    alone = [generate(model, p, max_new_tokens=4, temperature=0) for p in prompts[:2]]
    stop = alone[0][1]                                  # prompt 0 stops at its second token
    assert stop not in alone[1] and stop != alone[0][0]
    steps = list(stream_batch(model, prompts[:2], max_new_tokens=4, temperature=0, stop_ids=[stop]))
    assert [s[0] for s in steps] == [alone[0][0], None, None, None]
    assert [s[1] for s in steps] == alone[1]


def _generate_watching_sizes(model, prompts, settings):
    """generate_batch, and the batch size of every forward call of the model it made."""
    sizes = []
    handle = model.register_forward_pre_hook(lambda module, args: sizes.append(args[0].shape[0]))
    try:
        return generate_batch(model, prompts, **settings), sizes
    finally:
        handle.remove()


@pytest.mark.parametrize("settings", [{"temperature": 0}, {"temperature": 1.0, "seed": 7}])
def test_finished_prompts_leave_the_batch_without_changing_any_reply(model, prompts, monkeypatch, settings):
    settings = {"max_new_tokens": 10, "stop_ids": [13, 30, 198], **settings}
    monkeypatch.setattr(generation, "DROP_SHARE", 2.0)             # never drop: the plain batch
    kept = generate_batch(model, prompts, **settings)
    monkeypatch.setattr(generation, "DROP_SHARE", 1e-9)            # drop as soon as one finishes
    dropped, sizes = _generate_watching_sizes(model, prompts, settings)
    assert dropped == kept
    lengths = sorted(len(out) for out in kept)
    assert lengths[0] < settings["max_new_tokens"] - 1, "no reply ended early: the test shows nothing"
    assert sizes[0] == len(prompts) and min(sizes) < len(prompts)
    assert sizes == sorted(sizes, reverse=True)                   # rows only ever leave


def test_the_shipped_share_drops_rows_of_a_repeated_prompt(model, prompts, monkeypatch):
    """Equal prompts (no padding mask), sampled as notebook 05 does, with DROP_SHARE as shipped."""
    batch = [prompts[1]] * 8
    settings = {"max_new_tokens": 10, "temperature": 1.0, "seed": 3, "stop_ids": [13, 30, 198]}
    monkeypatch.setattr(generation, "DROP_SHARE", 2.0)             # never drop
    kept = generate_batch(model, batch, **settings)
    monkeypatch.undo()
    assert generation.DROP_SHARE < 1
    seen = _recording_sampler(monkeypatch)
    dropped, sizes = _generate_watching_sizes(model, batch, settings)
    assert dropped == kept
    assert sum(len(out) < settings["max_new_tokens"] - 1 for out in kept) >= 2, "too few replies ended early"
    assert all(logits.shape[0] == len(batch) for logits in seen)   # every row is drawn at every step
    assert min(sizes) < len(batch) and sizes == sorted(sizes, reverse=True)


def test_seeded_batch_sampling_is_reproducible(model, prompts):
    settings = {"max_new_tokens": 5, "temperature": 1.0, "seed": 42}
    assert generate_batch(model, prompts, **settings) == generate_batch(model, prompts, **settings)


# ---------------------------------------------------------------- bad input

def test_empty_prompt(model):
    with pytest.raises(ValueError, match="empty"):
        generate(model, [])


def test_prompt_longer_than_the_context_window(model):
    with pytest.raises(ValueError, match="context window holds 8192"):
        generate(model, [1] * 8193)


def test_prompt_plus_new_tokens_beyond_the_context_window(model):
    with pytest.raises(ValueError, match="at most 10 new tokens"):
        generate(model, [1] * 8182, max_new_tokens=11)


@pytest.mark.parametrize("n", [0, -1, 2.5, "10", True])
def test_max_new_tokens_must_be_a_positive_whole_number(model, n):
    with pytest.raises(ValueError, match="max_new_tokens must be a whole number >= 1"):
        generate(model, [1, 2], max_new_tokens=n)


def test_text_instead_of_ids(model):
    with pytest.raises(TypeError, match="encode the text"):
        generate(model, "Hello")


def test_non_integer_ids(model):
    with pytest.raises(TypeError, match="list of token ids"):
        generate(model, [1.0, 2.0])


def test_bad_seed_and_settings(model):
    with pytest.raises(TypeError, match="seed"):
        generate(model, [1, 2], seed="abc", temperature=1.0)
    with pytest.raises(ValueError, match="temperature"):
        generate(model, [1, 2], temperature=-1)
    with pytest.raises(ValueError, match="top_p"):
        generate(model, [1, 2], temperature=1.0, top_p=0)


@pytest.mark.parametrize("bad", [[], "Hi"])
def test_generate_batch_needs_a_list_of_prompts(model, bad):
    with pytest.raises(ValueError, match="non-empty list"):
        generate_batch(model, bad)


def test_generate_batch_checks_every_prompt(model):
    with pytest.raises(ValueError, match="empty"):
        generate_batch(model, [[1, 2], []])
