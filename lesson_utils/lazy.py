"""Short imports for notebooks that load only what they use.

Each part's __init__.py lets a notebook write `from lesson_utils.llm import load_chat_model` rather
than `from lesson_utils.llm.chat_model import load_chat_model`. If __init__.py imported all its
modules to do that, asking for one module of a part would load them all: the set-up check
(`python -m lesson_utils doctor`) needs weights.py only, and must still run, to say what is missing,
when tiktoken or regex is not installed. So a part's __init__.py names where each of its names lives,
and the module is imported the first time one of its names is asked for (PEP 562):

    __getattr__, __dir__, __all__ = exports(__name__, {
        "chat": "drop_oldest_turns render_chat",          # module: the names it gives
        "model": "Block Transformer apply_rope",
    })
"""

from __future__ import annotations

import importlib
import sys


def exports(package: str, names_by_module: dict[str, str]):
    """__getattr__, __dir__ and __all__ for the package `package`, which re-exports the names
    (space-separated) of each of its modules."""
    home = {}
    for module, names in names_by_module.items():
        for name in names.split():
            if name in home:
                raise ValueError(f"{package} exports {name} from both {home[name]} and {module}")
            home[name] = module

    def __getattr__(name: str):
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
        setattr(sys.modules[package], name, value)        # asked once: later lookups find it directly
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__, sorted(home)
