"""The chat format: render_chat must write exactly what SmolLM2's own template writes."""

from __future__ import annotations

import pytest

from lesson_utils.llm.chat import DEFAULT_SYSTEM, check_messages, drop_oldest_turns, render_chat, user

CONVERSATIONS = {
    "one_question": [{"role": "user", "content": "What is the capital of France?"}],
    "with_system": [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "What colour is the sky?"},
    ],
    "multi_turn": [
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello! How can I help you today?"},
        {"role": "user", "content": "Tell me a joke about cats 🐱."},
    ],
    "system_multi_turn": [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "Where is the treasure?"},
        {"role": "assistant", "content": "Arr, buried on the island!"},
        {"role": "user", "content": "Which island?\nBe precise."},
        {"role": "assistant", "content": "Skull Island, matey."},
    ],
    "empty_content_and_unicode": [
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "Вы ничего не написали. 你好？"},
        {"role": "user", "content": "  spaces  and\ttabs\n"},
    ],
}


def _ids(result):
    """apply_chat_template(tokenize=True) returns a BatchEncoding in transformers 5, a list before."""
    return list(result["input_ids"]) if hasattr(result, "keys") else list(result)


@pytest.mark.parametrize("add_generation_prompt", [True, False])
@pytest.mark.parametrize("name", CONVERSATIONS)
def test_render_matches_transformers_template(ref_tokenizer, name, add_generation_prompt):
    messages = CONVERSATIONS[name]
    expected = ref_tokenizer.apply_chat_template(messages, tokenize=False,
                                                 add_generation_prompt=add_generation_prompt)
    assert render_chat(messages, add_generation_prompt=add_generation_prompt) == expected


@pytest.mark.parametrize("add_generation_prompt", [True, False])
@pytest.mark.parametrize("name", CONVERSATIONS)
def test_rendered_ids_match_transformers(tokenizer, ref_tokenizer, name, add_generation_prompt):
    messages = CONVERSATIONS[name]
    expected = _ids(ref_tokenizer.apply_chat_template(messages, tokenize=True,
                                                      add_generation_prompt=add_generation_prompt))
    ids = tokenizer.encode(render_chat(messages, add_generation_prompt=add_generation_prompt))
    assert ids == expected
    assert ids.count(tokenizer.special_tokens["<|im_start|>"]) == (
        len(messages) + (messages[0]["role"] != "system") + add_generation_prompt)


def test_docstring_example():
    text = render_chat([{"role": "user", "content": "Hi"}])
    assert text == (f"<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n"
                    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_default_system_only_when_none_given():
    assert DEFAULT_SYSTEM in render_chat(CONVERSATIONS["one_question"])
    text = render_chat(CONVERSATIONS["with_system"])
    assert DEFAULT_SYSTEM not in text
    assert text.startswith("<|im_start|>system\nAnswer in one word.<|im_end|>\n")


def test_generation_prompt_is_the_ending():
    messages = CONVERSATIONS["multi_turn"]
    with_prompt, without = render_chat(messages), render_chat(messages, add_generation_prompt=False)
    assert with_prompt == without + "<|im_start|>assistant\n"
    assert without.endswith("<|im_end|>\n")


def test_user_helper():
    assert user("Hi") == [{"role": "user", "content": "Hi"}]
    assert user("Hi", system="Be brief.") == [{"role": "system", "content": "Be brief."},
                                               {"role": "user", "content": "Hi"}]


def test_check_messages_accepts_tuples_and_returns_a_list():
    messages = tuple(CONVERSATIONS["multi_turn"])
    assert check_messages(messages) == list(messages)


def test_a_string_instead_of_messages_says_what_to_do():
    with pytest.raises(TypeError, match="list of dicts"):
        render_chat("Hi")


@pytest.mark.parametrize("messages", [[], None, 42])
def test_empty_or_non_list_messages(messages):
    with pytest.raises(ValueError, match="non-empty list"):
        render_chat(messages)


@pytest.mark.parametrize("message, match", [
    ({"role": "user"}, "exactly the keys"),
    ({"role": "user", "content": "Hi", "name": "Bob"}, "exactly the keys"),
    (("user", "Hi"), "exactly the keys"),
    ({"role": "robot", "content": "Hi"}, "role 'robot'"),
])
def test_bad_message_value_errors(message, match):
    with pytest.raises(ValueError, match=match):
        render_chat([{"role": "user", "content": "Hi"}, message])


def test_bad_message_error_names_its_position():
    with pytest.raises(ValueError, match="message 1"):
        render_chat([{"role": "user", "content": "Hi"}, {"role": "user"}])


def test_non_str_content():
    with pytest.raises(TypeError, match="content must be a str"):
        render_chat([{"role": "user", "content": 42}])


LONG_CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "My name is Ada."},
    {"role": "assistant", "content": "Hello Ada!"},
    {"role": "user", "content": "Tell me about the moon."},
    {"role": "assistant", "content": "It orbits the Earth."},
    {"role": "user", "content": "What is my name?"},
]


def _chars(text):            # a stand-in tokenizer: one token per character
    return len(text)


def test_drop_oldest_turns_keeps_everything_that_fits():
    kept, dropped = drop_oldest_turns(LONG_CHAT, _chars, 10_000)
    assert kept == LONG_CHAT and dropped == 0


def test_drop_oldest_turns_drops_whole_exchanges_first():
    full = len(render_chat(LONG_CHAT))
    kept, dropped = drop_oldest_turns(LONG_CHAT, _chars, full - 1)
    assert dropped == 2                                     # "My name is Ada." and its reply
    assert kept[0] == LONG_CHAT[0] and kept[1]["content"] == "Tell me about the moon."
    assert len(render_chat(kept)) <= full - 1
    kept, dropped = drop_oldest_turns(LONG_CHAT, _chars, len(render_chat([LONG_CHAT[0], LONG_CHAT[-1]])))
    assert kept == [LONG_CHAT[0], LONG_CHAT[-1]] and dropped == 4


def test_drop_oldest_turns_without_a_system_message_never_starts_with_a_reply():
    chat = LONG_CHAT[1:]
    kept, dropped = drop_oldest_turns(chat, _chars, len(render_chat(chat)) - 1)
    assert kept[0]["role"] == "user" and dropped == 2


def test_drop_oldest_turns_errors():
    with pytest.raises(ValueError, match="shorten them"):
        drop_oldest_turns(LONG_CHAT, _chars, 20)
    with pytest.raises(TypeError, match="count_tokens"):
        drop_oldest_turns(LONG_CHAT, 100, 20)
    with pytest.raises(ValueError, match="max_tokens"):
        drop_oldest_turns(LONG_CHAT, _chars, 0)
