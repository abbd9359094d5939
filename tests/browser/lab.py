"""Drive JupyterLab in a real browser: Debian's Chromium, through Playwright.

The server runs on localhost over a temporary copy of the notebooks, so nothing the browser does
(autosave included) touches the repository. Used by test_lab_in_chromium.py and by
benchmarks/bench_browser.py.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
INSTALL_HINT = "install Debian's Chromium: sudo apt-get install -y chromium"
# Chromium as root in a container, with no calls home (the machine may have no network).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic"]
# Every cell in the page, not only the visible ones, so that all widgets can be checked.
# And a kernel starts without asking which one.
LAB_SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
                    '{"windowingMode": "none", "autoStartDefaultKernel": true}',
                "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                    '{"fetchNews": "false", "checkForUpdates": false}'}


def find_chromium() -> str | None:
    """The system Chromium's path: $CHROMIUM if set, else the usual Debian places."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for path in CHROMIUM_CANDIDATES:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on localhost, serving a copy of the notebooks from `workdir`."""

    def __init__(self, workdir: Path, env: dict | None = None):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, **(env or {}))
        self.process = None

    def start(self, timeout: float = 90) -> Lab:
        copy = self.workdir / "notebooks"
        shutil.copytree(NOTEBOOKS, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.py"))
        settings = self.workdir / "settings"
        for name, text in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.log = open(self.workdir / "jupyterlab.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--expose-app-in-browser",
             f"--port={self.port}", "--ServerApp.port_retries=0",     # that port or none: not another's
             "--ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={copy}", f"--LabApp.user_settings_dir={settings}",
             f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
             # Kernels talk over Unix sockets, not TCP ports: nbval starts its own kernels at the
             # same time (tasks.py test), and two programs picking free ports at once can collide.
             *(["--KernelManager.transport=ipc"] if os.name == "posix" else []),
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
            cwd=self.workdir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited; see {self.workdir / 'jupyterlab.log'}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s")

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/{notebook}?token={self.token}&reset"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process:
            self.log.close()


def launch_chromium(playwright, executable: str):
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


# ---------------------------------------------------------------- one notebook in a page

# Read from the live notebook model (the app is exposed with --expose-app-in-browser).
_MODEL_SUMMARY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const out = {code: 0, executed: 0, errors: [], widgets: 0};
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    out.code += 1;
    if (cell.executionCount) out.executed += 1;
    const tags = cell.getMetadata('tags') || [];
    for (let j = 0; j < cell.outputs.length; j++) {
      const o = cell.outputs.get(j);
      if (o.type === 'error' && !tags.includes('raises-exception')) out.errors.push(o.toJSON().ename);
      if ('application/vnd.jupyter.widget-view+json' in o.data) out.widgets += 1;
    }
  }
  return out;
}"""

# Rendered widget roots: an output area whose content is a widget view.
WIDGET_ROOTS = ".jp-OutputArea-output > .jupyter-widgets"


def open_notebook(page, lab: Lab, name: str, timeout_ms: int = 120_000) -> None:
    """Open a notebook and wait until its kernel has started and is idle."""
    page.goto(lab.url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    page.wait_for_selector('.jp-StatusBar-TextItem:has-text("| Idle")', timeout=timeout_ms)


def run_all_cells(page, timeout_ms: int) -> dict:
    """Clear every output, click Run > Run All Cells, wait until every code cell has run.

    Returns the notebook model's summary: code cells, executed cells, error names, widget outputs.
    """
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(f"() => {{ const s = ({_MODEL_SUMMARY})(); return s.executed === s.code; }}",
                           timeout=timeout_ms, polling=1000)
    page.wait_for_selector('.jp-StatusBar-TextItem:has-text("| Idle")', timeout=timeout_ms)
    return page.evaluate(_MODEL_SUMMARY)


def save_and_read(page, lab: Lab, name: str, timeout_s: float = 60):
    """Save the open notebook (File > Save) and read the server's copy back, outputs and all."""
    import nbformat
    path = lab.workdir / "notebooks" / name
    before = path.stat().st_mtime_ns
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + timeout_s
    while path.stat().st_mtime_ns == before:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} was not saved within {timeout_s} s")
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)              # the write has begun; let it finish
    return nbformat.read(path, as_version=4)


def shut_down_kernels(lab: Lab) -> None:
    """Stop every kernel the server runs (one per opened notebook), to free its memory."""
    import json
    with urllib.request.urlopen(f"{lab.base}/api/sessions?token={lab.token}", timeout=10) as r:
        sessions = json.load(r)
    for s in sessions:
        req = urllib.request.Request(f"{lab.base}/api/sessions/{s['id']}?token={lab.token}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()


# What a widget draws: its images (data or blob URLs) and the HTML of its text and bar displays,
# but not its controls, whose own read-outs change with every move.
_FIGURE_STATE = """e => [
  ...Array.from(e.querySelectorAll('img')).map(i => i.src),
  ...Array.from(e.querySelectorAll('.widget-html-content')).map(h => h.innerHTML)]"""


def figure_state(root) -> list[str]:
    """What every figure inside a widget shows now, to compare before and after a change."""
    return root.evaluate(_FIGURE_STATE)


def wait_for_new_figure(page, root, before: list[str], timeout_s: float = 60) -> float:
    """Seconds until what the widget draws differs from `before`; AssertionError after timeout_s."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if figure_state(root) != before:
            return time.monotonic() - start
        page.wait_for_timeout(50)
    raise AssertionError(f"the figure did not change within {timeout_s} s of moving the slider")


def wait_for_figure(page, root, expected: list[str], timeout_s: float = 60) -> None:
    """Wait until the widget draws `expected` again (after a slider went back), at most timeout_s."""
    start = time.monotonic()
    while figure_state(root) != expected:
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"moving the slider back did not restore the figure within {timeout_s} s")
        page.wait_for_timeout(50)


def slider_handles(root):
    return root.locator(".widget-slider .noUi-handle")


def nudge_slider(handle, key: str | None = None) -> str:
    """Move a slider one step from the keyboard, as a user can; return the key pressed.

    By default the key is right arrow, or left when the slider is at its maximum.
    """
    handle.scroll_into_view_if_needed()
    if key is None:
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if at_max else "ArrowRight"
    handle.focus()
    handle.press(key)
    return key


OPPOSITE = {"ArrowLeft": "ArrowRight", "ArrowRight": "ArrowLeft"}
