"""lesson_utils.api.mcp_tools: the tools over MCP (stdio), listed and called by the official mcp client."""

import asyncio
import json

import openai

from lesson_utils.api import mcp_tools
from lesson_utils.api.protocol import MODEL_ID
from lesson_utils.api.server import BackgroundServer


def test_the_tools_run_in_process():
    assert mcp_tools.calculator("347 * 29") == "10063"
    assert mcp_tools.calculator("__import__('os')").startswith("error: only numbers")
    assert mcp_tools.search_knowledge_base("library opening hours", k=1).startswith("[")


def test_a_round_trip_over_stdio_lists_and_calls_the_tools_and_hands_them_to_the_model(lm):
    tools = asyncio.run(mcp_tools.list_tools())
    assert {t.name for t in tools} == {"calculator", "search_knowledge_base"}
    calculator = next(t for t in tools if t.name == "calculator")
    assert calculator.input_schema["properties"]["expression"]["type"] == "string"
    assert asyncio.run(mcp_tools.call_tool("calculator", {"expression": "12 * 7"})) == "84"

    as_openai = mcp_tools.openai_tools(tools)
    assert {t["function"]["name"] for t in as_openai} == {t.name for t in tools}
    with BackgroundServer(lm) as server:
        client = openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=60)
        reply = client.chat.completions.create(
            model=MODEL_ID, temperature=0, max_tokens=40, tools=as_openai,
            tool_choice={"type": "function", "function": {"name": "calculator"}},
            messages=[{"role": "user", "content": "What is 12 times 7?"}])
    [call] = reply.choices[0].message.tool_calls
    result = asyncio.run(mcp_tools.call_tool(call.function.name, json.loads(call.function.arguments)))
    assert result and not result.startswith("error: the expression is empty")
