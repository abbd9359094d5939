"""Notebook hygiene: saved executed in order, no errors, slide metadata, exercises, no leaks.

nbval (run separately: pytest --nbval notebooks/) re-executes each notebook and
compares outputs; these checks cover what nbval does not look at.
"""

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))
from make_student_copy import main as make_student_copy  # noqa: E402
from make_student_copy import student_notebook  # noqa: E402

SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
LEAKS = re.compile(r"/work/|/root/|/home/|/Users/|C:\\\\|0x[0-9a-f]{8,}")


def _text_of(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":                  # its traceback names the files it went through
        return "\n".join([output.evalue, *output.traceback])
    return "".join(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_executed_in_order_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"execution counts are {counts}; re-run top to bottom"
    for cell in code:
        tags = cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors or "raises-exception" in tags, f"error output in cell:\n{cell.source[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        slide_type = cell.metadata.get("slideshow", {}).get("slide_type")
        assert slide_type in SLIDE_TYPES, f"cell without a valid slide_type:\n{cell.source[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_slides_use_a_theme_without_web_fonts(path):
    # jupyterlab-rise's default theme ("simple") fetches its fonts from fonts.googleapis.com;
    # "white" uses a font shipped with the extension, so the slides load nothing from the web.
    assert nbformat.read(path, as_version=4).metadata.get("rise", {}).get("theme") == "white"
    # The .py twin keeps it too (notebook_metadata_filter), so a notebook rebuilt from it keeps it.
    assert jupytext.read(path.with_suffix(".py")).metadata.get("rise", {}).get("theme") == "white"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_shape(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "setup(" in "".join(c.source for c in nb.cells[:4]), "setup() must be called near the top"
    checks = [c for c in nb.cells if c.cell_type == "code" and "check_" in c.source]
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(checks) >= 3 and len(solutions) >= 3, "at least 3 checked exercises with solutions"
    assert "summary" in nb.cells[-1].source.lower()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_leak_no_paths_or_addresses(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found = LEAKS.search(_text_of(output))
            assert not found, f"output shows {found.group()!r} in cell:\n{cell.source[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_jupytext_twin_in_sync(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{twin.name} missing: run jupytext --set-formats ipynb,py:percent"
    paired = [c.source for c in jupytext.read(twin).cells]
    saved = [c.source for c in nbformat.read(path, as_version=4).cells]
    assert paired == saved, f"{path.name} and {twin.name} differ: run scripts/execute_notebook.py"


def test_student_copy_drops_solutions_and_check_outputs(tmp_path):
    assert make_student_copy(["--out", str(tmp_path)]) == 0
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        copy = nbformat.read(tmp_path / "notebooks" / path.name, as_version=4)
        n_solutions = sum("solution" in c.metadata.get("tags", []) for c in original.cells)
        assert len(copy.cells) == len(original.cells) - n_solutions
        assert not any("solution" in c.metadata.get("tags", []) for c in copy.cells)
        for cell in copy.cells:
            if cell.cell_type == "code" and "check_" in cell.source:
                assert cell.outputs == []
    assert (tmp_path / "lesson_utils" / "llm" / "model.py").exists()
    # tasks.py setup installs the slides extension from the copy, so its files must be there.
    from lesson_utils.admin import slides
    assert all((tmp_path / slides.SOURCE.relative_to(ROOT) / name).is_file() for name in slides.FILES)


def test_student_notebook_keeps_other_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T"),
                nbformat.v4.new_code_cell("x = ...", metadata={}),
                nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]}),
                nbformat.v4.new_code_cell("check_x(x)",
                                          outputs=[nbformat.v4.new_output("stream", text="✅")])]
    out = student_notebook(nb)
    assert [c.source for c in out.cells] == ["# T", "x = ...", "check_x(x)"]
    assert out.cells[2].outputs == []
