"""lesson_utils.exercises.n00_what_is_an_llm: each check accepts a right answer and explains a wrong one."""

import math

from lesson_utils import exercises
from lesson_utils.llm.chat import render_chat
from lesson_utils.llm.model import ModelConfig


def test_block_parameter_count_matches_the_file():
    # 30 blocks + token table + final norm must give the count stored in the GGUF file.
    cfg = ModelConfig()
    total = cfg.n_layers * exercises.block_parameter_count(cfg) + cfg.vocab_size * cfg.dim + cfg.dim
    assert total == 134_515_008


def test_block_parameters_right_and_wrong(capsys):
    assert exercises.check_block_parameters(3_540_096) is True
    assert "✅" in capsys.readouterr().out
    assert exercises.check_block_parameters(3_540_096 - 1152) is False
    assert "RMSNorm" in capsys.readouterr().out
    # keys and values given the full 576 rows: the hint must name the 192 rows
    assert exercises.check_block_parameters(4 * 576 * 576 + 3 * 576 * 1536 + 1152) is False
    assert "192" in capsys.readouterr().out
    assert exercises.check_block_parameters("3540096") is False
    assert "number" in capsys.readouterr().out


def test_softmax_checker(capsys):
    def good(z):
        m = max(z)
        e = [math.exp(x - m) for x in z]
        return [x / sum(e) for x in e]

    def naive(z):  # overflows on large logits
        e = [math.exp(x) for x in z]
        return [x / sum(e) for x in e]

    def unnormalised(z):
        return [math.exp(x - max(z)) for x in z]

    def stub(z):
        ...

    assert exercises.check_softmax(good) is True
    assert exercises.check_softmax(naive) is False
    assert "Subtract" in capsys.readouterr().out.split("\n")[-2]
    assert exercises.check_softmax(unnormalised) is False
    assert "sums to" in capsys.readouterr().out
    assert exercises.check_softmax(stub) is False
    assert "Write your answer" in capsys.readouterr().out


def test_chat_text_checker_points_at_the_difference(capsys):
    conversation = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"}]
    assert exercises.check_chat_text(render_chat(conversation), conversation) is True
    wrong = render_chat(conversation).replace("<|im_end|>\n<|im_start|>user", "<|im_end|><|im_start|>user")
    assert exercises.check_chat_text(wrong, conversation) is False
    out = capsys.readouterr().out
    assert "agree for 38 characters" in out.split("\n")[-2]
