"""Presenting: the presenter setting enlarges widget text in JupyterLab, notebooks open as
jupyterlab-rise slides that load nothing from the web, widgets draw and redraw inside the slides,
and the static site opens offline. Screenshots go to build/screenshots/presenting/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lesson_utils.admin import slides

from .lab import (
    NOTEBOOKS,
    ROOT,
    WIDGET_ROOTS,
    Lab,
    figure_state,
    open_notebook,
    run_all_cells,
    shut_down_kernels,
    slider_handles,
    wait_for_new_figure,
)

NOTEBOOK = "04_next_token_probabilities.ipynb"      # short (~15 s) and has a slider widget
NAMES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def presenter_lab(tmp_path_factory, chromium_path):
    server = Lab(tmp_path_factory.mktemp("presenter-lab"), env={"LESSON_PRESENTER": "1"}).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def widget_font_px(page) -> float:
    label = page.locator(f"{WIDGET_ROOTS} .widget-label").first
    return float(label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def test_presenter_setting_enlarges_widget_text(page, lab, presenter_lab, screenshots):
    shots = screenshots / "presenting"
    shots.mkdir(exist_ok=True)
    sizes = {}
    for name, server in (("normal", lab), ("presenter", presenter_lab)):
        open_notebook(page, server, NOTEBOOK)
        try:
            run_all_cells(page, 300_000)
            sizes[name] = widget_font_px(page)
            root = page.locator(WIDGET_ROOTS).first
            root.scroll_into_view_if_needed()
            root.screenshot(path=shots / f"widget-{name}.png")
        finally:
            shut_down_kernels(server)
    assert sizes["normal"] == 13                                  # JupyterLab's default
    assert sizes["presenter"] == pytest.approx(13 * 1.4, abs=0.6)


# Shown now: on the current slide (reveal.js marks it "present") and, inside a fragment, revealed.
ON_SCREEN = """e => e.closest('section').classList.contains('present')
  && (!e.closest('.fragment') || e.closest('.fragment').classList.contains('visible'))"""


def drag_by(page, handle, dx: float) -> None:
    """Drag a slider's handle `dx` pixels to the right with the mouse."""
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=5)
    page.mouse.up()


def open_slides(page, lab, name: str) -> dict:
    """Open a notebook as slides. Returns lists that fill with page errors, requests that leave
    localhost, and local requests that fail (4xx/5xx)."""
    seen = {"errors": [], "remote": [], "failed": []}
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: r.url.startswith(lab.base) or seen["remote"].append(r.url))
    page.on("response", lambda r: r.status >= 400 and seen["failed"].append(f"{r.status} {r.url}"))
    page.goto(f"{lab.base}/rise/{name}?token={lab.token}")
    page.wait_for_selector(".reveal .slides section", timeout=120_000)
    return seen


@pytest.mark.parametrize("name", NAMES)
def test_notebook_opens_as_rise_slides(page, lab, screenshots, name):
    seen = open_slides(page, lab, name)
    try:
        page.wait_for_timeout(2000)
        assert page.locator(".reveal .slides > section").count() > 5
        stem = Path(name).stem[:2]
        page.screenshot(path=screenshots / "presenting" / f"rise-{stem}-first-slide.png")
        page.keyboard.press("ArrowRight")
        # the second slide is the one shown now (a TimeoutError if the key did not move the slides)
        page.wait_for_function("() => [...document.querySelectorAll('.reveal .slides > section')]"
                               ".findIndex(s => s.classList.contains('present')) === 1", timeout=15_000)
        page.screenshot(path=screenshots / "presenting" / f"rise-{stem}-second-slide.png")
        assert seen["errors"] == []
        assert seen["remote"] == []             # the notebook's "white" theme: no web fonts
        # e.g. a file path in a saved output, which the slides try to open as a link
        assert seen["failed"] == []
    finally:
        shut_down_kernels(lab)


def test_widgets_draw_and_redraw_in_rise_slides(page, lab, screenshots):
    # Needs lesson_utils' slides extension (lesson_utils/admin/slides.py): without it the widget manager
    # does not load in the slides and the widget shows as text.
    assert slides.is_installed(), f"the slides extension is missing or old: run {sys.executable} -m " \
                                  "lesson_utils install-slides-extension"
    seen = open_slides(page, lab, NOTEBOOK)
    try:
        page.wait_for_timeout(2000)
        page.locator(".jp-Cell").first.click()
        page.keyboard.press("Escape")
        for _ in range(page.locator(".jp-Cell").count()):       # run every cell, as a presenter would
            page.keyboard.press("Shift+Enter")
            page.wait_for_timeout(200)
        root = page.locator(WIDGET_ROOTS).first
        root.wait_for(state="attached", timeout=180_000)
        page.wait_for_selector('.jp-Toolbar :text("Kernel status: Idle")', state="attached", timeout=300_000)
        assert page.get_by_text("Error displaying widget").count() == 0
        page.keyboard.press("Home")                             # back to the first slide, then to the widget
        for _ in range(200):
            if root.evaluate(ON_SCREEN):
                break
            page.keyboard.press("PageDown")                     # next step: slide, sub-slide or fragment
            page.wait_for_timeout(150)
        assert root.evaluate(ON_SCREEN), "no slide shows the widget"
        page.wait_for_timeout(1000)
        page.screenshot(path=screenshots / "presenting" / "rise-widget.png")
        before = figure_state(root)
        assert any(before), "the widget draws nothing"
        # With the mouse, as a presenter would: in the slides, arrow keys turn the page.
        handle = slider_handles(root).first
        drag_by(page, handle, 40)
        wait_for_new_figure(page, root, before)
        page.screenshot(path=screenshots / "presenting" / "rise-widget-slider-moved.png")
        assert root.evaluate(ON_SCREEN), "moving the slider left the slide"
        assert seen["errors"] == []
    finally:
        shut_down_kernels(lab)


def test_static_site_opens_offline(page, tmp_path, screenshots):
    build = [sys.executable, str(ROOT / "scripts" / "build_site.py"), "--out", str(tmp_path)]
    subprocess.run(build, check=True)
    remote = []
    page.on("request", lambda r: r.url.startswith(("file:", "data:", "blob:")) or remote.append(r.url))
    page.goto((tmp_path / "index.html").as_uri())
    links = page.locator("ul.notebooks li > a")
    assert links.count() == len(list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
    page.screenshot(path=screenshots / "presenting" / "site-index.png")
    links.nth(3).click()
    page.wait_for_load_state()
    assert page.locator(".sw img").count() >= 1                 # a widget, drawn from its saved state
    page.locator(".sw").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "presenting" / "site-widget.png")
    assert remote == []
