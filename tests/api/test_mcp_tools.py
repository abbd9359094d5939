"""lesson_utils.api.mcp_tools: the tools over MCP (stdio), listed and called by the official mcp client."""

import asyncio
import json
import subprocess
import sys

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


def test_importing_the_tools_leaves_the_process_logging_alone():
    # Building an MCP server configures the root logger (INFO, with a rich handler); in a notebook's
    # kernel that printed every HTTP request. Only the server's own process builds one.
    code = ("import logging, lesson_utils.api.mcp_tools as m; root = logging.getLogger(); "
            "assert root.handlers == [] and root.level == logging.WARNING, root.handlers; "
            "m.build_server(); assert root.handlers")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_tools_work_from_a_process_whose_stderr_has_no_file_descriptor():
    # As in a Jupyter kernel: sys.stderr is replaced before mcp is imported, and the server's
    # subprocess needs a real file for its stderr.
    code = ("import asyncio, io, sys; sys.stderr = io.StringIO(); "
            "from lesson_utils.api import mcp_tools; "
            "print(asyncio.run(mcp_tools.call_tool('calculator', {'expression': '6 * 7'})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "42", done.stdout + done.stderr
