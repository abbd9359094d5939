"""Batched generation: many prompts at once vs one after the other.

16 different chat-formatted prompts (22 to 51 tokens, padded on the left and masked
inside the batch) each get 64 new tokens, greedy, with no stop token, so every prompt
produces exactly 64:

    batch   lesson_utils.llm.generation.generate_batch(model, prompts, max_new_tokens=64, temperature=0)
    single  lesson_utils.llm.generation.generate(model, p, ...) for each prompt in turn

Both are timed end to end (prefill included) and interleaved in each repetition; the
aggregate speed is all new tokens / seconds. Side check: each prompt's output in the
batch should equal its output alone (fp32 sums in a different order can flip a near-tie
argmax, so a rare difference late in a sequence is numerics, not a bug).

Then a small table of batch sizes 1, 2, 4, 8, 16, 32 (the first B prompts). Last, replies
that end: the same prompts stop at the end-of-turn token, and the batch runs once dropping
its finished prompts (as shipped) and once keeping them, timed interleaved.

    python benchmarks/bench_batch.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse

import _common as C

TARGET_RATIO = 8.0          # issue 21: a batch of 16 at least 8x one prompt at a time
N_PROMPTS = 16
SIZES = (1, 2, 4, 8, 16, 32)


def first_difference(a: list[int], b: list[int]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="16 new tokens, one repetition, small table")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    new_tokens = 16 if args.quick else 64
    sizes = (1, 4, 16) if args.quick else SIZES
    C.WAIT["max_s"] = 10 if args.quick else 120

    torch = C.setup_torch()
    from lesson_utils.llm.generation import generate, generate_batch
    from lesson_utils.llm.weights import load_transformer
    say = C.Report()
    model = load_transformer(device="cpu")
    all_prompts = [C.chat_prompt_ids(q) for q in C.QUESTIONS]
    prompts = all_prompts[:N_PROMPTS]
    say(f"bench_batch: {len(prompts)} prompts of {min(map(len, prompts))}-{max(map(len, prompts))} tokens, "
        f"{new_tokens} new tokens each, greedy, {repeats} repetition(s), {torch.get_num_threads()} threads")
    settings = {"max_new_tokens": new_tokens, "temperature": 0}
    generate_batch(model, prompts[:2], max_new_tokens=2, temperature=0)          # warm-up

    solo_outputs: list[list[int]] = []
    batch_outputs: list[list[int]] = []

    others: list[float] = []

    def one_repetition(rep):
        times = {}

        def run_batch():
            seconds, outs, busy = C.quiet_timed(generate_batch, model, prompts, **settings)
            times["batch_s"] = seconds
            batch_outputs[:] = outs
            others.append(busy)

        def run_solo():
            total, outs = 0.0, []
            for p in prompts:
                seconds, out, busy = C.quiet_timed(generate, model, p, **settings)
                total += seconds
                outs.append(out)
                others.append(busy)
            times["solo_s"] = total
            solo_outputs[:] = outs

        for run in ((run_batch, run_solo) if rep % 2 == 0 else (run_solo, run_batch)):
            run()
        n = len(prompts) * new_tokens
        say(f"  rep {rep + 1}: batch of {len(prompts)} {times['batch_s']:.2f} s "
            f"({n / times['batch_s']:.1f} tokens/s), one by one {times['solo_s']:.2f} s "
            f"({n / times['solo_s']:.1f} tokens/s)")
        return times

    reps = [one_repetition(rep) for rep in range(repeats)]
    n_tokens = len(prompts) * new_tokens
    assert all(len(o) == new_tokens for o in batch_outputs + solo_outputs)
    batch_tps = C.median(n_tokens / r["batch_s"] for r in reps)
    solo_tps = C.median(n_tokens / r["solo_s"] for r in reps)
    ratio = C.median(r["solo_s"] / r["batch_s"] for r in reps)

    differences = [first_difference(b, s) for b, s in zip(batch_outputs, solo_outputs, strict=True)]
    matches = sum(d is None for d in differences)

    say()
    say(f"batch of {len(prompts)}: {batch_tps:.1f} tokens/s aggregate; one prompt at a time: {solo_tps:.1f} "
        f"tokens/s; ratio {ratio:.2f}x (target >= {TARGET_RATIO:.0f}x: "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'})")
    where = ", ".join(f"prompt {i}: token {d}" for i, d in enumerate(differences) if d is not None)
    say(f"correctness: {matches} of {len(prompts)} prompts give the same {new_tokens} tokens in the batch "
        "as alone" + (f"; first differing position of the others: {where}" if where else ""))

    # ------------------------------------------------ batch sizes
    say()
    say("batch sizes (the first B prompts, each interleaved with the others in a repetition):")

    def one_size_repetition(rep):
        times = {}
        for size in (sizes if rep % 2 == 0 else tuple(reversed(sizes))):
            seconds, outs, busy = C.quiet_timed(generate_batch, model, all_prompts[:size], **settings)
            others.append(busy)
            times[f"B{size}"] = seconds
            times[f"B{size}_matches"] = sum(o == s for o, s in zip(outs, solo_outputs, strict=False))
        return times

    size_reps = [one_size_repetition(rep) for rep in range(repeats)]
    table = []
    base = None
    say(f"{'B':>4}{'seconds':>10}{'tokens/s':>11}{'per prompt':>12}{'vs B=1':>9}{'same as alone':>15}")
    for size in sizes:
        seconds = C.median(r[f"B{size}"] for r in size_reps)
        tps = size * new_tokens / seconds
        base = base or tps
        checked = min(size, len(prompts))
        same = size_reps[-1][f"B{size}_matches"]
        table.append({"batch": size, "seconds": seconds, "tokens_per_s": tps, "per_prompt_tokens_per_s":
                      tps / size, "speedup_vs_b1": tps / base, "same_as_alone": same, "checked": checked})
        say(f"{size:>4}{seconds:>10.2f}{tps:>11.1f}{tps / size:>12.1f}{tps / base:>8.2f}x"
            f"{f'{same}/{checked}':>15}")
    say("(same as alone: rows among the first 16 prompts whose output equals the prompt's solo output)")
    say(f"most cores used by other processes during a timed call: {max(others):.2f} "
        f"({C.RETRIES['count']} call(s) redone because others got busier than {C.NOISY_CORES})")

    # ------------------------------------------------ replies that end
    # Real chat replies end at the end-of-turn token, at different steps. The batch drops the
    # finished ones (generation.DROP_SHARE); here the same batch runs with and without that.
    from lesson_utils.llm import generation
    from lesson_utils.llm.chat import END_OF_TURN
    from lesson_utils.llm.tokenizers import get_tokenizer
    stop_ids = [get_tokenizer("smollm2").encode(END_OF_TURN)[0]]
    ending = {"max_new_tokens": 2 * new_tokens, "temperature": 0, "stop_ids": stop_ids}
    say()
    say(f"replies that end: the same {len(prompts)} prompts, at most {2 * new_tokens} new tokens, "
        f"stopping at {END_OF_TURN}; finished prompts dropped from the batch or kept in it:")
    shipped_share = generation.DROP_SHARE
    drop_outputs: dict[str, list[list[int]]] = {}

    def one_drop_repetition(rep):
        times = {}
        for name in (("dropped", "kept") if rep % 2 == 0 else ("kept", "dropped")):
            generation.DROP_SHARE = shipped_share if name == "dropped" else 2.0     # 2.0: never drop
            try:
                seconds, outs, busy = C.quiet_timed(generate_batch, model, prompts, **ending)
            finally:
                generation.DROP_SHARE = shipped_share
            others.append(busy)
            times[name] = seconds
            drop_outputs[name] = outs
        return times

    drop_reps = [one_drop_repetition(rep) for rep in range(repeats)]
    lengths = [len(o) for o in drop_outputs["kept"]]
    per_rep = [(r["kept"], r["dropped"]) for r in drop_reps]
    drop_ratio = C.median(kept / dropped for kept, dropped in per_rep)
    same_drop = sum(a == b for a, b in zip(drop_outputs["dropped"], drop_outputs["kept"], strict=True))
    say(f"  reply lengths {min(lengths)}-{max(lengths)} tokens (mean {sum(lengths) / len(lengths):.0f}); "
        f"kept {C.median(r['kept'] for r in drop_reps):.2f} s, dropped "
        f"{C.median(r['dropped'] for r in drop_reps):.2f} s: {drop_ratio:.2f}x "
        f"(per repetition: {', '.join(f'{kept / dropped:.2f}' for kept, dropped in per_rep)})")
    say(f"  same replies either way: {same_drop} of {len(prompts)}")

    C.save("batch", {"machine": C.machine_info(), "n_prompts": len(prompts), "new_tokens": new_tokens,
                     "prompt_lengths": [len(p) for p in prompts], "repeats": repeats, "runs": reps,
                     "batch_tokens_per_s": batch_tps, "single_tokens_per_s": solo_tps, "ratio": ratio,
                     "target_ratio": TARGET_RATIO, "matches": matches, "first_differences": differences,
                     "sizes": table, "size_runs": size_reps,
                     "ending": {"reply_lengths": lengths, "runs": drop_reps, "ratio": drop_ratio,
                                "same_replies": same_drop, "drop_share": shipped_share},
                     "max_others_cores": max(others), "redone_calls": C.RETRIES["count"]},
           say.text, args.quick)


if __name__ == "__main__":
    main()
