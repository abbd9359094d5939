"""lesson_utils.exercises.n08_rag: each check accepts a right answer and explains a wrong one."""

import math

from lesson_utils import exercises


def test_rag_exercise_checks(capsys):
    def chunks(words, size, overlap):
        out, start = [], 0
        while True:
            out.append(words[start:start + size])
            if start + size >= len(words):
                return out
            start += size - overlap

    def one_too_many(words, size, overlap):
        return [words[i:i + size] for i in range(0, len(words), size - overlap)]

    assert exercises.check_chunking(chunks) is True
    assert exercises.check_chunking(one_too_many) is False
    assert "one chunk too many" in capsys.readouterr().out

    assert exercises.check_idf(lambda n, k: math.log(1 + (n - k + 0.5) / (k + 0.5))) is True
    assert exercises.check_idf(lambda n, k: math.log((n - k + 0.5) / (k + 0.5))) is False
    assert "adds 1 inside the log" in capsys.readouterr().out

    assert exercises.check_mrr(lambda ranks: sum(1 / r for r in ranks if r) / len(ranks)) is True
    def skips_misses(ranks):
        found = [r for r in ranks if r]
        return sum(1 / r for r in found) / max(1, len(found))

    assert exercises.check_mrr(skips_misses) is False
    assert "including the ones" in capsys.readouterr().out
    assert exercises.check_mrr(...) is False
    assert exercises.check_mrr(lambda ranks: None) is False
    assert "returned None" in capsys.readouterr().out
    assert exercises.check_idf(lambda n, k: None) is False
    assert "returned None" in capsys.readouterr().out
    assert exercises.check_chunking(lambda w, s, o: None) is False
    assert "returned None" in capsys.readouterr().out
