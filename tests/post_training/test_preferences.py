import json

import pytest

from lesson_utils.post_training.preferences import PAIRS_FILE, agreement, load_pairs, with_student_labels


def test_the_project_set_has_128_labelled_pairs_split_by_question():
    pairs = load_pairs()
    assert len(pairs) == 128 and len({p.id for p in pairs}) == 128
    assert sum(p.split == "train" for p in pairs) == 100 and sum(p.split == "test" for p in pairs) == 28
    assert {p.label for p in pairs} == {"a", "b"}
    assert all(p.a.strip() and p.b.strip() and p.reason for p in pairs)
    held_out = {p.prompt for p in pairs if p.split == "test"}
    assert not held_out & {p.prompt for p in pairs if p.split == "train"}


def test_every_read_label_is_in_the_overrides_file():
    overrides = json.loads((PAIRS_FILE.parent / "overrides.json").read_text())
    by_id = {p.id: p for p in load_pairs()}
    for key, value in overrides.items():
        assert by_id[int(key)].label == value["label"] and by_id[int(key)].reason == value["reason"]
    # pairs not read by hand follow the taste's first two rules
    for p in by_id.values():
        if str(p.id) not in overrides:
            assert p.reason in ("finished beats cut off", "shorter finished answer")
            assert p.chosen_finished and p.rejected_finished == (p.reason == "shorter finished answer")


def test_chosen_and_rejected_follow_the_label():
    p = load_pairs()[0]
    assert {p.chosen, p.rejected} == {p.a, p.b}
    assert p.chosen == (p.a if p.label == "a" else p.b)
    assert p.chosen_finished == (p.a_finished if p.label == "a" else p.b_finished)


def test_student_labels_replace_the_projects():
    pairs = load_pairs()[:3]
    flipped = "b" if pairs[1].label == "a" else "a"
    mine = with_student_labels(pairs, {pairs[1].id: flipped})
    assert mine[1].label == flipped and mine[1].reason == "your label"
    assert mine[0] == pairs[0] and mine[2] == pairs[2]
    assert agreement(pairs, {pairs[1].id: flipped, pairs[0].id: pairs[0].label}) == (1, 2)


def test_bad_student_labels_are_refused_in_words():
    pairs = load_pairs()[:2]
    with pytest.raises(ValueError, match="no pair with id"):
        with_student_labels(pairs, {9999: "a"})
    with pytest.raises(ValueError, match="'a' or 'b'"):
        with_student_labels(pairs, {pairs[0].id: "A is better"})


def test_a_missing_or_broken_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_preferences"):
        load_pairs(tmp_path / "nothing.jsonl")
    row = {"id": 0, "prompt": "q", "a": "x", "b": "y", "a_finished": True, "b_finished": True,
           "label": None, "reason": "", "split": "train"}
    (tmp_path / "bad.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match="line 1"):
        load_pairs(tmp_path / "bad.jsonl")
