"""Widgets in jupyterlab-rise slides: a small JupyterLab extension and its installation.

The slides (jupyterlab-rise 0.43.1) are a page of their own, built without @jupyterlab/console.
The ipywidgets 8 widget manager needs that package to load (for widgets in consoles), so without
help a slide shows a widget's text form ("VBox(children=...") instead of the widget. The
extension in labextensions/lesson-rise-widgets/ supplies a stand-in for that one package; the
comment at the top of its static/remoteEntry.js explains how. JupyterLab finds extensions in
<environment>/share/jupyter/labextensions, and an editable install of lesson_utils does not put
files there, so `python -m lesson_utils install-slides-extension` copies it (tasks.py setup runs it).
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

NAME = "lesson-rise-widgets"
# labextensions/ beside lesson_utils/ in the repository; lesson_utils/_labextensions in a package built by
# `pip install .` (pyproject.toml)
_PACKAGE = Path(__file__).resolve().parents[1]
SOURCE = (_PACKAGE / "_labextensions" if (_PACKAGE / "_labextensions").is_dir()
          else _PACKAGE.parent / "labextensions") / NAME
FILES = ("package.json", "static/remoteEntry.js")


def has_source() -> bool:
    """Are the extension's files there to install (in the repository, or inside an installed package)?"""
    return all((SOURCE / f).is_file() for f in FILES)


def installed_folder(prefix: str | Path | None = None) -> Path:
    """Where JupyterLab looks for the extension in the environment at `prefix` (default: this one)."""
    return Path(sys.prefix if prefix is None else prefix) / "share" / "jupyter" / "labextensions" / NAME


def is_installed(prefix: str | Path | None = None) -> bool:
    """True if every file of the extension is in place and the same as in the repository."""
    folder = installed_folder(prefix)
    try:
        return all(filecmp.cmp(SOURCE / f, folder / f, shallow=False) for f in FILES)
    except OSError:                 # a file missing on either side
        return False


def install(prefix: str | Path | None = None) -> Path:
    """Copy the extension into the environment at `prefix` (default: this one); return its folder."""
    if not has_source():
        raise FileNotFoundError(f"{SOURCE} is missing: install lesson_utils from the repository "
                                "with `pip install --no-deps -e .`")
    folder = installed_folder(prefix)
    for f in FILES:
        (folder / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE / f, folder / f)
    return folder
