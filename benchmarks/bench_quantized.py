"""How close the fast path (4-bit weights run as 4-bit) stays to the exact float32 model.

On the 32 chat-formatted questions of _common.QUESTIONS, the exact model writes 64 tokens
greedily; the fast model reads the same text token by token (as it does when it generates)
and writes its own 64 greedy tokens. Printed (lesson_utils.quantized.agreement):

    top-1 agreement   steps where both models put the same token first, of all steps,
                      with a 95% Wilson interval
    max |dp| top-5    the largest gap in probability over the exact model's 5 likeliest tokens
    greedy agreement  prompts whose 64 fast tokens all equal the exact ones, and the length of
                      the shared beginning per prompt
    perplexity        on the first 20,000 characters of the course corpus, windows of 512

tests/test_quantized.py holds the fast path to a bound on a smaller set (3 prompts x 32).

    python benchmarks/bench_quantized.py [--quick]
"""

from __future__ import annotations

import math
import time

import _common as C


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% interval for a rate k / n (Wilson score interval)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main():
    args = C.quick_args(__doc__, "4 prompts x 16 tokens, 2,000 characters of corpus")
    torch = C.setup_torch()
    from lesson_utils.corpus import load_corpus
    from lesson_utils.quantized import agreement, fast_transformer_from_gguf
    from lesson_utils.tokenizers import get_tokenizer
    from lesson_utils.weights import load_transformer

    say = C.Report()
    exact, fast = load_transformer(device="cpu"), fast_transformer_from_gguf()
    questions = C.QUESTIONS[:4] if args.quick else C.QUESTIONS
    new_tokens = 16 if args.quick else 64
    chars = 2_000 if args.quick else 20_000
    prompts = [C.chat_prompt_ids(q) for q in questions]
    text = get_tokenizer("smollm2").encode(load_corpus()[:chars])
    say(f"bench_quantized: {len(prompts)} prompts x {new_tokens} greedy tokens, perplexity on "
        f"{len(text)} corpus tokens, {torch.get_num_threads()} threads")

    start = time.perf_counter()
    r = agreement(exact, fast, prompts, new_tokens=new_tokens, text_ids=text, window=512)
    seconds = time.perf_counter() - start
    k, n = r["top1_agree"], r["top1_steps"]
    low, high = wilson(k, n)
    whole = sum(g == new_tokens for g in r["greedy_same_prefix"])
    say(f"top-1 agreement per step: {k} / {n} = {k / n:.1%} (95% interval {low:.1%} to {high:.1%})")
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
