"""lesson_utils.exercises.n05_sampling: each check accepts a right answer and explains a wrong one."""

from lesson_utils import exercises


def test_sampling_exercise_checks(capsys):
    import torch
    assert exercises.check_temperature(lambda z, t: torch.softmax(z / t, -1)) is True
    assert exercises.check_temperature(lambda z, t: torch.softmax(z * t, -1)) is False
    assert "multiplied" in capsys.readouterr().out

    def top_k(p, k):
        kept = torch.zeros_like(p)
        top = p.topk(k)
        kept[top.indices] = top.values
        return kept / kept.sum()

    assert exercises.check_top_k(top_k) is True
    assert exercises.check_top_k(lambda p, k: top_k(p, k) * top_k(p, k).gt(0).float() * 0 + (
        p * top_k(p, k).gt(0).float())) is False
    assert "renormalise" in capsys.readouterr().out

    def top_p(p, cut):
        kept, total = torch.zeros_like(p), 0.0
        for i in p.argsort(descending=True).tolist():
            kept[i], total = p[i], total + float(p[i])
            if total >= cut:
                break
        return kept / kept.sum()

    assert exercises.check_top_p(top_p) is True
    assert exercises.check_top_p(top_k) is False
    assert exercises.check_top_p(lambda p, c: None) is False
    assert "None" in capsys.readouterr().out
