"""How long does it take to get the model into memory, and how much memory does it take?

Each measurement runs in a fresh Python process, so nothing is shared between them:

    first    `load_transformer()` with an empty cache ($LESSON_UTILS_CACHE = a new temp
             folder): reads the GGUF file, dequantizes Q4_1 to float32, writes the cache.
    cached   `load_transformer()` again, reading the cache built by `first`.
    hf       transformers' GGUF loader, `AutoModelForCausalLM.from_pretrained(..., gguf_file=...)`.

The three kinds are interleaved (first, cached, hf, first, cached, hf, ...) and the
median of the repetitions is reported. The time of `import torch` (and of `import
transformers`) is reported apart from the load call. Peak memory is the child
process's ru_maxrss (its resident-set high-water mark). The GGUF file and the cache
files are in the OS page cache after the first repetition (a warm disk), which is how
a student's second notebook run sees them too.

    python benchmarks/bench_load.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import _common as C

TARGET_FIRST_S = 15.0
TARGET_CACHED_S = 2.0


# ---------------------------------------------------------------- the child processes

def _rss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # Linux: KiB


def _rss_now_mb() -> float:
    """Resident memory now, MB (VmRSS), or the peak where /proc is missing."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _rss_mb()


def child_ours(phases: bool) -> dict:
    """Load our model once; with `phases`, also time the parts of the load call."""
    t0 = time.perf_counter()
    torch = C.setup_torch()
    import lesson_utils.llm.weights as W
    import_s = time.perf_counter() - t0
    rss_import = _rss_mb()

    spent: dict[str, float] = {}
    if phases:      # wrap the module-level helpers that load_transformer goes through
        def wrap(owner, name, label):
            inner = getattr(owner, name)

            def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return inner(*args, **kwargs)
                finally:
                    spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
            setattr(owner, name, timed)
        wrap(W, "file_sha256", "sha256 of the GGUF file (cache key)")
        wrap(W, "_crc32", "CRC-32 of the cache files")
        wrap(W, "gguf_reader", "open GGUF (import gguf + GGUFReader)")
        wrap(W, "read_state_dict", "dequantize + reorder (read_state_dict)")
        wrap(W, "read_vocab", "read vocabulary")
        wrap(torch, "save", "torch.save weights.pt")
        wrap(torch, "load", "torch.load (mmap)")
        wrap(W.Transformer, "load_state_dict", "load_state_dict(assign=True)")
        wrap(W, "Transformer", "Transformer(config) on the meta device")
        wrap(W, "_rope_buffers", "rope tables")

    start, cpu_start = time.perf_counter(), time.process_time()
    model = W.load_transformer(device="cpu")
    load_s, load_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    if phases:
        spent["(not in the parts above)"] = load_s - sum(spent.values())
    # Touch every weight once (a forward pass would): memory-mapped pages are read lazily.
    start = time.perf_counter()
    total = sum(float(p.detach().double().sum()) for p in model.parameters())
    touch_s = time.perf_counter() - start
    return {"import_s": import_s, "load_s": load_s, "load_cpu_s": load_cpu_s, "touch_s": touch_s,
            "checksum": total,
            "rss_after_import_mb": rss_import, "peak_rss_mb": _rss_mb(), "rss_now_mb": _rss_now_mb(),
            "phases": spent}


def child_hf() -> dict:
    t0 = time.perf_counter()
    torch = C.setup_torch()
    torch_s = time.perf_counter() - t0
    import transformers  # noqa: F401
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    from lesson_utils.llm.weights import find_model_file
    import_s = time.perf_counter() - t0
    rss_import = _rss_mb()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    start, cpu_start = time.perf_counter(), time.process_time()
    p = find_model_file()
    model = AutoModelForCausalLM.from_pretrained(str(p.parent), gguf_file=p.name, dtype=torch.float32)
    load_s, load_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    n = sum(p.numel() for p in model.parameters())
    return {"import_s": import_s, "import_torch_s": torch_s, "load_s": load_s, "load_cpu_s": load_cpu_s,
            "n_params": n,
            "rss_after_import_mb": rss_import, "peak_rss_mb": _rss_mb(), "rss_now_mb": _rss_now_mb()}


# ---------------------------------------------------------------- the parent

def run_child(kind: str, cache_dir: str | None, phases: bool = False) -> dict:
    env = dict(os.environ)
    if cache_dir:
        env["LESSON_UTILS_CACHE"] = cache_dir
    env["OMP_NUM_THREADS"] = str(C.THREADS)
    cmd = [sys.executable, __file__, "--child", kind] + (["--phases"] if phases else [])
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} failed:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--child", choices=["ours", "hf"], help=argparse.SUPPRESS)
    parser.add_argument("--phases", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = child_ours(args.phases) if args.child == "ours" else child_hf()
        print(json.dumps(out))
        return

    repeats = args.repeats or (1 if args.quick else 3)
    C.WAIT["max_s"] = 10 if args.quick else 120
    C.setup_torch()
    say = C.Report()
    say(f"bench_load: {repeats} repetition(s), each in a fresh process, interleaved "
        f"(first, cached, hf / hf, first, cached); {C.THREADS} torch threads")

    others: list[float] = []

    def child(kind, cache_dir, phases=False, empty_first=False):
        def run():
            if empty_first:      # a redone first load must start from an empty cache again
                shutil.rmtree(cache_dir, ignore_errors=True)
                os.makedirs(cache_dir)
            return run_child(kind, cache_dir, phases)
        result = C.quiet_timed(run)
        others.append(result[2])
        return result[1]

    runs: dict[str, list[dict]] = {"first": [], "cached": [], "hf": []}
    for rep in range(repeats):
        tmp = tempfile.mkdtemp(prefix="lesson_utils_bench_cache_")
        try:
            if rep % 2:
                runs["hf"].append(child("hf", None))
            runs["first"].append(child("ours", tmp, empty_first=True))
            runs["cached"].append(child("ours", tmp))
            if not rep % 2:
                runs["hf"].append(child("hf", None))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        say(f"  rep {rep + 1}: first {runs['first'][-1]['load_s']:.2f} s, "
            f"cached {runs['cached'][-1]['load_s']:.2f} s, hf {runs['hf'][-1]['load_s']:.2f} s")

    # One more pair with the phases timed (wrapping adds a few microseconds, not counted above).
    tmp = tempfile.mkdtemp(prefix="lesson_utils_bench_cache_")
    try:
        phased = [child("ours", tmp, phases=True, empty_first=True), child("ours", tmp, phases=True)]
        phases_first, phases_cached = phased[0]["phases"], phased[1]["phases"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(kind, key):
        return C.median(r[key] for r in runs[kind])

    summary = {}
    for kind in runs:
        summary[kind] = {key: med(kind, key) for key in
                         ("import_s", "load_s", "load_cpu_s", "process_wall_s", "rss_after_import_mb",
                          "peak_rss_mb", "rss_now_mb")}
    for kind in ("first", "cached"):
        summary[kind]["touch_s"] = med(kind, "touch_s")
    summary["hf"]["import_torch_s"] = med("hf", "import_torch_s")
    checks = {r["checksum"] for r in runs["first"] + runs["cached"]}

    say()
    say(f"{'':34}{'first load':>12}{'cached load':>13}{'transformers':>14}")
    rows = [("import (torch [+ transformers]), s", "import_s", "{:.2f}"),
            ("load call, s", "load_s", "{:.2f}"),
            ("load call, CPU s (all threads)", "load_cpu_s", "{:.2f}"),
            ("whole child process, s", "process_wall_s", "{:.2f}"),
            ("RSS after import, MB", "rss_after_import_mb", "{:.0f}"),
            ("peak RSS, MB", "peak_rss_mb", "{:.0f}"),
            ("RSS once loaded, MB", "rss_now_mb", "{:.0f}")]
    for label, key, fmt in rows:
        say(f"{label:34}" + "".join(f"{fmt.format(summary[k][key]):>{w}}"
                                    for k, w in (("first", 12), ("cached", 13), ("hf", 14))))
    say(f"(import torch alone in the hf child: {summary['hf']['import_torch_s']:.2f} s; "
        f"one pass over every weight after the load: {summary['cached']['touch_s']:.2f} s; our RSS "
        "figures are taken after that pass, so memory-mapped pages would be counted too)")
    say(f"targets: first load <= {TARGET_FIRST_S:.0f} s: "
        f"{'met' if summary['first']['load_s'] <= TARGET_FIRST_S else 'MISSED'}; "
        f"cached <= {TARGET_CACHED_S:.0f} s: "
        f"{'met' if summary['cached']['load_s'] <= TARGET_CACHED_S else 'MISSED'}")
    say(f"weights identical in every run: {len(checks) == 1}")
    say(f"most cores used by other processes during a timed child: {max(others):.2f} "
        f"({C.RETRIES['count']} child run(s) redone because others got busier than {C.NOISY_CORES})")
    say()
    say(f"where the first load goes (one extra run, {phased[0]['load_s']:.2f} s, phases timed):")
    for label, s in sorted(phases_first.items(), key=lambda kv: -kv[1]):
        say(f"  {label:42} {s:6.2f} s")
    say(f"where the cached load goes ({phased[1]['load_s']:.2f} s):")
    for label, s in sorted(phases_cached.items(), key=lambda kv: -kv[1]):
        say(f"  {label:42} {s:6.2f} s")

    C.save("load", {"machine": C.machine_info(), "repeats": repeats, "others_cores": others,
                    "redone": C.RETRIES["count"], "median": summary, "runs": runs,
                    "phases_first": phases_first, "phases_cached": phases_cached,
                    "targets": {"first_s": TARGET_FIRST_S, "cached_s": TARGET_CACHED_S}},
           say.text, args.quick)


if __name__ == "__main__":
    main()
