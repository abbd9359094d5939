"""Each notebook's run time from top to bottom and the peak memory of its kernel.

    .venv/bin/python benchmarks/bench_notebooks.py [--quick] [--save]

Each notebook runs in a fresh child process that starts a kernel and executes every cell
(nbclient, as nbval and scripts/execute_notebook.py do; nothing is saved). The time is the
whole execution, kernel start included; the memory is the kernel's peak resident set size
(ru_maxrss of the reaped kernel process), i.e. what one student's notebook needs at most.
--quick runs notebooks 03 and 04 only. --save also writes each executed notebook back, as
scripts/execute_notebook.py does (rebuilt from its jupytext twin when that is newer), so that the
run which saves the notebooks is also the one that measures them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import _common as C

BUDGET_S = {"06": 240, "07": 240}           # the lesson standard: 240 s for training and RLHF, else 120
DEFAULT_BUDGET_S = 120
BUDGET_MB = 3 * 1024

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
if sys.argv[3] == "save":
    sys.path.insert(0, sys.argv[4])
    from execute_notebook import execute
    seconds = execute(Path(path))
else:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": sys.argv[2]}}).execute()
    seconds = time.perf_counter() - start
kernel_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss     # the kernel, once reaped
print(json.dumps({"seconds": seconds, "kernel_peak_mb": kernel_kb / 1024}))
"""


def run_one(path, save: bool = False) -> dict:
    env = {"PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(path.parent), "save" if save else "-",
                           str(C.REPO / "scripts")], capture_output=True,
                          text=True, env={**os.environ, **env}, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    def more(parser):
        parser.add_argument("--save", action="store_true",
                            help="write each executed notebook back, as execute_notebook.py does")
        parser.add_argument("--only", nargs="+", metavar="NN", help="only these notebooks (e.g. 02 07)")
    args = C.quick_args(__doc__, "notebooks 03 and 04 only", more=more)
    paths = sorted((C.REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.quick or args.only:
        paths = [p for p in paths if p.name[:2] in (args.only or ("03", "04"))]
    report = C.Report()
    machine = C.machine_info()
    report(f"Notebooks top to bottom, one fresh kernel each ({machine.get('cpu', '')}, "
           f"{machine.get('logical_cores', '')} cores)")
    report()
    report("| notebook | seconds | budget (s) | kernel peak RSS (MB) | budget (MB) | within both? |")
    report("|---|---|---|---|---|---|")
    rows, failures = [], []
    for path in paths:
        C.wait_for_quiet()
        try:
            result = run_one(path, save=args.save)
        except RuntimeError as e:                       # report it, and go on with the others
            report(f"| {path.stem} | failed | | | | **no** |")
            print(e, file=sys.stderr)
            failures.append(path.stem)
            continue
        budget = BUDGET_S.get(path.name[:2], DEFAULT_BUDGET_S)
        ok = result["seconds"] <= budget and result["kernel_peak_mb"] <= BUDGET_MB
        rows.append({"notebook": path.stem, "budget_s": budget, **result})
        report(f"| {path.stem} | {result['seconds']:.1f} | {budget} | {result['kernel_peak_mb']:,.0f} | "
               f"{BUDGET_MB:,} | {'yes' if ok else '**no**'} |")
    total = sum(r["seconds"] for r in rows)
    report()
    report(f"all {len(rows)} notebooks: {total:.0f} s; the largest kernel: "
           f"{max(r['kernel_peak_mb'] for r in rows):,.0f} MB")
    name = "notebooks" + ("" if not args.only else "-" + "-".join(args.only))  # partial: own file
    C.save(name, {"machine": machine, "rows": rows, "failed": failures}, report.text, quick=args.quick)
    if failures:
        raise SystemExit(f"failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
