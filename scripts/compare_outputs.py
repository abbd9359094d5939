"""Run notebooks on another CPU code path and compare their outputs with the saved ones, as nbval does.

    python scripts/compare_outputs.py notebooks/05_temperature_and_sampling.ipynb [...]
    python scripts/compare_outputs.py --this-path notebooks/*.ipynb     # this machine's own code path
    python scripts/compare_outputs.py --out build/second-path notebooks/*.ipynb   # keep the runs

Why: a float sum rounds differently on another instruction set (AVX2, AVX-512, Arm) or thread count,
so an output printed to its last digit on one machine changes on another. Running on a second code
path of the same machine (second_code_path(): PyTorch's AVX2 kernels on an AVX-512 machine, its
plain C++ kernels elsewhere; MKL and oneDNN held to AVX2; one thread) shows such an output before it
reaches a student.
`tasks.py test` does this in its browser step; this script does it for one notebook, offline.
Exit code 0 when every compared output came out the same, 1 otherwise.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

# Environment for the kernel: each variable is read once, when its library loads.
SECOND_CODE_PATH = {
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",      # on an AVX-512 machine, MKL's matmuls as on an AVX2 one
    "ONEDNN_MAX_CPU_ISA": "AVX2",           # the same for oneDNN
    "LESSON_THREADS": "1",                  # lesson_utils.session.setup: one thread instead of two
}


def second_code_path() -> dict[str, str]:
    """SECOND_CODE_PATH plus the PyTorch kernels this machine would not pick by itself.

    On an AVX-512 machine: the AVX2 kernels, which an AMD or older Intel CPU runs (they also draw
    seeded random numbers with other rounding). Elsewhere: the plain C++ kernels, whose sums and exp()
    round unlike any vectorised ones.
    """
    import torch
    native = torch.backends.cpu.get_cpu_capability()
    return {**SECOND_CODE_PATH, "ATEN_CPU_CAPABILITY": "avx2" if native.startswith("AVX512") else "default"}


# nbval's markers (nbval/plugin.py): a cell whose output is not compared, or not run at all.
IGNORE_MARKERS = {"NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP"}
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
# Output fields nbval leaves out of the comparison (it compares no images unless told to).
SKIPPED_FIELDS = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                  "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}


@dataclass
class Difference:
    cell: int           # code cells counted from 0, as nbval names them ("Cell 12")
    source: str
    diff: str

    def __str__(self) -> str:
        first = self.source.strip().splitlines()[0] if self.source.strip() else ""
        return f"code cell {self.cell} ({first[:60]}):\n{self.diff}"


def is_compared(cell) -> bool:
    """False for a cell nbval would not compare: a marker comment or an nbval tag."""
    comments = {line.strip().lstrip("#").strip() for line in cell.source.splitlines()
                if line.strip().startswith("#")}
    tags = set(cell.get("metadata", {}).get("tags", []))
    return not (comments & IGNORE_MARKERS or tags & IGNORE_TAGS)


def comparable(outputs) -> dict[str, list]:
    """A cell's outputs as nbval compares them: streams joined by name (nbval's own code), each field
    in a list by key.

    [stream stdout "a", stream stdout "b\\n", execute_result {"text/plain": "3"}]
    -> {"stdout": ["ab\\n"], "text/plain": ["3"]}
    """
    from nbval.plugin import coalesce_streams
    fields: dict[str, list] = {}
    for out in coalesce_streams(copy.deepcopy(list(outputs))):
        if out.get("output_type") == "stream":
            fields.setdefault(out["name"], []).append(out["text"])
            continue
        for key, value in out.items():
            if key in SKIPPED_FIELDS:
                continue
            for field, v in (value.items() if key == "data" else [(key, value)]):
                if field not in SKIPPED_FIELDS:
                    fields.setdefault(field, []).append(v)
    return fields


def differences(saved, fresh) -> list[Difference]:
    """Every compared code cell whose outputs in `fresh` differ from those in `saved`."""
    saved_code = [c for c in saved.cells if c.cell_type == "code"]
    fresh_code = [c for c in fresh.cells if c.cell_type == "code"]
    if [c.source for c in saved_code] != [c.source for c in fresh_code]:
        raise ValueError("the two notebooks do not have the same code cells")
    found = []
    for i, (old, new) in enumerate(zip(saved_code, fresh_code, strict=True)):
        if not is_compared(old):
            continue
        a, b = comparable(old.outputs), comparable(new.outputs)
        if a != b:
            found.append(Difference(i, old.source, _diff(a, b)))
    return found


def _diff(a: dict, b: dict) -> str:
    lines = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        old = "\n".join(map(str, a.get(key, []))).splitlines()
        new = "\n".join(map(str, b.get(key, []))).splitlines()
        lines += [f"  [{key}]"] + [f"  {line}" for line in difflib.unified_diff(old, new, "saved", "this run",
                                                                              lineterm="", n=0)]
    return "\n".join(lines)


def execute(path: Path, timeout: int = 900):
    """Run a copy of the notebook top to bottom in a fresh kernel (this process's environment)."""
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--this-path", action="store_true",
                        help="run on this machine's own code path instead of the second one")
    parser.add_argument("--out", type=Path, help="save each executed copy in this folder")
    args = parser.parse_args(argv)
    path = {} if args.this_path else second_code_path()
    os.environ.update(path)
    print("code path: " + (" ".join(f"{k}={v}" for k, v in path.items()) or "this machine's own"), flush=True)
    failed = 0
    for path in args.notebooks:
        start = time.perf_counter()
        fresh = execute(path)
        seconds = time.perf_counter() - start
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            nbformat.write(fresh, args.out / path.name)
        found = differences(nbformat.read(path, as_version=4), fresh)
        failed += bool(found)
        print(f"{path.name}: {len(found)} cells differ ({seconds:.0f} s)", flush=True)
        for d in found:
            print(str(d), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
