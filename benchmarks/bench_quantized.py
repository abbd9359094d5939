"""How close the fast path (4-bit weights run as 4-bit) stays to the exact float32 model.

On the 32 chat-formatted questions of _common.QUESTIONS, the exact model writes 64 tokens
greedily; the fast model reads the same text token by token (as it does when it generates)
and writes its own 64 greedy tokens. Printed (lesson_utils.llm.quantized.agreement):

    top-1 agreement   steps where both models put the same token first, of all steps, with
                      a 95% interval from a bootstrap over prompts (the steps of one prompt
                      are not independent of each other, so prompts are resampled, not steps)
    max |dp| top-5    the largest gap in probability over the exact model's 5 likeliest tokens
    greedy agreement  prompts whose 64 fast tokens all equal the exact ones, and the length of
                      the shared beginning per prompt
    perplexity        on the first 8,000 characters of the course corpus, windows of 512: the
                      exact model reads a window at once, the fast one token by token

tests/llm/test_quantized.py holds the fast path to a bound on a smaller set (2 questions and a
~100-token prompt, x 24 tokens).

    python benchmarks/bench_quantized.py [--quick]
"""

from __future__ import annotations

import time

import _common as C


def bootstrap_over_prompts(per_prompt: list[tuple[int, int]], draws: int = 10_000,
                           seed: int = 0) -> tuple[float, float]:
    """95% interval of the pooled rate sum(agree) / sum(steps), resampling whole prompts."""
    import numpy as np
    counts = np.array(per_prompt, dtype=float)                      # (prompts, 2)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(counts), size=(draws, len(counts)))
    rates = counts[picks, 0].sum(1) / counts[picks, 1].sum(1)
    low, high = np.quantile(rates, [0.025, 0.975])
    return float(low), float(high)


def main():
    args = C.quick_args(__doc__, "4 prompts x 16 tokens, 2,000 characters of corpus")
    torch = C.setup_torch()
    from lesson_utils.assets import load_corpus
    from lesson_utils.llm.quantized import agreement, fast_transformer_from_gguf
    from lesson_utils.llm.tokenizers import get_tokenizer
    from lesson_utils.llm.weights import load_transformer

    say = C.Report()
    exact, fast = load_transformer(device="cpu"), fast_transformer_from_gguf()
    questions = C.QUESTIONS[:4] if args.quick else C.QUESTIONS
    new_tokens = 16 if args.quick else 64
    chars = 2_000 if args.quick else 8_000
    prompts = [C.chat_prompt_ids(q) for q in questions]
    text = get_tokenizer("smollm2").encode(load_corpus()[:chars])
    say(f"bench_quantized: {len(prompts)} prompts x {new_tokens} greedy tokens, perplexity on "
        f"{len(text)} corpus tokens, {torch.get_num_threads()} threads")

    start = time.perf_counter()
    r = agreement(exact, fast, prompts, new_tokens=new_tokens, text_ids=text, window=512)
    seconds = time.perf_counter() - start
    k, n = r["top1_agree"], r["top1_steps"]
    low, high = bootstrap_over_prompts(r["top1_per_prompt"])
    whole = sum(g == new_tokens for g in r["greedy_same_prefix"])
    say(f"top-1 agreement per step: {k} / {n} = {k / n:.1%} over {len(prompts)} prompts "
        f"(95% interval {low:.1%} to {high:.1%}, bootstrap over prompts)")
    say(f"max |p_exact - p_fast| over the exact top-5: {r['max_dp_top5']:.3f}")
    say(f"greedy: all {new_tokens} tokens the same on {whole} of {len(prompts)} prompts; "
        f"shared beginning per prompt: {r['greedy_same_prefix']}")
    say(f"perplexity: exact {r['perplexity_exact']:.3f}, fast {r['perplexity_fast']:.3f} "
        f"({r['perplexity_fast'] / r['perplexity_exact'] - 1:+.2%})")
    say(f"({seconds:.0f} s)")
    C.save("quantized", {"machine": C.machine_info(), "questions": len(prompts), "new_tokens": new_tokens,
                         "corpus_tokens": len(text), "result": r, "top1_interval_95": [low, high],
                         "greedy_whole": whole, "seconds": seconds}, say.text, args.quick)


if __name__ == "__main__":
    main()
