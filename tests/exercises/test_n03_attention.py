"""lesson_utils.exercises.n03_attention: each check accepts a right answer and explains a wrong one."""

from lesson_utils import exercises


def test_attention_exercise_checks(capsys):
    import torch
    assert exercises.check_causal_mask(lambda T: torch.ones(T, T).tril()) is True
    assert exercises.check_causal_mask(lambda T: torch.ones(T, T).triu()) is False
    assert "turned over" in capsys.readouterr().out
    assert exercises.check_causal_mask(lambda T: torch.ones(T, T).tril(-1)) is False
    assert "diagonal" in capsys.readouterr().out

    def masked(scores):
        T = len(scores)
        return torch.softmax(scores.masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf")), -1)

    assert exercises.check_masked_softmax(masked) is True
    assert exercises.check_masked_softmax(lambda s: torch.softmax(s, -1)) is False
    assert "not masked" in capsys.readouterr().out
    assert exercises.check_masked_softmax(lambda s: masked(s.T).T) is False

    q = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    v = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    right = torch.softmax(q[2] @ q.T / 2 ** 0.5, 0) @ v
    assert exercises.check_attention_output(right.tolist(), q, q, v) is True
    assert exercises.check_attention_output(torch.softmax(q[2] @ q.T, 0) @ v, q, q, v) is False
    assert "sqrt(2)" in capsys.readouterr().out
    assert exercises.check_attention_output([5.0, 6.0], q, q, v) is False
    assert "own value" in capsys.readouterr().out
