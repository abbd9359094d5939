"""scripts/compare_outputs.py: the check that the browser tests apply to every notebook on the second
CPU code path. It must compare exactly what nbval compares."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from compare_outputs import comparable, differences, second_code_path  # noqa: E402


def stdout(text):
    return new_output("stream", name="stdout", text=text)


def notebook(*cells):
    return new_notebook(cells=[new_markdown_cell("# title"), *cells])


def test_a_changed_last_digit_is_found_with_its_cell_number():
    def run(text):
        return notebook(new_code_cell("x = 1"), new_code_cell("print(d)", outputs=[stdout(text)]))
    saved, fresh = run("difference 1.4e-06\n"), run("difference 1.3e-06\n")
    [found] = differences(saved, fresh)
    assert found.cell == 1                                      # code cells from 0, as nbval counts
    assert "-difference 1.4e-06" in found.diff and "+difference 1.3e-06" in found.diff


def test_same_outputs_give_no_difference_and_streams_are_joined_as_nbval_joins_them():
    saved = notebook(new_code_cell("f()", outputs=[stdout("a\nb\n")]))
    fresh = notebook(new_code_cell("f()", outputs=[stdout("a\n"), stdout("b\n")]))
    assert differences(saved, fresh) == []


def test_ignored_cells_images_and_widget_ids_are_not_compared():
    marked = "# NBVAL_IGNORE_OUTPUT\nprint(sample)"

    def run(sample, png, model_id):
        widget = {"application/vnd.jupyter.widget-view+json": {"model_id": model_id}, "text/plain": "VBox()"}
        figure = {"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"}
        return notebook(new_code_cell(marked, outputs=[stdout(sample)]),
                        new_code_cell("plot()", outputs=[new_output("display_data", data=figure)]),
                        new_code_cell("Widget()", outputs=[new_output("display_data", data=widget)]))
    saved = run("Once upon a time, a mom\n", "AAAA", "1")
    fresh = run("Once upon a time, a mouse\n", "BBBB", "2")
    assert differences(saved, fresh) == []
    # ... but the text beside a figure is compared.
    fresh.cells[2].outputs[0]["data"]["text/plain"] = "<Figure size 800x480 with 1 Axes>"
    assert [d.cell for d in differences(saved, fresh)] == [1]


def test_a_missing_output_is_a_difference():
    saved = notebook(new_code_cell("f()", outputs=[stdout("x\n")]))
    fresh = notebook(new_code_cell("f()"))
    assert comparable(saved.cells[1].outputs) == {"stdout": ["x\n"]}
    assert len(differences(saved, fresh)) == 1


def test_notebooks_with_other_code_cannot_be_compared():
    with pytest.raises(ValueError, match="same code cells"):
        differences(notebook(new_code_cell("a")), notebook(new_code_cell("b")))


def test_the_saved_notebooks_compare_equal_to_themselves():
    path = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("04_*.ipynb"))[0]
    nb = nbformat.read(path, as_version=4)
    assert differences(nb, nbformat.read(path, as_version=4)) == []


def test_second_code_path_differs_from_this_machines_own(monkeypatch):
    import torch
    path = second_code_path()
    assert path["LESSON_THREADS"] == "1"
    native = torch.backends.cpu.get_cpu_capability()
    assert path["ATEN_CPU_CAPABILITY"].upper() != native.upper()
    assert path["ATEN_CPU_CAPABILITY"] == ("avx2" if native.startswith("AVX512") else "default")
