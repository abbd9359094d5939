"""What would make our decode faster? Candidate changes, applied in this process only.

Nothing in lesson_utils is edited: the changes are applied by swapping methods of the
classes in lesson_utils.llm.model for the duration of a run. The variants:

    file-mapped   for reference: the weights left in the torch.load(mmap=True) file
                  mapping, as load_transformer did before it copied them out
    shipped       the code as it is now
    +rmsnorm      RMSNorm by F.rms_norm (one op instead of six)
    +rope-once    on top of +rmsnorm: RoPE applied once to the query and key heads side by
                  side (half the RoPE ops), the rest of Attention.forward as shipped

Each variant's greedy output is checked against the shipped code's, and its decode
time per token is measured as in bench_decode.py, interleaved with transformers'.
With --batch, each variant instead runs bench_batch.py's workload (16 prompts x 64
tokens in one batch) and, for its single-prompt speed, the first 4 prompts one by one.

    python benchmarks/whatif_decode.py [--quick] [--repeats N] [--batch]
"""

from __future__ import annotations

import argparse
import contextlib

import _common as C
from bench_decode import run_hf, run_ours

VARIANTS = ["file-mapped", "shipped", "+rmsnorm", "+rope-once"]


def _attention_forward_rope_once(self, x, rope, mask, cache=None, want_weights=False):
    import torch.nn.functional as F

    from lesson_utils.llm.model import apply_rope
    B, T, _ = x.shape
    cos, sin = rope
    H, K, hd = self.n_heads, self.n_kv_heads, self.hd
    qkv = self.qkv(x)
    qk = qkv[..., : (H + K) * hd].view(B, T, H + K, hd).transpose(1, 2)     # (B, H + K, T, hd)
    qk = apply_rope(qk, cos, sin)
    q, k = qk[:, :H], qk[:, H:]
    v = qkv[..., (H + K) * hd:].view(B, T, K, hd).transpose(1, 2)
    if cache is not None:
        k, v = cache.store(self.layer, k, v)
    if want_weights:
        y, weights = self.attend(q, k, v, mask)
    else:
        y, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True), None
    return self.out(y.transpose(1, 2).reshape(B, T, H * hd)), weights


def _rmsnorm_forward_fused(self, x):
    import torch.nn.functional as F
    return F.rms_norm(x, (x.shape[-1],), self.weight, self.eps)


@contextlib.contextmanager
def patched(variant: str):
    """Swap in the changes of `variant` (each builds on the one before it)."""
    import lesson_utils.llm.model as M
    level = VARIANTS.index(variant)
    saved = {(M.Attention, "forward"): M.Attention.forward, (M.RMSNorm, "forward"): M.RMSNorm.forward}
    try:
        if level >= VARIANTS.index("+rmsnorm"):
            M.RMSNorm.forward = _rmsnorm_forward_fused
        if level >= VARIANTS.index("+rope-once"):
            M.Attention.forward = _attention_forward_rope_once
        yield
    finally:
        for (cls, name), fn in saved.items():
            setattr(cls, name, fn)


def load_models():
    """(model with file-mapped weights, model as load_transformer returns it)."""
    import torch

    from lesson_utils.llm.weights import ensure_cache, load_transformer
    shipped = load_transformer(device="cpu")
    mapped = load_transformer(device="cpu")
    state_dict = torch.load(ensure_cache() / "weights.pt", mmap=True, weights_only=True)
    mapped.load_state_dict(state_dict, assign=True, strict=False)
    return mapped, shipped


def batch_whatif(args, say):
    from lesson_utils.llm.generation import generate, generate_batch
    repeats = args.repeats or (1 if args.quick else 3)
    new_tokens = 16 if args.quick else 64
    mapped, shipped = load_models()
    prompts = [C.chat_prompt_ids(q) for q in C.QUESTIONS[:16]]
    settings = {"max_new_tokens": new_tokens, "temperature": 0}
    say(f"whatif_decode --batch: {len(prompts)} prompts x {new_tokens} tokens in one batch vs the first "
        f"4 prompts one by one, {repeats} repetition(s)")

    def model_for(variant):
        return mapped if variant == "file-mapped" else shipped

    reference = generate_batch(shipped, prompts, **settings)
    agree = {}
    for variant in VARIANTS:
        with patched(variant):
            agree[variant] = generate_batch(model_for(variant), prompts, **settings) == reference

    def one_repetition(rep):
        times = {}
        for name in (VARIANTS if rep % 2 == 0 else list(reversed(VARIANTS))):
            with patched(name):
                times[f"{name}_batch"] = C.quiet_timed(generate_batch, model_for(name), prompts,
                                                       **settings)[0]
                times[f"{name}_solo"] = sum(C.quiet_timed(generate, model_for(name), p, **settings)[0]
                                            for p in prompts[:4])
        return times

    reps = [one_repetition(rep) for rep in range(repeats)]
    say()
    say(f"{'variant':14}{'batch tokens/s':>16}{'single tokens/s':>17}{'ratio':>8}  same greedy tokens")
    table = {}
    for name in VARIANTS:
        batch = C.median(16 * new_tokens / r[f"{name}_batch"] for r in reps)
        solo = C.median(4 * new_tokens / r[f"{name}_solo"] for r in reps)
        table[name] = {"batch_tokens_per_s": batch, "single_tokens_per_s": solo, "ratio": batch / solo}
        say(f"{name:14}{batch:>16.1f}{solo:>17.1f}{batch / solo:>7.2f}x  {agree[name]}")
    say(f"timed calls redone because other processes got busy: {C.RETRIES['count']}")
    C.save("whatif_batch", {"machine": C.machine_info(), "new_tokens": new_tokens, "repeats": repeats,
                            "variants": table, "same_greedy_tokens": agree, "runs": reps},
           say.text, args.quick)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--batch", action="store_true", help="the batch workload instead of one prompt")
    args = parser.parse_args()
    C.setup_torch()
    C.WAIT["max_s"] = 10 if args.quick else 120
    say = C.Report()
    if args.batch:
        batch_whatif(args, say)
        return
    repeats = args.repeats or (1 if args.quick else 3)
    n_long = 33 if args.quick else 65

    mapped, shipped = load_models()
    hf = C.load_hf_model()
    ids = C.chat_prompt_ids(C.SINGLE_QUESTION)
    say(f"whatif_decode: prompt {len(ids)} tokens, decode step = (t(N={n_long}) - t(N=1)) / {n_long - 1}, "
        f"{repeats} repetition(s)")

    def model_for(variant):
        return mapped if variant == "file-mapped" else shipped

    reference = run_ours(shipped, ids, n_long)
    agree = {}
    for variant in VARIANTS:
        with patched(variant):
            out = run_ours(model_for(variant), ids, n_long)
        agree[variant] = out == reference
    agree["transformers"] = run_hf(hf, ids, n_long) == reference

    names = VARIANTS + ["transformers"]

    def one_repetition(rep):
        times = {}
        for name in (names if rep % 2 == 0 else list(reversed(names))):
            for n in (1, n_long):
                if name == "transformers":
                    seconds = C.quiet_timed(run_hf, hf, ids, n)[0]
                else:
                    with patched(name):
                        seconds = C.quiet_timed(run_ours, model_for(name), ids, n)[0]
                times[f"{name}_N{n}"] = seconds
        return times

    reps = [one_repetition(rep) for rep in range(repeats)]
    step_ms = {name: C.median((r[f"{name}_N{n_long}"] - r[f"{name}_N1"]) / (n_long - 1) * 1e3 for r in reps)
               for name in names}
    hf_ms = step_ms["transformers"]
    say()
    say(f"{'variant':14}{'ms/token':>10}{'tokens/s':>10}{'vs transformers':>17}  same greedy tokens")
    for name in names:
        say(f"{name:14}{step_ms[name]:>10.2f}{1e3 / step_ms[name]:>10.1f}{hf_ms / step_ms[name]:>16.2f}x"
            f"  {agree[name]}")
    say(f"timed calls redone because other processes got busy: {C.RETRIES['count']}")
    C.save("whatif_decode", {"machine": C.machine_info(), "n_long": n_long, "repeats": repeats,
                             "decode_ms_per_token": step_ms, "same_greedy_tokens": agree, "runs": reps},
           say.text, args.quick)


if __name__ == "__main__":
    main()
