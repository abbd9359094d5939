"""Write the student copy of every notebook: the same cells minus those tagged `solution`.

    python scripts/make_student_copy.py [--out student]

The copies go to student/notebooks/, outputs kept (so figures still show), but the
outputs of exercise checks are cleared, since they would give the answer away.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of `nb` without solution cells; check cells lose their outputs."""
    nb = nbformat.from_dict(nb)
    kept = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            continue
        if cell.cell_type == "code" and "check_" in cell.source:
            cell.outputs, cell.execution_count = [], None
        kept.append(cell)
    nb.cells = kept
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "student"), help="folder to write (default: student/)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in notebooks:
        nb = student_notebook(nbformat.read(path, as_version=4))
        nbformat.write(nb, out / "notebooks" / path.name)
        removed = len(nbformat.read(path, as_version=4).cells) - len(nb.cells)
        print(f"{path.name}: {removed} solution cell(s) removed")
    for extra in ("lesson_utils", "assets", "labextensions"):
        if (ROOT / extra).exists():
            shutil.copytree(ROOT / extra, out / extra, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("requirements.txt", "pyproject.toml", "tasks.py", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, out / name)
    print(f"student copy of {len(notebooks)} notebook(s) written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
