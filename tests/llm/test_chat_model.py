"""ChatModel: chat turns in, text out, on top of the generation loop."""

from __future__ import annotations

import pytest

from lesson_utils.llm import generation
from lesson_utils.llm.chat import DEFAULT_SYSTEM
from lesson_utils.llm.chat_model import ChatModel, Generated
from lesson_utils.llm.generation import generate


def test_chat_model_stops_at_end_of_turn(lm, tokenizer):
    assert lm.stop_ids == (2, 0)                          # <|im_end|>, <|endoftext|>
    out = lm.generate(lm.chat_prompt("Say hello."), max_new_tokens=40)
    assert isinstance(out, Generated)
    assert out.ids and not set(out.ids) & set(lm.stop_ids)
    assert out.text == tokenizer.decode(out.ids)
    # Without the stop ids the model would have gone on past <|im_end|>.
    more = generate(lm.model, lm.encode(lm.chat_prompt("Say hello.")), max_new_tokens=len(out.ids) + 2)
    assert more[:len(out.ids)] == out.ids and more[len(out.ids)] in lm.stop_ids


def test_chat_with_a_system_message(lm):
    system = "Answer with a single number."
    prompt = lm.chat_prompt("What is 2 + 2?", system=system)
    assert f"<|im_start|>system\n{system}<|im_end|>" in prompt
    assert DEFAULT_SYSTEM not in prompt
    reply = lm.chat("What is 2 + 2?", system=system, max_new_tokens=12)
    assert isinstance(reply, str) and reply
    assert reply == lm.generate(prompt, max_new_tokens=12).text
    assert "<|im_end|>" not in reply and "<|im_start|>" not in reply
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "What is 2 + 2?"}]
    assert lm.chat(messages, max_new_tokens=12) == reply


def test_chat_rejects_two_system_messages(lm):
    with pytest.raises(ValueError, match="either inside messages or as system="):
        lm.chat([{"role": "user", "content": "Hi"}], system="Be brief.")


def test_stream_yields_whole_characters(lm, tokenizer):
    prompt = "🍕🍕🍕🍕🍕🍕"
    pieces = list(lm.stream(prompt, max_new_tokens=9))
    ids = lm.generate(prompt, max_new_tokens=9).ids
    assert len(ids) == 9
    assert "".join(pieces) == tokenizer.decode(ids)
    assert len(pieces) < len(ids)                       # several tokens per emoji
    assert "🍕" in pieces
    assert not any("\ufffd" in p for p in pieces)


def test_stream_never_splits_a_character(lm, tokenizer, monkeypatch):
    text = "a🍕 é 中文 🇫🇷!"
    ids = tokenizer.encode(text)
    assert any(s.startswith("<0x") for s in tokenizer.token_strings(ids))   # some tokens are partial
    monkeypatch.setattr(generation, "stream", lambda model, prompt, **settings: iter(ids))
    pieces = list(lm.stream("anything"))
    assert "".join(pieces) == text
    assert not any("\ufffd" in p for p in pieces)
    assert "🍕" in pieces or any("🍕" in p for p in pieces)


def test_chat_model_generate_batch_matches_one_by_one(lm):
    texts = ["Roses are red,", "1, 2, 3, 4,"]
    batch = lm.generate_batch(texts, max_new_tokens=5)
    assert [g.ids for g in batch] == [lm.generate(t, max_new_tokens=5).ids for t in texts]
    with pytest.raises(TypeError, match="list of strings"):
        lm.generate_batch("Roses are red,")
    texts.append("The capital of France is")
    in_twos = lm.generate_batch(texts, batch_size=2, max_new_tokens=5)      # groups of 2, then 1
    assert [g.ids for g in in_twos] == [g.ids for g in lm.generate_batch(texts, max_new_tokens=5)]
    with pytest.raises(ValueError, match="batch_size"):
        lm.generate_batch(texts, batch_size=0)
    with pytest.raises(ValueError, match="non-empty"):
        lm.generate_batch([], batch_size=2)


def test_top_next_tokens(lm):
    top = lm.top_next_tokens("The capital of France is", k=5)
    assert len(top) == 5
    assert top[0]["text"] == " Paris"
    ps = [t["p"] for t in top]
    assert ps == sorted(ps, reverse=True) and 0 < sum(ps) <= 1
    with pytest.raises(ValueError, match="k must be"):
        lm.top_next_tokens("The capital of France is", k=0)


@pytest.mark.parametrize("prompt, error", [("", ValueError), (None, TypeError), ([1, 2], TypeError)])
def test_chat_model_prompt_checks(lm, prompt, error):
    with pytest.raises(error, match="prompt"):
        lm.generate(prompt)


def test_top_tokens_of_given_probabilities_match_top_next_tokens(model, tokenizer):
    lm = ChatModel(model, tokenizer)
    probs = lm.next_token_probs("The capital of France is")
    assert lm.top_tokens(probs, k=3) == lm.top_next_tokens("The capital of France is", k=3)
    assert lm.top_tokens(probs, k=3)[0]["text"] == " Paris"
    with pytest.raises(ValueError, match="k must be"):
        lm.top_tokens(probs, k=0)
