"""Single-prompt generation speed: our code vs transformers, on the same weights.

Both models hold the same float32 weights (ours from our cache, transformers' from its
own GGUF loader) and generate greedily from the same ~30-token chat-formatted prompt,
with no stop token, so both produce exactly N tokens. Beside them runs our fast path, the
file's 4-bit weights run as 4-bit (lesson_utils.llm.quantized), on the same prompt:

    ours          lesson_utils.llm.generation.generate(model, ids, max_new_tokens=N, temperature=0)
    fast          the same call on load_fast_transformer()
    transformers  model.generate(ids, max_new_tokens=N, min_new_tokens=N, do_sample=False)

Generating N=1 token costs the prefill (the prompt's forward pass) plus one sampling
step; N=129 costs that plus 128 decode steps, so (t(129) - t(1)) / 128 is the time of
one decode step. The four runs (ours/hf x N=1/129) are interleaved in each repetition
and the median over repetitions is reported.

For context it also measures the memory bandwidth (a large torch copy) and gives the
memory-bound ceiling: every decode step reads all float32 weights once, so tokens/s can
not exceed bandwidth / weight bytes. A torch.profiler run over 20 decode steps shows
where our time goes.

    python benchmarks/bench_decode.py [--quick] [--repeats N] [--new-tokens N]
"""

from __future__ import annotations

import argparse
import ast
import inspect
import time
from collections import defaultdict
from types import SimpleNamespace

import _common as C

TARGET_RATIO = 1.3          # exact path / transformers
FAST_TARGET_RATIO = 3.0     # fast path / transformers


def fast_bytes(fast) -> dict:
    """Bytes the fast model holds, by kind, and the bytes one decode step reads."""
    from lesson_utils.llm.quantized import Int4Linear, Int8Embedding, ReadOut
    held, read = defaultdict(int), 0
    for module in fast.modules():
        if isinstance(module, Int4Linear):
            held["4-bit layers for the kernel (codes, bf16 scales and zeros)"] += module.kernel_nbytes()
            held["4-bit layers for prompts (plain-order codes, fp16 d and m)"] += (
                module.nbytes() - module.kernel_nbytes())
            read += module.kernel_nbytes()
        elif isinstance(module, ReadOut):
            held["read-out, bfloat16"] += module.nbytes()
            read += module.nbytes()
        elif isinstance(module, Int8Embedding):
            held["token table, 8-bit + scales"] += module.nbytes()
    held["norm weights, float32"] = sum(p.nbytes for p in fast.parameters())
    return {"held": dict(held), "held_total": sum(held.values()), "read_per_step": read}


# ---------------------------------------------------------------- generation runs

def run_ours(model, ids, n):
    from lesson_utils.llm.generation import generate
    return generate(model, ids, max_new_tokens=n, temperature=0)


def run_hf(hf, ids, n):
    import torch
    x = torch.tensor([ids])
    with torch.inference_mode():
        out = hf.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=n, min_new_tokens=n,
                          do_sample=False, pad_token_id=hf.config.pad_token_id)
    return out[0, len(ids):].tolist()


# ---------------------------------------------------------------- memory bandwidth

def measure_bandwidth(torch, mbytes: int = 512, repeats: int = 7) -> dict:
    """GB/s of a large float32 copy (bytes read + bytes written), and of a read-only sum."""
    n = mbytes * 2**20 // 4
    src = torch.randn(n)
    dst = torch.empty_like(src)
    dst.copy_(src)                       # touch the pages first
    copy_times, sum_times = [], []
    for _ in range(repeats):
        copy_times.append(C.timed(dst.copy_, src)[0])
        sum_times.append(C.timed(src.sum)[0])
    nbytes = n * 4
    return {"buffer_mb": mbytes, "copy_gbs": 2 * nbytes / C.median(copy_times) / 1e9,
            "read_gbs": nbytes / C.median(sum_times) / 1e9}


# ---------------------------------------------------------------- profiling our decode step

def _function_ranges(module) -> list[tuple[int, int, str]]:
    """(first line, last line, Class.function) of every function in a module's source."""
    tree = ast.parse(inspect.getsource(module))
    ranges = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name + ".")
            elif isinstance(child, ast.FunctionDef):
                ranges.append((child.lineno, child.end_lineno, prefix + child.name))
    visit(tree, "")
    return ranges


def _model_function(event, ranges, model_file) -> str | None:
    """The function of model.py an op was called from, or None (the profiler's Python events,
    recorded with with_stack=True, are named like ".../model.py(123): forward")."""
    parent = event.cpu_parent
    while parent is not None:
        at = parent.name.find(model_file + "(")
        if at >= 0:
            line = int(parent.name[at + len(model_file) + 1:].split(")")[0])
            names = [name for a, b, name in ranges if a <= line <= b]
            return names[-1] if names else None
        parent = parent.cpu_parent
    return None


def _is_top_level(event) -> bool:
    """An aten op called from Python, not from inside another aten op."""
    parent = event.cpu_parent
    while parent is not None:
        if _is_op(parent):
            return False
        parent = parent.cpu_parent
    return True


MATMUL_OPS = ("aten::linear", "mkldnn::_linear_pointwise")      # F.linear; oneDNN's route (cpu_linear.py)


def _is_op(event) -> bool:
    return event.name.startswith(("aten::", "mkldnn::"))


def _category(event, where: str | None) -> str:
    """Which part of the decode step a top-level aten op belongs to."""
    if where is None:
        return "outside model.py (argmax, .tolist())"
    if where == "Transformer.forward":
        if event.name in MATMUL_OPS:
            return "output matmul (576 -> 49152)"
        return "embedding, rope lookup, misc"
    if where in ("Attention.forward", "Attention.attend"):
        if event.name in MATMUL_OPS:
            return "attention projections (qkv, out)"
        return "attention itself (scores, softmax, weighted sum; views)"
    if where == "FeedForward.forward":
        return "FFN matmuls (gate_up, down)" if event.name in MATMUL_OPS else "FFN silu * up"
    table = {"apply_rope": "RoPE", "KVCache.store": "KV cache write", "RMSNorm.forward": "RMSNorm",
             "Block.forward": "residual adds", "_check_ids": "id checks (min/max)",
             "Transformer.rope_and_mask": "positions / mask",
             "Transformer._positions_and_mask": "positions / mask"}
    return table.get(where, where)


def profile_decode(torch, model, ids, steps: int = 20) -> dict:
    """Time per decode step: unprofiled wall, and the profiler's split of the op time."""
    import lesson_utils.llm.model as M
    from lesson_utils.llm.model import KVCache

    def prefilled():
        cache = KVCache(model.config, 1, len(ids) + steps + 1)
        logits = model(torch.tensor([ids]), cache=cache, last_only=True).logits
        return cache, logits[:, -1].argmax(-1)

    def decode(cache, token):
        for _ in range(steps):
            logits = model(token[:, None], cache=cache, last_only=True).logits
            token = logits[:, -1].argmax(-1)
            token.tolist()          # what the generation loop does with each token
        return token

    with torch.inference_mode():
        walls = []
        for _ in range(5):
            cache, token = prefilled()
            walls.append(C.timed(decode, cache, token)[0] / steps)
        wall = C.median(walls)

        cache, token = prefilled()
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True, with_stack=True) as prof:
            start = time.perf_counter()
            decode(cache, token)
            profiled_wall = (time.perf_counter() - start) / steps

    # Python events are named relative to a sys.path entry: ".../lesson_utils/llm/model.py(123): f".
    model_file = "lesson_utils/llm/model.py"
    ranges = _function_ranges(M)
    per_cat: dict[str, float] = defaultdict(float)
    n_ops = 0
    for event in prof.events():
        if not _is_op(event) or not _is_top_level(event):
            continue            # only the ops Python called directly; their children are inside
        n_ops += 1
        where = _model_function(event, ranges, model_file)
        per_cat[_category(event, where)] += event.cpu_time_total / 1e3 / steps   # ms
    op_ms = sum(per_cat.values())
    return {"steps": steps, "wall_ms_per_step": wall * 1e3, "profiled_wall_ms_per_step": profiled_wall * 1e3,
            "ops_per_step": n_ops / steps, "op_ms_per_step": op_ms,
            "categories_ms_per_step": dict(sorted(per_cat.items(), key=lambda kv: -kv[1]))}


def overhead_floor(torch, model, ids, steps: int = 20) -> float:
    """ms per decode step of a model with the same 30-layer structure but tiny widths: the
    cost of issuing the ~1900 ops of a step (Python, dispatch), with almost no arithmetic."""
    from lesson_utils.llm.model import KVCache, ModelConfig, Transformer
    tiny_config = ModelConfig(vocab_size=256, dim=72, n_layers=model.config.n_layers, n_heads=9,
                              n_kv_heads=3, hidden_dim=96, context_length=512)
    tiny = Transformer(tiny_config).eval()
    token = torch.tensor([[1]])
    with torch.inference_mode():
        times = []
        for _ in range(5):
            cache = KVCache(tiny_config, 1, len(ids) + steps + 1)
            tiny(torch.tensor([[i % 256 for i in ids]]), cache=cache, last_only=True)
            start = time.perf_counter()
            for _ in range(steps):
                tiny(token, cache=cache, last_only=True).logits[:, -1].argmax(-1).tolist()
            times.append((time.perf_counter() - start) / steps)
    return C.median(times) * 1e3


def hf_forward_ms(torch, hf, ids, steps: int = 20) -> float:
    """ms per decode step of transformers' model called directly with its KV cache."""
    x = torch.tensor([ids])
    with torch.inference_mode():
        times = []
        for _ in range(5):
            out = hf(x, use_cache=True)
            token = out.logits[:, -1:].argmax(-1)
            start = time.perf_counter()
            for _ in range(steps):
                out = hf(token, past_key_values=out.past_key_values, use_cache=True)
                token = out.logits[:, -1:].argmax(-1)
                token.tolist()
            times.append((time.perf_counter() - start) / steps)
    return C.median(times) * 1e3


def time_matmuls(torch, model, repeats: int = 30, route=None) -> dict:
    """The matrix-vector products of one decode step, timed alone (no Python in between), by
    `route` (the model's own `cpu_linear.linear` unless given; F.linear for PyTorch's default)."""
    from lesson_utils.llm.cpu_linear import linear
    F = SimpleNamespace(linear=route or linear)
    x = torch.randn(1, 1, model.config.dim)
    h = torch.randn(1, 1, model.config.hidden_dim)
    blocks = model.blocks

    def layers():
        for b in blocks:
            F.linear(x, b.attn.qkv.weight)
            F.linear(x, b.attn.out.weight)
            F.linear(x, b.ffn.gate_up.weight)
            F.linear(h, b.ffn.down.weight)

    def output():
        F.linear(x, model.embed.weight)

    with torch.inference_mode():
        layers(), output()
        layer_ms = C.median(C.timed(layers)[0] for _ in range(repeats)) * 1e3
        out_ms = C.median(C.timed(output)[0] for _ in range(repeats)) * 1e3
    return {"layer_matmuls_ms": layer_ms, "output_matmul_ms": out_ms}


def time_fast_matmuls(torch, fast, repeats: int = 30) -> dict:
    """The fast path's 4-bit products of one decode step and its bfloat16 read-out, timed alone."""
    x = torch.randn(1, 1, fast.config.dim)
    h = torch.randn(1, 1, fast.config.hidden_dim)

    def layers():
        for b in fast.blocks:
            b.attn.qkv(x), b.attn.out(x), b.ffn.gate_up(x), b.ffn.down(h)

    def output():
        fast.output(x)

    with torch.inference_mode():
        layers(), output()
        layer_ms = C.median(C.timed(layers)[0] for _ in range(repeats)) * 1e3
        out_ms = C.median(C.timed(output)[0] for _ in range(repeats)) * 1e3
    return {"layer_matmuls_ms": layer_ms, "output_matmul_ms": out_ms}


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--new-tokens", type=int, default=None, help="N of the long run (default 129)")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 5)
    C.WAIT["max_s"] = 10 if args.quick else 120
    n_long = args.new_tokens or (33 if args.quick else 129)

    torch = C.setup_torch()
    from lesson_utils.llm.quantized import fast_transformer_from_gguf
    from lesson_utils.llm.weights import load_transformer
    say = C.Report()
    model = load_transformer(device="cpu")
    fast = fast_transformer_from_gguf()
    hf = C.load_hf_model()
    ids = C.chat_prompt_ids(C.SINGLE_QUESTION)
    say(f"bench_decode: prompt of {len(ids)} tokens, N = 1 and {n_long}, {repeats} repetition(s), "
        f"{torch.get_num_threads()} threads")

    # Warm up both (first calls allocate and pick kernels), and check they agree.
    ours_out, hf_out = run_ours(model, ids, n_long), run_hf(hf, ids, n_long)
    same_prefix = next((i for i, (a, b) in enumerate(zip(ours_out, hf_out, strict=True)) if a != b),
                       len(ours_out))
    from lesson_utils.llm.tokenizers import get_tokenizer
    tok = get_tokenizer("smollm2")
    end_ids = {tok.encode("<|im_end|>")[0], tok.encode("<|endoftext|>")[0]}
    note = ""
    if same_prefix < n_long and ours_out[same_prefix] in end_ids:
        note = (f" (token {same_prefix} is where the model ends its reply: ours, with no stop ids, takes "
                f"the end token {ours_out[same_prefix]}; transformers' min_new_tokens forbids it, so "
                "the two continue differently from there)")
    say(f"greedy outputs: ours and transformers agree on {same_prefix} of {n_long} tokens{note}")
    fast_out = run_ours(fast, ids, n_long)
    fast_prefix = next((i for i, (a, b) in enumerate(zip(ours_out, fast_out, strict=True)) if a != b),
                       len(ours_out))
    say(f"greedy outputs: fast and ours (exact) agree on {fast_prefix} of {n_long} tokens")

    keys = [("ours", 1), ("fast", 1), ("hf", 1), ("ours", n_long), ("fast", n_long), ("hf", n_long)]
    runners = {"ours": lambda n: run_ours(model, ids, n), "hf": lambda n: run_hf(hf, ids, n),
               "fast": lambda n: run_ours(fast, ids, n)}

    runs = {key: [] for key in keys}
    others = []
    for rep in range(repeats):
        for who, n in (keys if rep % 2 == 0 else list(reversed(keys))):
            seconds, out, busy = C.quiet_timed(runners[who], n)
            assert len(out) == n, (who, n, len(out))
            runs[(who, n)].append(seconds)
            others.append(busy)
        say(f"  rep {rep + 1}: " + ", ".join(f"{who} N={n}: {runs[(who, n)][-1]:.3f} s" for who, n in keys))

    def per_step(who, rep):
        return (runs[(who, n_long)][rep] - runs[(who, 1)][rep]) / (n_long - 1)

    result = {}
    for who in ("ours", "fast", "hf"):
        step = C.median(per_step(who, r) for r in range(repeats))
        result[who] = {"prefill_plus_first_token_s": C.median(runs[(who, 1)]),
                       "total_long_s": C.median(runs[(who, n_long)]),
                       "decode_ms_per_token": step * 1e3, "decode_tokens_per_s": 1 / step,
                       "end_to_end_tokens_per_s": n_long / C.median(runs[(who, n_long)])}
    ratio = result["ours"]["decode_tokens_per_s"] / result["hf"]["decode_tokens_per_s"]
    ratio_per_rep = [per_step("hf", r) / per_step("ours", r) for r in range(repeats)]
    fast_ratio = result["fast"]["decode_tokens_per_s"] / result["hf"]["decode_tokens_per_s"]
    fast_ratio_per_rep = [per_step("hf", r) / per_step("fast", r) for r in range(repeats)]
    fast_size = fast_bytes(fast)

    bandwidth = C.quiet_timed(measure_bandwidth, torch, 256 if args.quick else 512)[1]
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    ceiling_copy = bandwidth["copy_gbs"] * 1e9 / weight_bytes
    ceiling_read = bandwidth["read_gbs"] * 1e9 / weight_bytes

    say()
    def row(label, key, scale, digits):
        say(f"{label:34}" + "".join(f"{result[who][key] * scale:>{w}.{digits}f}"
                                    for who, w in (("ours", 10), ("fast", 10), ("hf", 14))))
    say(f"{'':34}{'ours':>10}{'fast':>10}{'transformers':>14}")
    row("prefill + 1 token, ms", "prefill_plus_first_token_s", 1e3, 1)
    row("decode, ms / token", "decode_ms_per_token", 1, 2)
    row("decode, tokens / s", "decode_tokens_per_s", 1, 1)
    row(f"end to end, {n_long} tokens, tokens / s", "end_to_end_tokens_per_s", 1, 1)
    say(f"decode speed ratio ours / transformers: {ratio:.2f}x (per repetition: "
        f"{', '.join(f'{r:.2f}' for r in ratio_per_rep)}); target >= {TARGET_RATIO}x: "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}")
    say(f"decode speed ratio fast / transformers: {fast_ratio:.2f}x (per repetition: "
        f"{', '.join(f'{r:.2f}' for r in fast_ratio_per_rep)}); target >= {FAST_TARGET_RATIO}x: "
        f"{'met' if fast_ratio >= FAST_TARGET_RATIO else 'MISSED'}")
    say(f"most cores used by other processes during a timed call: {max(others):.2f} "
        f"({C.RETRIES['count']} call(s) redone because others got busier than {C.NOISY_CORES})")
    say()
    say(f"memory bandwidth ({bandwidth['buffer_mb']} MB buffers): copy {bandwidth['copy_gbs']:.1f} GB/s "
        f"(read + write), read-only sum {bandwidth['read_gbs']:.1f} GB/s")
    say(f"float32 weights read per decode step: {weight_bytes / 1e6:.0f} MB "
        f"(the tied 49152 x 576 output matrix, {model.embed.weight.numel() * 4 / 1e6:.0f} MB, is read once)")
    say(f"memory-bound ceiling: {ceiling_copy:.1f} tokens/s at the copy bandwidth, "
        f"{ceiling_read:.1f} tokens/s at the read bandwidth; ours reaches "
        f"{result['ours']['decode_tokens_per_s'] / ceiling_copy:.0%} of the copy-bandwidth ceiling")
    fast_ceiling = bandwidth["copy_gbs"] * 1e9 / fast_size["read_per_step"]
    say(f"fast path: holds {fast_size['held_total'] / 1e6:.0f} MB ("
        + ", ".join(f"{k} {v / 1e6:.0f} MB" for k, v in fast_size["held"].items())
        + f"); a decode step reads {fast_size['read_per_step'] / 1e6:.0f} MB, so its ceiling is "
        f"{fast_ceiling:.0f} tokens/s at the copy bandwidth; it reaches "
        f"{result['fast']['decode_tokens_per_s'] / fast_ceiling:.0%} of it")

    # Each of these is redone if other processes got busy while it ran (see _common.quiet_timed).
    prof = C.quiet_timed(profile_decode, torch, model, ids, steps=10 if args.quick else 20)[1]
    mm = C.quiet_timed(time_matmuls, torch, model, repeats=10 if args.quick else 30)[1]
    mm_default = C.quiet_timed(time_matmuls, torch, model, repeats=10 if args.quick else 30,
                               route=torch.nn.functional.linear)[1]
    floor_ms = C.quiet_timed(overhead_floor, torch, model, ids)[1]
    hf_step_ms = C.quiet_timed(hf_forward_ms, torch, hf, ids)[1]
    fast_mm = C.quiet_timed(time_fast_matmuls, torch, fast, repeats=10 if args.quick else 30)[1]
    say()
    say(f"where a decode step goes (ours, model forward + argmax, {prof['steps']} steps, torch.profiler):")
    say(f"  unprofiled wall time {prof['wall_ms_per_step']:.2f} ms/step; "
        f"{prof['ops_per_step']:.0f} top-level ops/step")
    wall = prof["wall_ms_per_step"]
    for label, ms in prof["categories_ms_per_step"].items():
        say(f"  {label:58} {ms:7.2f} ms  {ms / wall:6.1%}")
    say(f"  (sum of op time under the profiler: {prof['op_ms_per_step']:.2f} ms; the profiler inflates "
        "small ops, so shares of the unprofiled step are approximate)")
    say(f"  the same {model.config.n_layers}-layer step with tiny widths (pure Python + dispatch cost of "
        f"its ops): {floor_ms:.2f} ms = {floor_ms / wall:.0%} of the real step")
    say(f"  transformers' model forward alone (no generate() loop), per decode step: {hf_step_ms:.2f} ms; "
        f"its generate() step: {result['hf']['decode_ms_per_token']:.2f} ms")
    say("  matmuls timed alone, no Python in between: 120 layer matmuls "
        f"{mm['layer_matmuls_ms']:.2f} ms, output matmul {mm['output_matmul_ms']:.2f} ms, "
        f"together {(mm['layer_matmuls_ms'] + mm['output_matmul_ms']) / wall:.0%} of the step "
        f"(oneDNN's route where the model takes it, lesson_utils/llm/cpu_linear.py); by PyTorch's default "
        f"F.linear: {mm_default['layer_matmuls_ms']:.2f} ms and {mm_default['output_matmul_ms']:.2f} ms")
    fast_step = result["fast"]["decode_ms_per_token"]
    fast_mm_ms = fast_mm["layer_matmuls_ms"] + fast_mm["output_matmul_ms"]
    say(f"  fast path, timed alone: 120 4-bit layer products {fast_mm['layer_matmuls_ms']:.2f} ms, bfloat16 "
        f"read-out {fast_mm['output_matmul_ms']:.2f} ms, together {fast_mm_ms:.2f} ms = "
        f"{fast_mm_ms / fast_step:.0%} of its {fast_step:.2f} ms step; those products read "
        f"{fast_size['read_per_step'] / 1e6:.0f} MB, "
        f"{fast_size['read_per_step'] / fast_mm_ms / 1e6:.1f} GB/s")

    C.save("decode", {"machine": C.machine_info(), "prompt_tokens": len(ids), "n_long": n_long,
                      "repeats": repeats, "others_cores": others, "redone_calls": C.RETRIES["count"],
                      "runs": {f"{w}_N{n}": v for (w, n), v in runs.items()},
                      "median": result, "ratio": ratio, "ratio_per_rep": ratio_per_rep,
                      "target_ratio": TARGET_RATIO, "greedy_agreement_tokens": same_prefix,
                      "fast_ratio": fast_ratio, "fast_ratio_per_rep": fast_ratio_per_rep,
                      "fast_target_ratio": FAST_TARGET_RATIO, "fast_bytes": fast_size,
                      "fast_ceiling_tokens_per_s_copy": fast_ceiling,
                      "fast_greedy_agreement_tokens": fast_prefix,
                      "greedy_agreement_note": note,
                      "bandwidth": bandwidth, "weight_bytes": weight_bytes,
                      "ceiling_tokens_per_s_copy": ceiling_copy, "ceiling_tokens_per_s_read": ceiling_read,
                      "profile": prof, "matmuls_alone": mm, "matmuls_alone_f_linear": mm_default,
                      "overhead_floor_ms_per_step": floor_ms,
                      "hf_forward_ms_per_step": hf_step_ms, "fast_matmuls_alone": fast_mm},
           say.text, args.quick)


if __name__ == "__main__":
    main()
