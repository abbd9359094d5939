"""lesson_utils.lazy: a part's short imports load a module only when one of its names is used."""

import subprocess
import sys
import types

import pytest

from lesson_utils.lazy import exports


def fake_package(monkeypatch, table):
    """A package `fakepkg` with a module `fakepkg.tools` that defines `hammer`, and exports(table)."""
    package = types.ModuleType("fakepkg")
    package.__path__ = []
    tools = types.ModuleType("fakepkg.tools")
    tools.hammer, tools.saw = "a hammer", "a saw"
    monkeypatch.setitem(sys.modules, "fakepkg", package)
    monkeypatch.setitem(sys.modules, "fakepkg.tools", tools)
    package.__getattr__, package.__dir__, package.__all__ = exports("fakepkg", table)
    return package


def test_a_name_is_fetched_from_its_module_and_then_kept(monkeypatch):
    package = fake_package(monkeypatch, {"tools": "hammer saw"})
    assert package.__all__ == ["hammer", "saw"] and "hammer" in dir(package)
    assert "hammer" not in vars(package)
    from fakepkg import hammer
    assert hammer == "a hammer" and vars(package)["hammer"] == "a hammer"


def test_an_unknown_name_is_an_attribute_error(monkeypatch):
    package = fake_package(monkeypatch, {"tools": "hammer"})
    with pytest.raises(AttributeError, match="'fakepkg' has no attribute 'drill'"):
        package.drill  # noqa: B018 (the lookup is the test)
    assert not hasattr(package, "saw")                 # defined in tools, but not exported


def test_one_name_from_two_modules_is_refused():
    with pytest.raises(ValueError, match="hammer from both tools and shed"):
        exports("fakepkg", {"tools": "hammer", "shed": "rake hammer"})


def test_every_exported_name_exists_where_its_part_says():
    import lesson_utils.applications as applications
    import lesson_utils.exercises as exercises
    import lesson_utils.inside as inside
    import lesson_utils.llm as llm
    import lesson_utils.post_training as post_training
    import lesson_utils.scratch as scratch
    import lesson_utils.ui as ui
    for part in (llm, inside, scratch, post_training, applications, exercises, ui):
        assert len(part.__all__) >= 5
        for name in part.__all__:
            assert getattr(part, name) is not None, f"{part.__name__}.{name}"


def test_reading_the_weights_module_loads_neither_the_tokenizer_nor_the_widgets():
    code = ("import sys, lesson_utils.llm.weights, lesson_utils.session; "
            "print(sorted(m for m in ('tiktoken', 'regex', 'lesson_utils.llm.chat_model', "
            "'lesson_utils.ui.n00_what_is_an_llm', 'ipywidgets') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.strip() == "[]"
