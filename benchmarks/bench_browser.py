"""Widget redraw latency as a student feels it: in JupyterLab, in Chromium, from a slider's move
to the new figure on screen; and the memory of the JupyterLab server beside the kernels.

    .venv/bin/python benchmarks/bench_browser.py [--quick] [--repeats N]

Needs Debian's Chromium (sudo apt-get install -y chromium) and playwright (the dev set-up). For each
notebook with a slider widget: run all cells in the browser, then move every slider of every widget
one step and back, N times, timing each from the key press until the widget's pictures or text
change in the page (kernel computation, the message round trip and the browser's drawing).
--quick: notebook 04 only, 3 repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common as C

sys.path.insert(0, str(C.REPO / "tests" / "browser"))
from lab import (  # noqa: E402
    OPPOSITE,
    WIDGET_ROOTS,
    Lab,
    figure_state,
    find_chromium,
    launch_chromium,
    nudge_slider,
    open_notebook,
    run_all_cells,
    shut_down_kernels,
    slider_handles,
)

WITH_SLIDERS = ["00_what_is_an_llm", "01_tokenization", "03_attention", "04_next_token_probabilities",
                "05_temperature_and_sampling", "08_rag"]


def time_until_changed(page, root, before: list[str], timeout_s: float = 60) -> float:
    start = time.perf_counter()
    while figure_state(root) == before:
        if time.perf_counter() - start > timeout_s:
            raise RuntimeError("the widget did not redraw")
        page.wait_for_timeout(5)
    return time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def slider_name(root, k: int) -> str:
    slider = root.locator(".widget-slider").nth(k)
    return slider.locator(".widget-label").first.inner_text().strip() or f"slider {k + 1}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="notebook 04 only, 3 repeats")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    names = ["04_next_token_probabilities"] if args.quick else WITH_SLIDERS
    repeats = 3 if args.quick else args.repeats
    chromium = find_chromium()
    if not chromium:
        sys.exit("error: no Chromium found; install it with: sudo apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    report = C.Report()
    rows, run_s = [], {}
    C.wait_for_quiet()          # once: from here on, the server, browser and kernels are the measurement
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        lab = Lab(Path(tmp)).start()
        browser = launch_chromium(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name in names:
                open_notebook(page, lab, f"{name}.ipynb")
                start = time.perf_counter()
                run_all_cells(page, 600_000)
                run_s[name] = time.perf_counter() - start
                roots = page.locator(WIDGET_ROOTS)
                for i in range(roots.count()):
                    root = roots.nth(i)
                    for k in range(slider_handles(root).count()):
                        if not any(figure_state(root)):
                            continue
                        handle, seconds = slider_handles(root).nth(k), []
                        for _ in range(repeats):
                            pressed = None
                            for _direction in ("there", "back"):
                                before = figure_state(root)
                                pressed = nudge_slider(handle, OPPOSITE[pressed] if pressed else None)
                                seconds.append(time_until_changed(page, root, before))
                                page.wait_for_selector('.jp-StatusBar-TextItem:has-text("| Idle")')
                        rows.append({"notebook": name, "widget": i + 1, "slider": slider_name(root, k),
                                     "median_ms": 1000 * statistics.median(seconds),
                                     "worst_ms": 1000 * max(seconds), "moves": len(seconds)})
                shut_down_kernels(lab)
            server_mb = peak_rss_mb(lab.process.pid)
        finally:
            browser.close()
            lab.stop()

    report(f"Slider to redrawn figure in JupyterLab {C.machine_info()['cpu']} + headless Chromium, "
           f"{repeats} moves each way per slider")
    report()
    report("| notebook | widget | slider | median (ms) | worst (ms) | moves |")
    report("|---|---|---|---|---|---|")
    for r in rows:
        report(f"| {r['notebook']} | {r['widget']} | {r['slider']} | {r['median_ms']:.0f} | "
               f"{r['worst_ms']:.0f} | {r['moves']} |")
    report()
    report("| notebook | run all cells in the browser (s) |")
    report("|---|---|")
    for name, s in run_s.items():
        report(f"| {name} | {s:.1f} |")
    report()
    report(f"JupyterLab server peak RSS over the whole run: {server_mb:.0f} MB")
    C.save("browser", {"rows": rows, "run_all_s": run_s, "server_peak_mb": server_mb, "repeats": repeats},
           report.text, quick=args.quick)


if __name__ == "__main__":
    main()
