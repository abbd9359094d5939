"""lesson_utils.exercises.n02_embeddings: each check accepts a right answer and explains a wrong one."""

import math

from lesson_utils import exercises


def test_check_cosine(capsys):
    def right(a, b):
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))

    assert exercises.check_cosine(right) is True
    capsys.readouterr()
    assert exercises.check_cosine(lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))) is False
    assert "dot product" in capsys.readouterr().out
    assert exercises.check_cosine(lambda a, b: None) is False
    assert "None" in capsys.readouterr().out
    assert exercises.check_cosine(lambda a, b: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_check_nearest(model, tokenizer, capsys):
    matrix = model.embed.weight.detach().float().cpu()

    def right(m, v, k):
        return ((m / m.norm(dim=1, keepdim=True)) @ (v / v.norm())).topk(k).indices.tolist()

    assert exercises.check_nearest(right, matrix, tokenizer) is True
    capsys.readouterr()
    assert exercises.check_nearest(lambda m, v, k: (m @ v).topk(k).indices, matrix, tokenizer) is False
    assert "dot product" in capsys.readouterr().out
    assert exercises.check_nearest(lambda m, v, k: right(m, v, k)[::-1], matrix, tokenizer) is False
    assert "wrong order" in capsys.readouterr().out


def test_check_bank_layer(capsys):
    sep = [0.0, 0.3, 0.9, 0.5, 0.7]
    assert exercises.check_bank_layer(2, sep) is True
    assert exercises.check_bank_layer(4, sep) is False
    assert "not the last one" in capsys.readouterr().out
    assert exercises.check_bank_layer(9, sep) is False
    assert exercises.check_bank_layer(2.0, sep) is False


def test_check_bank_layer_accepts_int_like_answers():
    import numpy as np
    import torch
    sep = [0.0, 0.3, 0.9, 0.5]
    assert exercises.check_bank_layer(np.int64(2), sep) is True
    assert exercises.check_bank_layer(torch.tensor(sep).argmax(), sep) is True
    assert exercises.check_bank_layer(True, sep) is False
