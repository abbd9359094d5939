"""Every notebook in JupyterLab, in a real browser: all cells run, their outputs are the saved
ones, every widget renders, and a slider redraws its figure. Screenshots land in build/screenshots/
(or $LESSON_SCREENSHOTS).

The kernels run on the second CPU code path (scripts/compare_outputs.py: PyTorch's plain kernels,
one thread), so this run is also the check that no saved output depends on the CPU: nbval runs the
notebooks on the machine's own code path at the same time (`python3 tasks.py test`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from .lab import (
    NOTEBOOKS,
    OPPOSITE,
    ROOT,
    WIDGET_ROOTS,
    figure_state,
    nudge_slider,
    open_notebook,
    run_all_cells,
    save_and_read,
    shut_down_kernels,
    slider_handles,
    wait_for_figure,
    wait_for_new_figure,
)

sys.path.insert(0, str(ROOT / "scripts"))
from compare_outputs import differences  # noqa: E402

NAMES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
RUN_TIMEOUT_MS = 1_200_000          # 5x the longest budget (240 s): one thread, beside nbval


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_its_widgets_render(page, lab, name, screenshots: Path):
    shots = screenshots / Path(name).stem
    shots.mkdir(exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    open_notebook(page, lab, name)
    try:
        summary = run_all_cells(page, RUN_TIMEOUT_MS)
        assert summary["executed"] == summary["code"] > 0
        assert summary["errors"] == [], f"cells raised {summary['errors']}"
        changed = differences(nbformat.read(NOTEBOOKS / name, as_version=4), save_and_read(page, lab, name))

        page.screenshot(path=shots / "top.png")
        roots = page.locator(WIDGET_ROOTS)
        assert roots.count() == summary["widgets"], "a widget output did not render as a widget"
        assert page.get_by_text("Error displaying widget").count() == 0
        for i in range(roots.count()):
            root = roots.nth(i)
            root.scroll_into_view_if_needed()
            root.screenshot(path=shots / f"widget-{i + 1}.png")
            assert root.bounding_box()["height"] > 20, f"widget {i + 1} is empty"

        # Every slider of a widget that shows something: one step redraws it, one step back restores it.
        # (A widget that draws nothing until a button is pressed, like notebook 09's attack lab, is skipped.)
        for i in range(roots.count()):
            root = roots.nth(i)
            for k in range(slider_handles(root).count()):
                before = figure_state(root)
                if not any(before):
                    continue
                handle = slider_handles(root).nth(k)
                key = nudge_slider(handle)
                wait_for_new_figure(page, root, before)
                page.wait_for_selector('.jp-StatusBar-TextItem:has-text("| Idle")')
                root.screenshot(path=shots / f"widget-{i + 1}-slider-{k + 1}-moved.png")
                nudge_slider(handle, OPPOSITE[key])
                wait_for_figure(page, root, before)
        assert not [e for e in page.console_errors if "widget" in e.lower()], page.console_errors
        if changed:
            pytest.fail(
                f"{len(changed)} cells of {name} print something else on the second CPU code path than "
                "the saved outputs: print what holds on every machine (a bound, fewer digits; a trained "
                "model's samples under # NBVAL_IGNORE_OUTPUT, with an assert of what the prose claims). "
                f"Reproduce with: python scripts/compare_outputs.py notebooks/{name}\n\n"
                + "\n\n".join(map(str, changed)), pytrace=False)
    finally:
        shut_down_kernels(lab)
