"""lesson_utils.exercises.n06_training: each check accepts a right answer and explains a wrong one."""

import math

from lesson_utils import exercises


def test_training_exercise_checks(capsys):
    assert exercises.check_initial_loss(math.log(512), 512) is True
    assert exercises.check_initial_loss(1 / 512, 512) is False
    assert "probability each token gets" in capsys.readouterr().out
    assert exercises.check_initial_loss(9.0, 512) is False
    assert "log base 2" in capsys.readouterr().out
    assert exercises.check_finite_difference(0.0101, 0.01) is True
    assert exercises.check_finite_difference(-0.01, 0.01) is False
    assert "wrong sign" in capsys.readouterr().out
    assert exercises.check_finite_difference(0.02, 0.01) is False
    assert "2h" in capsys.readouterr().out

    def step(model, optimizer, x, y):
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def no_zero(model, optimizer, x, y):
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def no_step(model, optimizer, x, y):
        _, loss = model(x, y)
        loss.backward()
        return loss.item()

    assert exercises.check_train_step(step) is True
    assert exercises.check_train_step(no_zero) is False
    assert "pile up" in capsys.readouterr().out
    assert exercises.check_train_step(no_step) is False
    assert "did not change" in capsys.readouterr().out

    import torch
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    exercises.check_train_step(step)
    assert torch.equal(torch.rand(3), expected), "a check must leave the student's random numbers alone"
