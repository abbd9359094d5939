"""lesson_utils.exercises.checks: what every exercise check shares."""

from lesson_utils import exercises


def test_unanswered_exercise_asks_for_an_answer(capsys):
    assert exercises.check_block_parameters(...) is False
    assert "Write your answer" in capsys.readouterr().out
