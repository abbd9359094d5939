"""Human feedback as data: pairs of answers and which one a person preferred.

    pairs = load_pairs()                       # the project's 128 labelled pairs
    pairs[0].prompt, pairs[0].a, pairs[0].b    # a question and two answers of SmolLM2
    pairs[0].label                             # "a" or "b": the better one by the stated taste
    mine = with_student_labels(pairs, {3: "b"})   # your clicks replace the project's labels

The taste and how the set was made: assets/preferences/README.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..assets import ASSETS

PAIRS_FILE = ASSETS / "preferences" / "pairs.jsonl"
LABELS = ("a", "b")


@dataclass(frozen=True)
class Pair:
    id: int
    prompt: str
    a: str
    b: str
    a_finished: bool          # False: the answer was cut off at the length limit
    b_finished: bool
    label: str                # "a" or "b": which answer is better
    reason: str               # why, in a few words
    split: str                # "train" or "test" (held out)

    @property
    def chosen(self) -> str:
        return self.a if self.label == "a" else self.b

    @property
    def rejected(self) -> str:
        return self.b if self.label == "a" else self.a

    @property
    def chosen_finished(self) -> bool:
        return self.a_finished if self.label == "a" else self.b_finished

    @property
    def rejected_finished(self) -> bool:
        return self.b_finished if self.label == "a" else self.a_finished


def load_pairs(path: Path | str = PAIRS_FILE) -> list[Pair]:
    """The labelled pairs of a JSON-lines file (by default the project's set)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; it ships with the repository "
                                "(re-create it with: python scripts/make_preferences.py)")
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        if row["label"] not in LABELS:
            raise ValueError(f"{path.name} line {n}: label must be 'a' or 'b', got {row['label']!r}")
        pairs.append(Pair(**row))
    return pairs


def with_student_labels(pairs: list[Pair], choices: dict[int, str]) -> list[Pair]:
    """The pairs with the labels a student clicked ({pair id: "a" or "b"}) in place of the project's."""
    known = {p.id for p in pairs}
    for pair_id, choice in choices.items():
        if pair_id not in known:
            raise ValueError(f"there is no pair with id {pair_id!r}")
        if choice not in LABELS:
            raise ValueError(f"pair {pair_id}: a choice must be 'a' or 'b', got {choice!r}")
    return [replace(p, label=choices[p.id], reason="your label") if p.id in choices else p
            for p in pairs]


def agreement(pairs: list[Pair], choices: dict[int, str]) -> tuple[int, int]:
    """(how many of the student's choices match the project's labels, how many choices)."""
    by_id = {p.id: p for p in pairs}
    same = sum(by_id[i].label == c for i, c in choices.items() if i in by_id)
    return same, len(choices)
