"""lesson_utils.exercises.n07_post_training: each check accepts a right answer and explains a wrong one."""

import math

from lesson_utils import exercises


def test_post_training_exercise_checks(capsys):
    import torch
    import torch.nn.functional as F

    assert exercises.check_preference_probability(lambda a, b: 1 / (1 + math.exp(-(a - b)))) is True
    assert exercises.check_preference_probability(lambda a, b: 1 / (1 + math.exp(-(b - a)))) is False
    assert "r_a - r_b" in capsys.readouterr().out
    assert exercises.check_preference_probability(lambda a, b: a - b) is False
    assert "sigmoid" in capsys.readouterr().out

    def dpo(pc, pr, rc, rr, beta):
        return -F.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()

    assert exercises.check_dpo_loss(dpo) is True
    def no_reference(pc, pr, rc, rr, beta):
        return -F.logsigmoid(beta * (pc - pr)).mean()

    assert exercises.check_dpo_loss(no_reference) is False
    assert "reference" in capsys.readouterr().out
    assert exercises.check_dpo_loss(lambda pc, pr, rc, rr, beta: dpo(pr, pc, rr, rc, beta)) is False
    assert "flipped" in capsys.readouterr().out
    assert exercises.check_dpo_loss(lambda *args: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out

    answers, useful = ["good answer", "Yes.", "I like turtles."], [True, False, False]
    rewards = torch.tensor([2.0, 2.5, 1.0])
    assert exercises.check_hacked_reward(1, answers, rewards, useful) is True
    assert exercises.check_hacked_reward(0, answers, rewards, useful) is False
    assert "does answer" in capsys.readouterr().out
    assert exercises.check_hacked_reward(2, answers, rewards, useful) is False
    assert "not fooled" in capsys.readouterr().out
    assert exercises.check_hacked_reward(7, answers, rewards, useful) is False
    assert exercises.check_hacked_reward(..., answers, rewards, useful) is False
