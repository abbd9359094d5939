"""Tool use: the model writes a call as text, our code parses it, runs it and sends back the result.

    parse_tool_call("CALL calculator(12 * 7)")   -> ToolCall(name="calculator", argument="12 * 7")
    calculate("12 * 7")                          -> 84
    run_agents(lm, ["What is 347 times 29?"])    -> [AgentRun(... answer="347 times 29 is 10063.")]

The model never runs anything itself. Its reply is only text; the program decides what that text may
cause. So the calculator reads the expression with Python's parser (`ast`) and evaluates only numbers and
arithmetic operators, never `eval`: model output is untrusted input.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..inputs import whole_number

CALL_PATTERN = re.compile(r"CALL\s+(\w+)\s*\((.*)\)")
MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 100

CALCULATOR_SYSTEM = ("For any arithmetic, reply with exactly one line: CALL calculator(<expression>). "
                     "You will then get RESULT <number>; use it to answer in one short sentence. "
                     "Never compute in your head. Answer other questions directly.")

# Worked examples placed before the question (few-shot): three calls and one direct answer.
CALCULATOR_DEMOS = (
    ("What is 12 times 7?", "12 * 7", "84", "The answer is 84."),
    ("Three pens cost 1.20 dollars each. How much do they cost together?", "3 * 1.20", "3.6",
     "The answer is 3.6 dollars."),
    ("How much is 3.5 divided by 2?", "3.5 / 2", "1.75", "The answer is 1.75."),
    ("What is 15% of 80?", "0.15 * 80", "12", "The answer is 12."),
    ("Who wrote Hamlet?", None, None, "William Shakespeare wrote Hamlet."),
)


class ToolError(ValueError):
    """A tool call that cannot be run; the message is sent back to the model as the result."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    argument: str


def parse_tool_call(reply: str) -> ToolCall | None:
    """The tool call in a reply, or None when the reply is a plain answer.

    "CALL calculator(12 * 7)" -> ToolCall("calculator", "12 * 7");  "Paris." -> None.
    A reply that starts with CALL but is not one well-formed call raises ToolError.
    """
    if not isinstance(reply, str):
        raise TypeError(f"reply must be a str, got {type(reply).__name__}")
    text = reply.strip()
    if not text.startswith("CALL"):
        return None
    match = CALL_PATTERN.fullmatch(text)
    if match is None:
        raise ToolError(f"not a valid call: {text[:60]!r}; write exactly CALL tool_name(argument)")
    return ToolCall(match.group(1), match.group(2).strip())


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.BitXor: operator.pow}   # people write 2^10 for a power
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def calculate(expression: str) -> int | float:
    """Evaluate arithmetic on numbers: + - * / ** (or ^) and parentheses. Nothing else is allowed.

    "12 * (3 + 4)" -> 84;  "2^10" -> 1024;  "__import__('os')" -> ToolError (a function call).
    """
    if not isinstance(expression, str):
        raise TypeError(f"expression must be a str, got {type(expression).__name__}")
    if not expression.strip():
        raise ToolError("the expression is empty; write numbers and operators, e.g. 12 * 7")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ToolError(f"the expression has {len(expression)} characters; "
                        f"the limit is {MAX_EXPRESSION_CHARS}")
    try:
        tree = ast.parse(expression.replace(",", ""), mode="eval")   # 2,340 -> 2340
    except SyntaxError:
        raise ToolError(f"{expression!r} is not an arithmetic expression") from None
    try:
        value = _evaluate(tree.body)
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except OverflowError:
        raise ToolError("the result is too large") from None
    if isinstance(value, complex) or (isinstance(value, float) and not math.isfinite(value)):
        raise ToolError("the result is not a real, finite number")
    return value


def _evaluate(node: ast.AST) -> int | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if type(node.op) in (ast.Pow, ast.BitXor) and abs(right) > MAX_EXPONENT:
            raise ToolError(f"exponents above {MAX_EXPONENT} are not allowed")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    raise ToolError(f"only numbers, + - * / ** and parentheses are allowed; found {_describe(node)}")


def _describe(node: ast.AST) -> str:
    names = {ast.Call: "a function call", ast.Name: "a name", ast.Attribute: "an attribute",
             ast.Constant: "a constant that is not a number", ast.Subscript: "indexing",
             ast.Compare: "a comparison", ast.List: "a list", ast.Lambda: "a lambda"}
    return names.get(type(node), f"'{type(node).__name__}'")


def format_number(value: int | float) -> str:
    """A result as the model should read it: 84.0 -> "84", 0.1 + 0.2 -> "0.3", 1/3 -> "0.333333"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"value must be a number, got {type(value).__name__}")
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.6e}"


def run_tool(call: ToolCall, tools: dict[str, Callable[[str], object]]) -> str:
    """Run a parsed call and return the text sent back to the model ("84", or "error: ...")."""
    if call.name not in tools:
        return f"error: there is no tool called {call.name!r}; the tools are {', '.join(tools)}"
    try:
        value = tools[call.name](call.argument)
    except ToolError as error:
        return f"error: {error}"
    return format_number(value) if isinstance(value, (int, float)) else str(value)


TOOLS: dict[str, Callable[[str], object]] = {"calculator": calculate}


def demo_messages(system: str = CALCULATOR_SYSTEM, demos=CALCULATOR_DEMOS) -> list[dict]:
    """The system message and the worked examples as chat messages (calls and results included)."""
    messages = [{"role": "system", "content": system}]
    for question, expression, result, answer in demos:
        messages.append({"role": "user", "content": question})
        if expression is not None:
            messages += [{"role": "assistant", "content": f"CALL calculator({expression})"},
                         {"role": "user", "content": f"RESULT {result}"}]
        messages.append({"role": "assistant", "content": answer})
    return messages


@dataclass
class AgentStep:
    reply: str                   # what the model wrote
    call: ToolCall | None        # the call in it, if any
    result: str | None           # what was sent back ("84", "error: ...")


@dataclass
class AgentRun:
    question: str
    steps: list[AgentStep] = field(default_factory=list)
    answer: str | None = None    # the final plain reply; None when the step limit stopped the loop

    @property
    def calls(self) -> list[ToolCall]:
        return [s.call for s in self.steps if s.call is not None]

    @property
    def tool_failed(self) -> bool:
        """Did any step get an error back? Then an answer that follows was not computed by the tool."""
        return any(s.result is not None and s.result.startswith("error:") for s in self.steps)


def run_agents(lm, questions: list[str], tools=TOOLS, max_steps: int = 3, prefix: list[dict] | None = None,
               max_new_tokens: int = 40) -> list[AgentRun]:
    """The agent loop for several questions at once (greedy, so the same every run).

    Each step: the model replies; a plain reply is the answer; a call is parsed, run, and its result
    ("RESULT ...") appended to the conversation. After `max_steps` replies without an answer the loop
    stops: a model that keeps calling tools must not run forever. prefix: the system message and
    worked examples (default: demo_messages()).
    """
    if isinstance(questions, str) or not isinstance(questions, (list, tuple)) or not questions:
        raise TypeError("questions must be a non-empty list of strings; for one question use [question]")
    whole_number("max_steps", max_steps, low=1)
    prefix = demo_messages() if prefix is None else prefix
    runs = [AgentRun(q) for q in questions]
    conversations = [prefix + [{"role": "user", "content": q}] for q in questions]
    active = list(range(len(runs)))
    for _ in range(max_steps):
        if not active:
            break
        prompts = [lm.chat_prompt(conversations[i]) for i in active]
        replies = [g.text.strip() for g in lm.generate_batch(prompts, max_new_tokens=max_new_tokens)]
        still = []
        for i, reply in zip(active, replies, strict=True):
            step = _step(reply, tools)
            runs[i].steps.append(step)
            if step.result is None:
                runs[i].answer = reply
                continue
            conversations[i] += [{"role": "assistant", "content": reply},
                                 {"role": "user", "content": f"RESULT {step.result}"}]
            still.append(i)
        active = still
    return runs


def _step(reply: str, tools) -> AgentStep:
    try:
        call = parse_tool_call(reply)
    except ToolError as error:
        return AgentStep(reply, None, f"error: {error}")
    if call is None:
        return AgentStep(reply, None, None)
    return AgentStep(reply, call, run_tool(call, tools))
