"""Text that ships with the project, for training tokenizers and tiny models offline.

    text = load_corpus()         # assets/corpus/stories.txt: stories and explanations written by SmolLM2

How it was made: scripts/make_corpus.py (the real model, seeded sampling, about 15 minutes).
"""

from __future__ import annotations

from pathlib import Path

# In the repository (and an editable install) the files are in assets/, beside lesson_utils/. A package
# built by `pip install .` carries its own copy inside itself, as lesson_utils/_assets (pyproject.toml).
_PACKAGE = Path(__file__).resolve().parent
ASSETS = _PACKAGE / "_assets" if (_PACKAGE / "_assets").is_dir() else _PACKAGE.parent / "assets"
CORPORA = {"stories": ASSETS / "corpus" / "stories.txt"}


def load_corpus(name: str = "stories") -> str:
    """The whole text of one of CORPORA, as a str."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose one of {', '.join(CORPORA)}")
    path = CORPORA[name]
    if not path.exists():
        raise FileNotFoundError(f"the corpus file assets/corpus/{path.name} is missing. It is part of the "
                                "repository: run `git checkout -- assets` in the project folder, or rebuild "
                                "it with `python scripts/make_corpus.py`")
    return path.read_text(encoding="utf-8")
