"""applications/tools.py: parsing calls, the safe calculator, and the agent loop (with a scripted model)."""

import pytest

from lesson_utils.applications.tools import (
    AgentRun,
    ToolCall,
    ToolError,
    calculate,
    demo_messages,
    format_number,
    parse_tool_call,
    run_agents,
    run_tool,
)


def test_parse_tool_call_reads_well_formed_calls_and_ignores_answers():
    assert parse_tool_call("CALL calculator(12 * 7)") == ToolCall("calculator", "12 * 7")
    assert parse_tool_call("  CALL calculator( (1 + 2) * 3 )\n") == ToolCall("calculator", "(1 + 2) * 3")
    assert parse_tool_call("The answer is 84.") is None
    with pytest.raises(ToolError, match="CALL tool_name"):
        parse_tool_call("CALL 347 * 29 is 842.")
    with pytest.raises(TypeError):
        parse_tool_call(None)


@pytest.mark.parametrize("expression, value", [
    ("12 * (3 + 4)", 84), ("2^10", 1024), ("2 ** 10", 1024), ("-5 / 2", -2.5), ("2,340 * 0.17", 397.8),
    ("+3 - -2", 5),
])
def test_calculate_does_arithmetic(expression, value):
    assert calculate(expression) == pytest.approx(value)


@pytest.mark.parametrize("expression, message", [
    ("__import__('os').system('ls')", "a function call"), ("x + 1", "a name"),
    ("(1).__class__", "an attribute"),
    ("'ab' * 3", "not a number"), ("True + 1", "not a number"), ("[1] * 3", "a list"),
    ("9 ** 9 ** 9", "exponents above"), ("1 / 0", "division by zero"), ("17% of 2340", "not an arithmetic"),
    ("", "empty"), ("1+" * 150 + "1", "the limit is"), ("(-8) ** 0.5", "not a real"),
])
def test_calculate_refuses_everything_else(expression, message):
    with pytest.raises(ToolError, match=message):
        calculate(expression)


def test_format_number_and_run_tool():
    assert format_number(84.0) == "84" and format_number(0.1 + 0.2) == "0.3" and format_number(7) == "7"
    assert format_number(1 / 3) == "0.333333"
    tools = {"calculator": calculate}
    assert run_tool(ToolCall("calculator", "6 * 7"), tools) == "42"
    assert run_tool(ToolCall("calculator", "open('x')"), tools).startswith("error: only numbers")
    assert run_tool(ToolCall("search", "cats"), tools) == ("error: there is no tool called 'search'; "
                                                          "the tools are calculator")


def test_demo_messages_hold_calls_results_and_a_direct_answer():
    messages = demo_messages()
    assert messages[0]["role"] == "system" and "CALL calculator" in messages[0]["content"]
    contents = [m["content"] for m in messages]
    assert "CALL calculator(12 * 7)" in contents and "RESULT 84" in contents
    assert contents[-1] == "William Shakespeare wrote Hamlet."


class ScriptedModel:
    """Stands in for ChatModel: replies from a script keyed by the question, and records the prompts."""

    def __init__(self, script):
        self.script, self.prompts = script, []

    def chat_prompt(self, messages):
        return messages

    def generate_batch(self, prompts, max_new_tokens):
        class Out:
            def __init__(self, text):
                self.text = text
        self.prompts.append(prompts)
        replies = []
        for conversation in prompts:
            question = next(m["content"] for m in reversed(conversation) if m["content"] in self.script)
            turn = sum(m["role"] == "assistant" for m in conversation[conversation.index(
                next(m for m in conversation if m["content"] == question)):])
            replies.append(Out(self.script[question][turn]))
        return replies


def test_agent_loop_runs_calls_feeds_results_back_and_stops():
    lm = ScriptedModel({"q1": ["CALL calculator(6 * 7)", "The answer is 42."], "q2": ["Paris."]})
    runs = run_agents(lm, ["q1", "q2"], prefix=[{"role": "system", "content": "s"}])
    assert [r.answer for r in runs] == ["The answer is 42.", "Paris."]
    assert runs[0].calls == [ToolCall("calculator", "6 * 7")] and runs[0].steps[0].result == "42"
    assert not runs[0].tool_failed
    second_step = lm.prompts[1][0]                         # only q1 is still running at step 2
    assert len(lm.prompts[1]) == 1 and second_step[-1] == {"role": "user", "content": "RESULT 42"}


def test_agent_loop_step_limit_and_failed_tools():
    lm = ScriptedModel({"q": ["CALL calculator(1 + 1)"] * 5})
    run = run_agents(lm, ["q"], max_steps=3, prefix=[])[0]
    assert run.answer is None and len(run.steps) == 3     # stopped by the limit, not by an answer

    def down(expression):
        raise ToolError("down")
    lm = ScriptedModel({"q": ["CALL calculator(1 + 1)", "The answer is 7."]})
    run = run_agents(lm, ["q"], tools={"calculator": down}, prefix=[])[0]
    assert run.tool_failed and run.steps[0].result == "error: down" and run.answer == "The answer is 7."
    lm = ScriptedModel({"q": ["CALL nonsense", "ok"]})
    run = run_agents(lm, ["q"], prefix=[])[0]
    assert run.steps[0].result.startswith("error: not a valid call") and run.tool_failed


def test_agent_loop_input_errors():
    lm = ScriptedModel({})
    with pytest.raises(TypeError, match="list of strings"):
        run_agents(lm, "What is 2 + 2?")
    with pytest.raises(ValueError, match="max_steps"):
        run_agents(lm, ["q"], max_steps=0)
    assert isinstance(AgentRun("q"), AgentRun)


def test_real_model_calls_the_calculator(lm):
    run = run_agents(lm, ["What is 347 times 29?"], max_steps=2)[0]
    assert run.calls == [ToolCall("calculator", "347 * 29")]
    assert "10063" in run.answer
