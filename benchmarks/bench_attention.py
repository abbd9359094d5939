"""Parallel attention vs a step-by-step recurrent loop over the same T positions (notebook 03).

    .venv/bin/python benchmarks/bench_attention.py [--quick]

For each sequence length T: causal attention over T vectors of width 576 in one go
(lesson_utils.inside.attention.causal_attention_all_at_once) against a recurrent network that
reads the same T vectors one at a time (recurrent_steps). Both on the CPU, and on CUDA
when present. Also the multiply-adds each needs, to show that the faster one is not
the one doing less arithmetic.
"""

from __future__ import annotations

import _common as C

import lesson_utils  # noqa: F401  (thread policy before torch)
from lesson_utils.inside.attention import time_parallel_vs_sequential


def main() -> None:
    args = C.quick_args(__doc__)
    torch = C.setup_torch()
    say = C.Report()
    lengths = (32, 128, 512) if args.quick else (32, 64, 128, 256, 512, 1024, 2048)
    # (device, CPU threads): on the CPU both 1 and 2 threads, because waking a second thread for
    # each of the loop's tiny steps costs more than the step itself.
    runs = [("cpu", 1), ("cpu", C.THREADS)] + ([("cuda", C.THREADS)] if torch.cuda.is_available() else [])
    dim = 576
    results = {}
    for device, threads in runs:
        torch.set_num_threads(threads)
        C.wait_for_quiet(say)
        rows = time_parallel_vs_sequential(lengths, dim=dim, device=device, repeats=5)
        name = f"{device}, {threads} thread{'s' if threads > 1 else ''}"
        results[name] = rows
        say(f"{name}: T, attention all at once (ms), recurrent step by step (ms), ratio, "
            f"multiply-adds attention / recurrent (millions)")
        for r in rows:
            T = r["T"]
            attention_ops, recurrent_ops = 2 * T * T * dim / 1e6, 2 * T * dim * dim / 1e6
            say(f"  T={T:5}  {r['parallel_s'] * 1e3:9.3f}  {r['sequential_s'] * 1e3:9.2f}  "
                f"{r['sequential_s'] / r['parallel_s']:6.1f}x   {attention_ops:8.0f} / {recurrent_ops:6.0f}")
    C.save("attention", {"machine": C.machine_info(), "dim": dim, "results": results}, say.text,
           quick=args.quick)


if __name__ == "__main__":
    main()
