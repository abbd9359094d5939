"""Run every benchmark, then write benchmarks/results/summary.md.

    .venv/bin/python benchmarks/run_all.py            # the real run (about 35-45 minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # a smoke run (about 3 minutes)
    .venv/bin/python benchmarks/run_all.py --whatif   # also the what-if runs of candidate fixes
    .venv/bin/python benchmarks/run_all.py --summary-only [--whatif]   # summary.md from results/*.json

Each benchmark runs in its own process (python benchmarks/bench_*.py), so one can also
be run alone; each writes results/<name>.json and results/<name>.txt. Smoke runs
(--quick) write to results/quick/ instead, so they never replace real figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time

import _common as C

SCRIPTS = ["bench_load.py", "bench_decode.py", "bench_quantized.py", "bench_batch.py", "bench_bpe.py",
           "bench_attention.py", "bench_widgets.py", "bench_post_training.py", "bench_notebooks.py"]
BROWSER_SCRIPT = "bench_browser.py"     # only where Chromium is installed
WHATIF = [["whatif_decode.py"], ["whatif_decode.py", "--batch"]]


def _read(name: str, quick: bool) -> dict | None:
    path = C.results_dir(quick) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def summary_markdown(quick: bool, whatif: bool) -> str:
    load, decode, batch = _read("load", quick), _read("decode", quick), _read("batch", quick)
    machine = (decode or batch or load or {}).get("machine") or C.machine_info()
    lines = [f"# Benchmark summary ({datetime.date.today().isoformat()})", ""]
    if quick:
        lines += ["**Smoke run (--quick): fewer and shorter runs; do not quote these figures.**", ""]
    lines += ["| what | ours | transformers | ratio | target | met? |",
              "|---|---|---|---|---|---|"]
    if load:
        m = load["median"]
        first, cached, hf = m["first"], m["cached"], m["hf"]
        lines += [
            f"| first load, empty cache (s) | {first['load_s']:.2f} | {hf['load_s']:.2f} | "
            f"{hf['load_s'] / first['load_s']:.2f}x faster | <= {load['targets']['first_s']:.0f} s | "
            f"{_met(first['load_s'] <= load['targets']['first_s'])} |",
            f"| cached load (s) | {cached['load_s']:.2f} | {hf['load_s']:.2f} (no cache) | "
            f"{hf['load_s'] / cached['load_s']:.1f}x faster | <= {load['targets']['cached_s']:.0f} s | "
            f"{_met(cached['load_s'] <= load['targets']['cached_s'])} |",
            f"| import torch (+ transformers) (s) | {cached['import_s']:.2f} | {hf['import_s']:.2f} | | | |",
            f"| peak RSS, first load (MB) | {first['peak_rss_mb']:.0f} | {hf['peak_rss_mb']:.0f} | | | |",
            f"| peak RSS, cached load (MB) | {cached['peak_rss_mb']:.0f} | {hf['peak_rss_mb']:.0f} | | | |",
        ]
        if "rss_now_mb" in cached:
            lines += [f"| RSS once loaded (MB) | {cached['rss_now_mb']:.0f} | {hf['rss_now_mb']:.0f} | | | |"]
    if decode:
        o, h = decode["median"]["ours"], decode["median"]["hf"]
        lines += [
            f"| prefill + 1st token, {decode['prompt_tokens']}-token prompt (ms) | "
            f"{o['prefill_plus_first_token_s'] * 1e3:.1f} | {h['prefill_plus_first_token_s'] * 1e3:.1f} | "
            f"{h['prefill_plus_first_token_s'] / o['prefill_plus_first_token_s']:.2f}x | | |",
            f"| decode, one prompt (tokens/s) | {o['decode_tokens_per_s']:.1f} | "
            f"{h['decode_tokens_per_s']:.1f} | {decode['ratio']:.2f}x | >= {decode['target_ratio']}x | "
            f"{_met(decode['ratio'] >= decode['target_ratio'])} |",
            f"| memory-bound decode ceiling (tokens/s) | {decode['ceiling_tokens_per_s_copy']:.1f} | | "
            f"ours at {o['decode_tokens_per_s'] / decode['ceiling_tokens_per_s_copy']:.0%} | | |",
        ]
    if decode and "fast" in decode["median"]:
        f, fb = decode["median"]["fast"], decode["fast_bytes"]
        fast_met = decode["fast_ratio"] >= decode["fast_target_ratio"]
        lines += [
            f"| decode, one prompt, fast path (tokens/s) | {f['decode_tokens_per_s']:.1f} | "
            f"{h['decode_tokens_per_s']:.1f} | {decode['fast_ratio']:.2f}x | "
            f">= {decode['fast_target_ratio']}x | {_met(fast_met)} |",
            f"| fast path: MB held / MB read per step | {fb['held_total'] / 1e6:.0f} / "
            f"{fb['read_per_step'] / 1e6:.0f} | 538 / 538 | | | |",
            f"| fast path's ceiling for the bytes it reads (tokens/s) | "
            f"{decode['fast_ceiling_tokens_per_s_copy']:.0f} | | "
            f"fast at {f['decode_tokens_per_s'] / decode['fast_ceiling_tokens_per_s_copy']:.0%} | | |",
        ]
    quantized = _read("quantized", quick)
    if quantized:
        r, (low, high) = quantized["result"], quantized["top1_interval_95"]
        lines += [
            f"| fast path: top-1 agreement with exact, {r['top1_steps']} steps | "
            f"{r['top1_agree'] / r['top1_steps']:.1%} ({low:.1%}-{high:.1%}) | | | | |",
            f"| fast path: max abs dp over top-5; perplexity exact / fast | {r['max_dp_top5']:.3f}; "
            f"{r['perplexity_exact']:.3f} / {r['perplexity_fast']:.3f} | | | | |",
        ]
    if batch:
        lines += [
            f"| batch of {batch['n_prompts']} x {batch['new_tokens']} tokens, aggregate (tokens/s) | "
            f"{batch['batch_tokens_per_s']:.1f} | | {batch['ratio']:.2f}x one-by-one "
            f"({batch['single_tokens_per_s']:.1f} tokens/s) | >= {batch['target_ratio']:.0f}x | "
            f"{_met(batch['ratio'] >= batch['target_ratio'])} |",
            f"| batch output == solo output | {batch['matches']} / {batch['n_prompts']} | | | all | "
            f"{_met(batch['matches'] == batch['n_prompts'])} |",
        ]
    if batch:
        lines += ["", f"Batch sizes (the first B prompts, {batch['new_tokens']} new tokens each):", "",
                  "| B | seconds | tokens/s | per prompt | vs B=1 |", "|---|---|---|---|---|"]
        lines += [f"| {r['batch']} | {r['seconds']:.2f} | {r['tokens_per_s']:.1f} | "
                  f"{r['per_prompt_tokens_per_s']:.1f} | {r['speedup_vs_b1']:.2f}x |" for r in batch["sizes"]]
    if decode:
        prof = decode["profile"]
        lines += ["", f"Where one decode step goes (ours, {prof['wall_ms_per_step']:.1f} ms unprofiled; "
                  "torch.profiler op time per category):", "", "| part | ms | share |", "|---|---|---|"]
        lines += [f"| {k} | {v:.2f} | {v / prof['wall_ms_per_step']:.0%} |"
                  for k, v in prof["categories_ms_per_step"].items() if v >= 0.1]
        lines += [f"| (same step with tiny widths: Python + dispatch floor) | "
                  f"{decode['overhead_floor_ms_per_step']:.2f} | "
                  f"{decode['overhead_floor_ms_per_step'] / prof['wall_ms_per_step']:.0%} |"]
    bpe = _read("bpe", quick)
    if bpe:
        lines += ["", f"BPE training on the project corpus ({bpe['corpus_chars']:,} characters; "
                  "results/bpe.txt):", "",
                  "| vocabulary | merges | train_bpe (s) | naive (s) | merges/s (fast) | speed-up "
                  "| same merges |",
                  "|---|---|---|---|---|---|---|"]
        for r in bpe["training"]:
            naive = f"{r['naive_s']:.2f}" if "naive_s" in r else "-"
            speedup = f"{r['speedup']:.0f}x" if "speedup" in r else ""
            same = _met(r["same_merges"]) if "same_merges" in r else ""
            lines += [f"| {r['vocab_size']} | {r['merges']} | {r['fast_s']:.3f} | {naive} | "
                      f"{r['fast_merges_per_s']:,} | {speedup} | {same} |"]
    for name, title in (("notebooks", "Each notebook top to bottom, and its kernel's peak memory"),
                        ("browser", "Widget redraws in JupyterLab in Chromium")):
        if _read(name, quick):
            report = (C.results_dir(quick) / f"{name}.txt").read_text().strip()
            lines += ["", f"{title} (results/{name}.txt):", "", report]
    for name, title in (("whatif_decode", "What-if: candidate fixes, one prompt"),
                        ("whatif_batch", "What-if: candidate fixes, batch of 16")):
        data = _read(name, quick) if whatif else None
        if data:
            report = (C.results_dir(quick) / f"{name}.txt").read_text().strip()
            lines += ["", f"{title} (results/{name}.txt):", "", "```", report, "```"]
    lines += ["", "Machine:", "",
              f"- CPU: {machine['cpu']} ({machine['logical_cores']} logical cores; "
              f"{' '.join(machine.get('cpu_flags') or [])})",
              f"- memory: {machine.get('memory_gb')} GB",
              f"- Python {machine['python']}, torch {machine['torch']} ({machine['torch_threads']} threads), "
              f"transformers {machine.get('transformers')}",
              f"- {machine['platform']}",
              "", "Every figure is the median of interleaved repetitions (ours and transformers in the same "
              "process or run); a timed call during which other processes used more than "
              f"{C.NOISY_CORES} cores was redone. Details: results/*.txt and results/*.json."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer and shorter runs")
    parser.add_argument("--whatif", action="store_true", help="also run the what-if scripts")
    parser.add_argument("--summary-only", action="store_true", help="only rewrite summary.md")
    args = parser.parse_args()
    if not args.summary_only:
        jobs = [[s] for s in SCRIPTS] + (WHATIF if args.whatif else [])
        sys.path.insert(0, str(C.REPO / "tests" / "browser"))
        from lab import find_chromium
        if find_chromium():
            jobs.append([BROWSER_SCRIPT])
        else:
            print(f"(skipping {BROWSER_SCRIPT}: no Chromium; sudo apt-get install -y chromium)")
        for job in jobs:
            cmd = [sys.executable, str(C.HERE / job[0]), *job[1:]] + (["--quick"] if args.quick else [])
            print(f"\n===== {' '.join(job)}", flush=True)
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            print(f"===== {' '.join(job)} done in {time.perf_counter() - start:.0f} s", flush=True)
    C.setup_torch()
    text = summary_markdown(args.quick, args.whatif)
    folder = C.results_dir(args.quick)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.md").write_text(text)
    print("\n" + text)
    print(f"wrote {folder / 'summary.md'}")


if __name__ == "__main__":
    main()
