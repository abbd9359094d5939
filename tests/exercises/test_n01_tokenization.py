"""lesson_utils.exercises.n01_tokenization: each check accepts a right answer and explains a wrong one."""

from lesson_utils import exercises
from lesson_utils.llm.chat import render_chat


def test_check_merge_accepts_a_correct_merge_and_explains_common_bugs(capsys):
    from lesson_utils.scratch.bpe import merge
    assert exercises.check_merge(merge) is True
    assert "overlapping" in capsys.readouterr().out

    def overlapping(ids, pair, new_id):           # replaces the pair at every position, even overlapping
        out = list(ids)
        for i in range(len(ids) - 1):
            if (ids[i], ids[i + 1]) == pair:
                out[i] = new_id
        return [t for i, t in enumerate(out) if not (i > 0 and out[i - 1] == new_id and ids[i] == pair[1])]

    assert exercises.check_merge(overlapping) is False
    assert "Not yet" in capsys.readouterr().out

    def no_return(ids, pair, new_id):
        merge(ids, pair, new_id)

    assert exercises.check_merge(no_return) is False
    assert "returned None" in capsys.readouterr().out

    def crashes(ids, pair, new_id):
        return ids[0]

    assert exercises.check_merge(crashes) is False
    assert "returned 1, which is not a list" in capsys.readouterr().out

    def index_error(ids, pair, new_id):
        return [ids[i] for i in range(len(ids) + 1)]

    assert exercises.check_merge(index_error) is False
    assert "raised IndexError" in capsys.readouterr().out
    assert exercises.check_merge(...) is False
    assert "Write your answer" in capsys.readouterr().out


def test_check_chat_token_count(tokenizer, capsys):
    messages = [{"role": "user", "content": "How many tokens is this?"}]
    right = len(tokenizer.encode(render_chat(messages)))
    assert exercises.check_chat_token_count(right, messages, tokenizer) is True
    assert "✅" in capsys.readouterr().out
    content_only = len(tokenizer.encode(messages[0]["content"]))
    assert exercises.check_chat_token_count(content_only, messages, tokenizer) is False
    assert "render_chat" in capsys.readouterr().out
    no_prompt = len(tokenizer.encode(render_chat(messages, add_generation_prompt=False)))
    assert exercises.check_chat_token_count(no_prompt, messages, tokenizer) is False
    assert "assistant" in capsys.readouterr().out
    assert exercises.check_chat_token_count("12", messages, tokenizer) is False
    assert "whole number" in capsys.readouterr().out


def test_check_costlier(tokenizer, capsys):
    digits, sentence = "12345678901234567890", "The quick brown fox jumps over the dog."
    assert exercises.check_costlier("a", digits, sentence, tokenizer) is True
    assert "20 tokens" in capsys.readouterr().out
    assert exercises.check_costlier("B", digits, sentence, tokenizer) is False
    assert exercises.check_costlier("same", "cat", "dog", tokenizer) is True
    assert exercises.check_costlier("C", "cat", "dog", tokenizer) is False
    assert '"A", "B" or "same"' in capsys.readouterr().out
