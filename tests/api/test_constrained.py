"""lesson_utils.api.constrained: under the grammar only text that fits can be written."""

import json

import jsonschema
import pytest
import torch

from lesson_utils.api.constrained import END_OF_TURN_ID, Constraint, json_grammar, tool_grammar
from lesson_utils.api.protocol import APIError, ToolSpec

PERSON = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 12},
                                           "age": {"type": "integer", "minimum": 0, "maximum": 120}},
          "required": ["name", "age"], "additionalProperties": False}


def test_a_text_that_fits_is_allowed_token_by_token_then_only_the_end(tokenizer):
    constraint = Constraint(json_grammar(PERSON, tokenizer), tokenizer)
    for token in tokenizer.encode('{"name": "Ann", "age": 31}'):
        assert constraint.allowed()[token]
        constraint.take(token)
    assert constraint.allowed().nonzero().flatten().tolist() == [END_OF_TURN_ID]


def test_the_mask_forbids_what_would_break_the_json(tokenizer):
    constraint = Constraint(json_grammar(PERSON, tokenizer), tokenizer)
    allowed = constraint.allowed()
    assert not allowed[tokenizer.encode("Hello")[0]] and allowed[tokenizer.encode('{"')[0]]
    masked = constraint.mask(torch.zeros(tokenizer.n_vocab))
    assert torch.isinf(masked[~allowed]).all() and (masked[allowed] == 0).all()


def test_random_draws_under_the_mask_always_give_valid_json(tokenizer):
    generator = torch.Generator().manual_seed(0)
    for _ in range(3):
        constraint, ids = Constraint(json_grammar(PERSON, tokenizer), tokenizer), []
        while not constraint.done() and len(ids) < 60:
            logits = constraint.mask(torch.randn(tokenizer.n_vocab, generator=generator))
            token = int(torch.multinomial(logits.softmax(-1), 1, generator=generator))
            if token == END_OF_TURN_ID:
                break
            constraint.take(token)
            ids.append(token)
        jsonschema.validate(json.loads(tokenizer.decode(ids)), PERSON)


def test_a_schema_that_cannot_be_compiled_is_a_400_naming_the_schema(tokenizer):
    with pytest.raises(APIError) as caught:
        json_grammar({"type": "objectx"}, tokenizer)
    assert caught.value.status == 400 and caught.value.param == "response_format.json_schema.schema"


def test_tool_grammar_allows_a_call_or_a_plain_answer_only_when_auto(tokenizer):
    calc = ToolSpec("calculator", "", {"type": "object", "properties": {"expression": {"type": "string"}},
                                       "required": ["expression"]})
    call = '<tool_call>{"name": "calculator", "arguments": {"expression": "1+1"}}</tool_call>'
    for choice, plain_ok in (("auto", True), ("required", False), ("calculator", False)):
        constraint = Constraint(tool_grammar([calc], choice, tokenizer), tokenizer)
        assert bool(constraint.allowed()[tokenizer.encode("The")[0]]) is plain_ok
        ids = tokenizer.encode(call)
        assert constraint.matcher.validate_tokens(ids) == len(ids)
    wrong_tool = '<tool_call>{"name": "search", "arguments": {}}</tool_call>'
    constraint = Constraint(tool_grammar([calc], "required", tokenizer), tokenizer)
    ids = tokenizer.encode(wrong_tool)
    assert constraint.matcher.validate_tokens(ids) < len(ids)
