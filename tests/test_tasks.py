"""tasks.py test: the steps it runs side by side, and the order it starts them in."""

from __future__ import annotations

import json
from pathlib import Path

import tasks

ROOT = Path(__file__).resolve().parent.parent


def notebook_with_times(path: Path, spans: list[tuple[str, str] | None]) -> Path:
    """A notebook file whose code cells ran over the given (busy, idle) times; None: a cell never run."""
    cells = []
    for span in spans:
        metadata = {} if span is None else {"execution": {"iopub.status.busy": span[0],
                                                          "iopub.status.idle": span[1]}}
        cells.append({"cell_type": "code", "metadata": metadata, "source": "", "outputs": []})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_saved_run_seconds_spans_first_cell_to_last(tmp_path):
    path = notebook_with_times(tmp_path / "a.ipynb", [
        ("2026-12-02T00:00:00.000000Z", "2026-12-02T00:00:10.500000Z"),
        None,
        ("2026-12-02T00:01:00.000000Z", "2026-12-02T00:02:30.000000Z")])
    assert tasks.saved_run_seconds(path) == 150.0


def test_saved_run_seconds_is_zero_without_times(tmp_path):
    assert tasks.saved_run_seconds(notebook_with_times(tmp_path / "never_run.ipynb", [None, None])) == 0.0
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert tasks.saved_run_seconds(tmp_path / "broken.ipynb") == 0.0
    assert tasks.saved_run_seconds(tmp_path / "missing.ipynb") == 0.0


def test_every_notebook_is_an_nbval_step_started_longest_first():
    steps, start_order = tasks.long_steps("python", [])
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    nbval = [name for name in start_order if name.startswith("nbval-")]
    assert sorted(nbval) == [f"nbval-{p.stem}" for p in notebooks]
    assert sorted(start_order) == sorted(steps)                       # each step started once
    assert start_order[0] == "browser"                                # it runs every notebook: longest
    seconds = [tasks.saved_run_seconds(ROOT / "notebooks" / f"{name.removeprefix('nbval-')}.ipynb")
               for name in nbval]
    assert seconds == sorted(seconds, reverse=True)
    assert all(s > 0 for s in seconds), "a saved notebook without execution times"
    for name in nbval:                                                # one notebook per step
        command = steps[name][0]
        assert command[-1] == f"notebooks/{name.removeprefix('nbval-')}.ipynb" and "--nbval" in command


def test_the_browser_steps_together_run_every_browser_test_file():
    steps, _ = tasks.long_steps("python", ["-k", "x"])
    browser, presenting = steps["browser"][0], steps["presenting"][0]
    assert browser[3:4] == [tasks.BROWSER_LAB_TESTS]
    assert presenting[3:5] == [tasks.BROWSER_TESTS, f"--ignore={tasks.BROWSER_LAB_TESTS}"]
    assert (ROOT / tasks.BROWSER_LAB_TESTS).is_file()
    assert f"--ignore={tasks.BROWSER_TESTS}" in steps["tests"][0]
    assert all(command[-2:] == ["-k", "x"] for command, _ in steps.values())   # ARGS reach every step
