"""Shared helpers for the benchmark scripts: timing, machine facts, prompts, result files.

Every script in this folder can run on its own (`python benchmarks/bench_decode.py`);
this module sits next to them, so `import _common` works from any working directory.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
THREADS = 2

if str(REPO) not in sys.path:       # so `import lesson_utils` works without an installed package
    sys.path.insert(0, str(REPO))

# Questions of different lengths, all different, for the chat-formatted prompts.
QUESTIONS = [
    "Hi!",
    "What is 2 + 2?",
    "Name three fruits.",
    "What is the capital of France?",
    "Explain in a few sentences why the sky is blue.",
    "Write a haiku about the sea.",
    "How many legs does a spider have, and why do insects have fewer?",
    "Give me a short recipe for pancakes with the quantities of each ingredient.",
    "What is photosynthesis?",
    "Translate 'good morning' into Spanish, French and German.",
    "List the planets of the solar system in order from the Sun, with one fact about each.",
    "Why do we have seasons on Earth?",
    "Tell me a joke about computers.",
    "What is the difference between weather and climate? Answer for a ten-year-old child who "
    "is curious about the world and asks a lot of questions.",
    "Summarize the story of Little Red Riding Hood.",
    "Which is heavier, a kilogram of feathers or a kilogram of steel?",
    "Suggest a name for a cat.",
    "How does a bicycle stay upright when it is moving?",
    "What are the primary colors?",
    "Describe the water cycle in four steps.",
    "Who wrote Romeo and Juliet?",
    "Give two tips for sleeping better.",
    "What does a bee do all day? Describe its work inside and outside the hive in detail, "
    "including how it finds flowers and how it tells the other bees where they are.",
    "Why is the ocean salty?",
    "Write one sentence about autumn.",
    "How do airplanes fly?",
    "What is the boiling point of water at sea level in Celsius and in Fahrenheit?",
    "Recommend a book for a teenager who likes adventure.",
    "What is a prime number? Give the first five.",
    "Explain what a computer program is, in simple words.",
    "Why do leaves change color in the fall?",
    "Count from one to ten in English.",
]
SINGLE_QUESTION = "Explain in a few sentences why the sky is blue."
SYSTEM = "You are a helpful assistant."


def setup_torch():
    import torch
    torch.set_num_threads(THREADS)
    return torch


def chat_prompt_ids(question: str, system: str | None = SYSTEM) -> list[int]:
    from lesson_utils.llm.chat import render_chat, user
    from lesson_utils.llm.tokenizers import get_tokenizer
    return get_tokenizer("smollm2").encode(render_chat(user(question, system)))


def median(values) -> float:
    return float(statistics.median(values))


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


# ---------------------------------------------------------------- other processes' CPU use
# The machine is shared: test suites may run beside the benchmark. With 2 cores and 2 torch
# threads, one busy neighbour can make many-small-op code (decode) 3-15x slower, since a
# thread that loses its core stalls the other one at every op's barrier. So each timed call
# waits until the machine is quiet, measures how many cores *other* processes used while
# it ran, and is done again when that was more than NOISY_CORES.

NOISY_CORES = 0.25
RETRIES = {"count": 0}          # how many timed calls were redone, for the reports


def _cpu_busy_s() -> float:
    """CPU-seconds all cores spent busy since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = sum(fields) - fields[3] - fields[4]          # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    import resource
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class CpuWatch:
    """`with CpuWatch() as w: ...` then w.others: cores used by other processes meanwhile."""

    def __enter__(self):
        self.available = Path("/proc/stat").exists()
        if self.available:
            self._t, self._busy, self._own = time.perf_counter(), _cpu_busy_s(), _own_cpu_s()
        return self

    def __exit__(self, *exc):
        self.others = 0.0
        if self.available:
            wall = max(time.perf_counter() - self._t, 1e-9)
            self.others = max((_cpu_busy_s() - self._busy) - (_own_cpu_s() - self._own), 0.0) / wall
        return False


WAIT = {"max_s": 120.0}         # the scripts set 10 s for --quick


def wait_for_quiet(say=print) -> float:
    """Wait (up to WAIT["max_s"]) until other processes use less than NOISY_CORES cores."""
    start, told = time.perf_counter(), False
    while True:
        with CpuWatch() as w:
            time.sleep(0.3)
        if w.others < NOISY_CORES or time.perf_counter() - start > WAIT["max_s"]:
            return w.others
        if not told:
            say(f"  (waiting for other processes to calm down: they use {w.others:.1f} cores)")
            told = True
        time.sleep(1.0)


def quiet_timed(fn, *args, max_tries: int = 8, **kwargs) -> tuple[float, object, float]:
    """(seconds, fn's result, cores used by others) of a call made while the machine was
    quiet; redone (up to max_tries times) when other processes got busy meanwhile."""
    for attempt in range(max_tries):
        wait_for_quiet()
        with CpuWatch() as w:
            seconds, out = timed(fn, *args, **kwargs)
        if w.others <= NOISY_CORES or attempt == max_tries - 1:
            return seconds, out, round(w.others, 2)
        RETRIES["count"] += 1
    raise AssertionError("unreachable")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return sorted(f for f in flags if f.startswith(("avx", "amx", "fma")))
    except OSError:
        pass
    return []


def mem_total_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict:
    import torch
    info = {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "logical_cores": os.cpu_count(),
        "memory_gb": mem_total_gb(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        import transformers
        info["transformers"] = transformers.__version__
    except ImportError:
        info["transformers"] = None
    return info


def quick_args(doc: str, quick_help: str = "a smoke run: smaller and fewer measurements", more=None):
    """The --quick flag every benchmark takes; a quick run waits at most 10 s for a quiet machine.
    `more(parser)`, if given, adds a benchmark's own flags."""
    import argparse
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    if more:
        more(parser)
    args = parser.parse_args()
    if args.quick:
        WAIT["max_s"] = 10.0
    return args


def results_dir(quick: bool) -> Path:
    """results/, or results/quick/ for smoke runs, so they never overwrite real figures."""
    return RESULTS / "quick" if quick else RESULTS


def save(name: str, data: dict, text: str, quick: bool = False) -> None:
    """Write <results>/<name>.json and <name>.txt (the printed report)."""
    folder = results_dir(quick)
    folder.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "when": datetime.datetime.now().isoformat(timespec="seconds"),
            "quick": quick, **data}
    (folder / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
    (folder / f"{name}.txt").write_text(text.rstrip() + "\n")
    print(f"\nsaved {folder / (name + '.json')} and {name}.txt")


class Report:
    """Print lines as they come and keep them for the .txt file."""

    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def load_hf_model(dtype=None):
    """transformers' own Llama, built from the same GGUF file (dequantized by transformers)."""
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    from lesson_utils.llm.weights import find_model_file
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    p = find_model_file()
    model = AutoModelForCausalLM.from_pretrained(str(p.parent), gguf_file=p.name,
                                                 dtype=dtype or torch.float32)
    return model.eval()
