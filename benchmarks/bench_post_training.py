"""What notebook 07's post-training costs: the frozen pass, a DPO step, a reward-hacking step.

    .venv/bin/python benchmarks/bench_post_training.py [--quick]

- frozen pass: one inference pass of SmolLM2 over the preference set's answers
  (tokens per second);
- a DPO step on 8 pairs (16 answers) with the last 4 blocks trainable, two ways:
  (a) from the residual stream cached at block 26, as the notebook does, and
  (b) the plain way, running all 30 blocks forward on every step (bottom frozen),
  to show what the cache saves;
- a policy-gradient step of the tiny GPT (24 samples of 32 tokens);
- the process's peak resident memory at the end (the notebook's budget is 3 GB).
"""

from __future__ import annotations

import resource

import _common as C

import lesson_utils  # noqa: F401  (thread policy before torch)
from lesson_utils.llm.chat_model import load_chat_model
from lesson_utils.post_training.dpo import dpo_loss, policy_logprobs, trainable_copy
from lesson_utils.post_training.preferences import load_pairs
from lesson_utils.post_training.reward_hacking import happy_word_reward, optimise_against_reward
from lesson_utils.post_training.sequences import answer_logprobs, chat_sequence, frozen_pass, pad_right
from lesson_utils.scratch.tiny_gpt import load_story_model

TRAINED = 4


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024        # Linux: KiB


def main() -> None:
    args = C.quick_args(__doc__)
    torch = C.setup_torch()
    say = C.Report()
    lm = load_chat_model(progress=None)
    model = lm.model
    pairs = load_pairs()[:16] if args.quick else load_pairs()
    sequences = [chat_sequence(lm, p.prompt, text, done) for p in pairs
                 for text, done in ((p.a, p.a_finished), (p.b, p.b_finished))]
    tokens = sum(len(s.ids) for s in sequences)
    start_layer = model.config.n_layers - TRAINED
    C.wait_for_quiet(say)
    frozen_s, frozen = C.timed(frozen_pass, model, sequences, start_layer)
    say(f"frozen pass: {len(sequences)} answers, {tokens:,} tokens in {frozen_s:.1f} s "
        f"({tokens / frozen_s:,.0f} tokens/s)")

    policy = trainable_copy(model, TRAINED)
    optimizer = torch.optim.AdamW([p for p in policy.parameters() if p.requires_grad], lr=1e-5)
    batch = list(range(16))
    ref = frozen.ref_logprob[batch]

    def cached_step():
        lp = policy_logprobs(policy, frozen, batch, sequences)
        loss, _ = dpo_loss(lp[0::2], lp[1::2], ref[0::2], ref[1::2])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def full_step():
        ids = pad_right([torch.tensor(sequences[i].ids) for i in batch])
        final = policy(ids, output_hidden_states=True).hidden_states[-1]
        lp = answer_logprobs(policy, final, [sequences[i] for i in batch])
        loss, _ = dpo_loss(lp[0::2], lp[1::2], ref[0::2], ref[1::2])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    repeats = 2 if args.quick else 5
    rows = {}
    ways = [("from the cached stream (notebook)", cached_step), ("all 30 blocks each step", full_step)]
    for name, step in ways:
        step()                                                   # warm-up
        times = [C.quiet_timed(step)[0] for _ in range(repeats)]
        rows[name] = C.median(times)
        say(f"DPO step, 16 answers, last {TRAINED} blocks trainable, {name}: {rows[name]:.2f} s "
            f"(median of {repeats})")
    speedup = rows["all 30 blocks each step"] / rows["from the cached stream (notebook)"]
    say(f"the cache makes a DPO step {speedup:.1f}x faster")

    tiny, tiny_tokenizer = load_story_model()
    steps = 5 if args.quick else 20
    tiny_s, _ = C.timed(optimise_against_reward, tiny, tiny_tokenizer, happy_word_reward, beta=0.5,
                        steps=steps)
    say(f"tiny GPT policy-gradient step (24 samples x 32 tokens): {tiny_s / steps:.2f} s")
    peak = peak_rss_mb()
    say(f"peak resident memory of this process: {peak:,.0f} MB")
    C.save("post_training", {"machine": C.machine_info(), "answers": len(sequences), "tokens": tokens,
                             "frozen_pass_s": frozen_s, "dpo_step_s": rows, "cache_speedup": speedup,
                             "tiny_pg_step_s": tiny_s / steps, "peak_rss_mb": peak},
           say.text, quick=args.quick)


if __name__ == "__main__":
    main()
