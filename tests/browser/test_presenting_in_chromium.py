"""Presenting: the presenter setting enlarges widget text in JupyterLab, notebooks open as
jupyterlab-rise slides, and the static site opens offline. Screenshots go to build/screenshots/presenting/.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .lab import NOTEBOOKS, ROOT, WIDGET_ROOTS, Lab, open_notebook, run_all_cells, shut_down_kernels

NOTEBOOK = "04_next_token_probabilities.ipynb"      # short (~15 s) and has a slider widget


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


def test_a_notebook_opens_as_rise_slides(page, lab, screenshots):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{lab.base}/rise/{NOTEBOOK}?token={lab.token}")
    page.wait_for_selector(".reveal .slides section", timeout=120_000)
    page.wait_for_timeout(2000)
    slides = page.locator(".reveal .slides > section").count()
    assert slides > 5
    page.screenshot(path=screenshots / "presenting" / "rise-first-slide.png")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(1000)
    page.screenshot(path=screenshots / "presenting" / "rise-second-slide.png")
    assert re.search(r"#/1", page.url) or page.locator(".reveal .slides > section.present").count() == 1
    assert errors == []
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
