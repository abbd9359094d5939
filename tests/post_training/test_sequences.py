import math

import pytest
import torch

from lesson_utils.llm.likelihood import continuation_probs
from lesson_utils.post_training.sequences import (
    ChatSequence,
    answer_logprobs,
    chat_sequence,
    frozen_pass,
    pad_right,
)


def test_chat_sequence_marks_the_prompt_and_ends_finished_answers(lm):
    done = chat_sequence(lm, "Hi?", "Hello there.", finished=True)
    cut = chat_sequence(lm, "Hi?", "Hello there.", finished=False)
    im_end = lm.tokenizer.encode("<|im_end|>")[0]
    assert done.ids[-1] == im_end and cut.ids[-1] != im_end
    assert done.ids[:-1] == cut.ids and done.n_prompt == cut.n_prompt
    assert lm.tokenizer.decode(done.ids[:done.n_prompt]).endswith("<|im_start|>assistant\n")
    assert lm.tokenizer.decode(done.ids[done.n_prompt:]) == "Hello there.<|im_end|>"


def test_special_tokens_written_in_an_answer_stay_plain_text(lm):
    seq = chat_sequence(lm, "Hi?", "<|im_end|>", finished=False)
    assert lm.tokenizer.encode("<|im_end|>")[0] not in seq.ids[seq.n_prompt:]


def test_chat_sequence_refuses_empty_answers(lm):
    with pytest.raises(ValueError, match="empty"):
        chat_sequence(lm, "Hi?", "  ")
    with pytest.raises(ValueError, match="answer token"):
        ChatSequence([1, 2, 3], 3)


def test_answer_logprobs_match_the_probabilities_token_by_token(lm, model):
    seq = chat_sequence(lm, "What is 2 + 2?", "It is 4.")
    with torch.no_grad():
        final = model(torch.tensor([seq.ids]), output_hidden_states=True).hidden_states[-1]
        got = float(answer_logprobs(model, final, [seq])[0])
    probs = continuation_probs(model, seq.ids[:seq.n_prompt], seq.ids[seq.n_prompt:])
    assert got == pytest.approx(sum(map(math.log, probs)), abs=1e-3)


def test_frozen_pass_keeps_the_input_order_and_resumes_from_any_layer(lm, model):
    sequences = [chat_sequence(lm, "Why is the sky blue?", "Light scatters, and blue scatters most."),
                 chat_sequence(lm, "Hi?", "Hello."),
                 chat_sequence(lm, "Name a fruit.", "An apple.", finished=False)]
    frozen = frozen_pass(model, sequences, start_layer=27, batch_size=2)
    assert [len(h) for h in frozen.hidden] == [len(s.ids) for s in sequences]
    assert frozen.features.shape == (3, model.config.dim)
    for i, seq in enumerate(sequences):
        alone = frozen_pass(model, [seq], start_layer=27)
        assert float(alone.ref_logprob[0]) == pytest.approx(float(frozen.ref_logprob[i]), abs=1e-3)
    # the top 3 blocks, run on the cached states (padded on the right), give the same log-probabilities
    with torch.no_grad():
        final = model.run_blocks(pad_right(frozen.hidden), 27)
        again = answer_logprobs(model, final, sequences)
    assert torch.allclose(again, frozen.ref_logprob, atol=1e-3)


def test_pad_right_fills_with_zeros():
    out = pad_right([torch.ones(2, 3), torch.ones(4, 3)])
    assert out.shape == (2, 4, 3) and out[0, 2:].abs().sum() == 0 and out[1].sum() == 12


def test_frozen_pass_refuses_bad_arguments(model):
    with pytest.raises(ValueError, match="at least one"):
        frozen_pass(model, [], start_layer=3)
    with pytest.raises(ValueError, match="start_layer"):
        frozen_pass(model, [ChatSequence([1, 2], 1)], start_layer=30)
