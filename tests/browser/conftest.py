"""Fixtures for the browser tests: the system Chromium, and one JupyterLab server per module.

Without Chromium these tests are skipped, except under CI (CI=true), where .ci/run installs it
and a missing browser must fail rather than pass silently.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from .lab import INSTALL_HINT, ROOT, Lab, find_chromium, launch_chromium

sys.path.insert(0, str(ROOT / "scripts"))
from compare_outputs import second_code_path  # noqa: E402

SCREENSHOTS = Path(os.environ.get("LESSON_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" /
                                  "screenshots"))


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if not path or not Path(path).exists():
        _unavailable(f"no Chromium found; {INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing; run `python3 tasks.py setup --dev`")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_api, chromium_path):
    b = launch_chromium(playwright_api, chromium_path)
    yield b
    b.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium_path):
    """JupyterLab whose kernels run on the second CPU code path (scripts/compare_outputs.py), so
    that the browser run of each notebook, compared with the saved outputs, also shows any output
    that another CPU or thread count would print differently."""
    server = Lab(tmp_path_factory.mktemp("lab"), env=second_code_path()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
