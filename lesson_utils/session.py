"""One call at the top of every notebook: seeds, threads, plot style, device."""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import torch

from .inputs import whole_number
from .ui import viz

THREADS_VARIABLE = "LESSON_THREADS"


def setup(seed: int = 0, threads: int | None = None, device=None,
          presenter: bool | None = None) -> torch.device:
    """Make the notebook repeatable and say where it runs.

    seed:     fixes Python's, NumPy's and PyTorch's random numbers, so two runs print the same.
    threads:  CPU threads for PyTorch; by default 2 (the machines the series is tested on), or the
              environment variable LESSON_THREADS. `tasks.py test` sets it to 1, so that the saved
              outputs (made with 2) also meet another thread count, which splits sums differently.
    device:   "cpu" or "cuda"; by default CUDA when a GPU is present.
    presenter: larger text in plots and widgets for a projector; by default on when the
              environment variable LESSON_PRESENTER is set (to anything but 0).
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be a whole number, got {seed!r}")
    if threads is None:
        threads = threads_from_environment()
    whole_number("threads", threads, low=1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    _inline_figures()
    viz.use_style(presenter)
    if viz.presenting(presenter):
        _show_html(viz.presenter_css())
    from .llm.weights import pick_device
    chosen = pick_device(device)
    print(f"Python {sys.version.split()[0]} · PyTorch {torch.__version__} · "
          f"{threads} CPU threads · seed {seed} · running on {describe_device(chosen)}")
    return chosen


def threads_from_environment(default: int = 2) -> int:
    """The thread count LESSON_THREADS asks for, else `default`; a bad value says what to set."""
    text = os.environ.get(THREADS_VARIABLE, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{THREADS_VARIABLE}={text!r}: set it to a whole number of threads >= 1, "
                         "or unset it")
    return int(text)


def _inline_figures() -> None:
    """In a notebook, draw figures into the notebook whatever MPLBACKEND says (CI sets Agg)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")


def _show_html(html: str) -> None:
    """Display HTML in a notebook; outside one (a script, a test) do nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return
    if get_ipython() is not None:
        display(HTML(html))


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"the GPU ({torch.cuda.get_device_name(device)})"
    return "the CPU"
