import pytest
import torch

from lesson_utils.inside.logit_lens import (
    answer_rank_by_layer,
    block_steps,
    layer_probs,
    next_token_probs_from,
    read_out,
    top_prediction_by_layer,
)


def test_block_steps_add_up_and_chain(model, tokenizer):
    ids = tokenizer.encode("The capital of France is")
    steps = block_steps(model, ids, 10)
    assert torch.allclose(steps["after_attention"], steps["input"] + steps["attention"], atol=1e-5)
    assert torch.allclose(steps["after_ffn"], steps["after_attention"] + steps["ffn"], atol=1e-5)
    with torch.inference_mode():
        hidden = model(torch.tensor([ids]), output_hidden_states=True).hidden_states
    assert torch.allclose(steps["after_ffn"], hidden[11][0].float().cpu(), atol=1e-3)
    with pytest.raises(ValueError, match="layer must be"):
        block_steps(model, ids, 30)


def test_read_out_of_the_last_vector_is_the_models_prediction(model, tokenizer):
    ids = tokenizer.encode("The capital of France is")
    last = block_steps(model, ids, 29)["after_ffn"][-1]
    with torch.inference_mode():
        probs = model(torch.tensor([ids])).logits[0, -1].softmax(-1).float().cpu()
    assert torch.allclose(next_token_probs_from(model, last), probs, atol=1e-5)
    assert read_out(model, tokenizer, last, k=1)[0][0] == " Paris"
    curve = layer_probs(model, ids)[:, tokenizer.encode(" Paris")[0]].tolist()
    assert len(curve) == 31 and curve[-1] == pytest.approx(float(probs[7042]), abs=1e-5)
    assert max(curve[:27]) < 0.01                                    # Paris appears only at the end
    ranks = answer_rank_by_layer(model, ids, 7042)
    assert ranks[-1] == 1 and ranks[5] > 100
    with pytest.raises(ValueError, match="at least one"):
        answer_rank_by_layer(model, [], 7042)


def test_top_prediction_by_layer_starts_with_the_token_itself_and_ends_with_the_answer(model, tokenizer):
    ids = tokenizer.encode("The capital of France is the city of")
    rows = top_prediction_by_layer(model, tokenizer, ids)
    assert len(rows) == 31
    assert rows[0][0] == " of"                  # tied read-out: the embedding points at its own token
    assert rows[-1][0] == " Paris" and rows[-1][1] > 0.9
