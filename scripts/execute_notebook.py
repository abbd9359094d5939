"""Re-execute notebooks top to bottom and save them with their outputs.

    python scripts/execute_notebook.py notebooks/00_what_is_an_llm.ipynb [...]

If a jupytext twin (same name, .py) exists and is newer, the notebook is first
rebuilt from it, so the .py file is the one to edit. Afterwards the twin is re-synced.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 600) -> float:
    twin = path.with_suffix(".py")
    if twin.exists() and (not path.exists() or twin.stat().st_mtime > path.stat().st_mtime):
        nb = jupytext.read(twin)
        if path.exists():       # keep the cells' ids, so the diff shows only what changed
            nb = combine_inputs_with_outputs(nb, nbformat.read(path, as_version=4), fmt="py:percent")
        print(f"{path.name}: rebuilt from {twin.name}")
    else:
        nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    os.environ.setdefault("PYTHONHASHSEED", "0")
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    if twin.exists():
        jupytext.write(nb, twin, fmt="py:percent")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"{path.name}: executed in {execute(path):.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
