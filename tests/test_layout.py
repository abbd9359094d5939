"""Where code goes in lesson_utils, held by tests: the parts and their order, display code apart,
and a package that installs whole.

The parts, from the bottom up (a module may import its own part and the parts below it):

    assets.py  inputs.py  lazy.py  stats.py   the shipped files; argument checks; short imports; rates
    llm/                           the real model, text in and out
    inside/  scratch/              looking inside the real model; models built from scratch
    post_training/  applications/  api/  what is built on a model
    exercises/                     the checks of the notebooks' exercises
    ui/                            display only
    admin/                         the command line, the set-up check, the slides extension

session.py (seeds, threads, device, figure style) may import anything, and nothing in the package
imports it; nothing imports ui/ but ui/ itself and session.py. Every other top-level module or folder
has its place in LEVEL.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lesson_utils"
LEVEL = {"assets": 0, "inputs": 0, "lazy": 0, "stats": 0, "llm": 1, "inside": 2, "scratch": 2,
         "post_training": 3, "applications": 3, "api": 3, "exercises": 4, "ui": 5, "admin": 6}


def part_of(module: str) -> str:
    """'lesson_utils.llm.model' -> 'llm'; 'lesson_utils.assets' -> 'assets'; the package itself -> ''."""
    names = module.split(".")
    return names[1] if len(names) > 1 else ""


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every lesson_utils module that the file at path imports, anywhere in it (functions too)."""
    here = module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("lesson_utils")}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            if not target.startswith("lesson_utils"):
                continue
            if part_of(target):
                found.add(target)
            else:                          # `from lesson_utils import ui`: the name is the part
                found |= {f"{target}.{a.name}" for a in node.names if a.name != "*"}
            if not node.module:            # `from . import viz`: the name is a module
                found |= {f"{target}.{a.name}" for a in node.names}
    return found


def layering_problems(files: list[Path], root: Path = ROOT) -> list[str]:
    problems = []
    for path in files:
        me = module_name(path, root)
        mine = part_of(me)
        for target in sorted(imports_of(path, root)):
            theirs = part_of(target)
            if theirs == "ui" and mine != "ui" and me != "lesson_utils.session":
                problems.append(f"{me} imports display code ({target}); computation must not")
            elif mine in LEVEL and theirs in LEVEL and LEVEL[theirs] > LEVEL[mine]:
                problems.append(f"{me} ({mine}/) imports {target}, from {theirs}/, a part above it")
            elif theirs == "session" and mine != "session":
                problems.append(f"{me} imports session.py, which is for notebooks and tests")
    return problems


def unplaced(package: Path = PACKAGE) -> set[str]:
    """Top-level modules and folders of the package that LEVEL does not place."""
    found = {p.stem for p in package.glob("*.py")} | {p.name for p in package.iterdir()
                                                      if (p / "__init__.py").is_file()}
    return found - set(LEVEL) - {"__init__", "__main__", "session"}


def test_every_part_imports_only_itself_and_the_parts_below_it():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 40
    assert layering_problems(files) == []


def test_the_layering_check_catches_computation_importing_display_code(tmp_path):
    fake = tmp_path / "lesson_utils"
    (fake / "llm").mkdir(parents=True)
    (fake / "llm" / "model.py").write_text("from ..ui import viz\n")
    (fake / "inside").mkdir()
    (fake / "inside" / "probe.py").write_text("from lesson_utils.admin.cli import main\n")
    (fake / "scratch").mkdir()
    (fake / "scratch" / "ok.py").write_text("from ..llm.model import Transformer\nfrom .bpe import merge\n")
    (fake / "admin").mkdir()
    (fake / "admin" / "__init__.py").write_text("from lesson_utils import ui\n")
    (fake / "applications" / "x").mkdir(parents=True)
    (fake / "applications" / "x" / "y.py").write_text("from ...session import setup\n")
    (fake / "session.py").write_text("from .ui import viz\nfrom .llm.weights import pick_device\n")
    (fake / "ui").mkdir()
    (fake / "ui" / "__init__.py").write_text("from .viz import plot\nfrom ..llm import Transformer\n")
    assert layering_problems(sorted(fake.rglob("*.py")), root=tmp_path) == [
        "lesson_utils.admin imports display code (lesson_utils.ui); computation must not",
        "lesson_utils.applications.x.y imports session.py, which is for notebooks and tests",
        "lesson_utils.inside.probe (inside/) imports lesson_utils.admin.cli, from admin/, a part above it",
        "lesson_utils.llm.model imports display code (lesson_utils.ui); computation must not",
    ]


def test_every_top_level_module_and_folder_has_a_level(tmp_path):
    assert unplaced() == set()
    (tmp_path / "session.py").write_text("")
    (tmp_path / "serving.py").write_text("")
    (tmp_path / "llm").mkdir()
    (tmp_path / "llm" / "__init__.py").write_text("")
    (tmp_path / "notes").mkdir()                     # a folder without __init__.py is not a part
    assert unplaced(tmp_path) == {"serving"}


def test_every_folder_of_the_package_is_in_the_build():
    """A folder missing from pyproject.toml's packages is left out of `pip install .` (not -e)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, f"add {sorted(folders - listed)} to pyproject.toml's packages"
    for name, folder in config["package-dir"].items():
        assert (ROOT / folder).is_dir() and name in listed and config["package-data"][name] == ["**/*"]


@pytest.mark.parametrize("part", [p for p in LEVEL if LEVEL[p] > 0])
def test_each_part_is_a_folder_with_a_docstring_saying_what_it_holds(part):
    init = PACKAGE / part / "__init__.py"
    assert init.is_file(), f"lesson_utils/{part}/ needs an __init__.py"
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))


def test_no_module_name_is_used_twice_except_a_notebooks_widgets_and_exercises():
    """Two files called rag.py send grep and a search for a file to the wrong one. The one pair by
    design: ui/nNN_topic.py and exercises/nNN_topic.py, a notebook's widgets and its checks."""
    paths = [p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"]
    names = [p.name for p in paths]
    twice = {p.relative_to(PACKAGE).as_posix() for p in paths if names.count(p.name) > 1}
    assert {name for name in twice if not name.startswith(("ui/n", "exercises/n"))} == set()
    assert len(twice) >= 8


# Test files that test the series as a whole or one of its scripts (scripts/, tasks.py), not one module.
WHOLE_SERIES_TESTS = {"test_compare_outputs.py", "test_layout.py", "test_notebooks.py", "test_site.py",
                      "test_tasks.py", "llm/test_parity_transformers.py"}


def test_each_test_file_is_named_for_the_module_it_tests():
    """tests/llm/test_model.py tests lesson_utils/llm/model.py: the test tree mirrors the package."""
    tests = ROOT / "tests"
    strays = []
    for path in tests.rglob("test_*.py"):
        relative = path.relative_to(tests)
        if relative.parts[0] == "browser" or relative.as_posix() in WHOLE_SERIES_TESTS:
            continue
        if not (PACKAGE / relative.parent / f"{path.stem.removeprefix('test_')}.py").is_file():
            strays.append(relative.as_posix())
    assert strays == []
    assert all((tests / name).is_file() for name in WHOLE_SERIES_TESTS)

