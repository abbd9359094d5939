"""lesson_utils.exercises.n04_next_token: each check accepts a right answer and explains a wrong one."""

import math

from lesson_utils import exercises


def test_next_token_exercise_checks(capsys):
    from lesson_utils.llm.likelihood import SentenceScore
    exps = [math.exp(2.0), math.exp(1.0), math.exp(0.1)]
    assert exercises.check_softmax_values([e / sum(exps) for e in exps], [2.0, 1.0, 0.1]) is True
    assert exercises.check_softmax_values(exps, [2.0, 1.0, 0.1]) is False
    assert "exponentials" in capsys.readouterr().out
    assert exercises.check_softmax_values([2 / 3.1, 1 / 3.1, 0.1 / 3.1], [2.0, 1.0, 0.1]) is False
    assert "not softmax" in capsys.readouterr().out

    score = SentenceScore(["a", "b", "c"], [math.log(0.5), math.log(0.1)])
    assert exercises.check_sentence_logprob(math.log(0.05), score) is True
    assert exercises.check_sentence_logprob(0.05, score) is False
    assert "probability itself" in capsys.readouterr().out
    assert exercises.check_sentence_logprob(0.6, score) is False
    assert "added the probabilities" in capsys.readouterr().out
    assert exercises.check_sentence_logprob(-math.log(0.05), score) is False
    assert "sign" in capsys.readouterr().out

    ranks = [900, 500, 20, 3, 1, 1]
    assert exercises.check_first_top_layer(4, ranks) is True
    assert exercises.check_first_top_layer(3, ranks) is False
    assert "off by one" in capsys.readouterr().out
    assert exercises.check_first_top_layer(5.0, ranks) is False
