"""Notebook 10's two tools served over MCP, the Model Context Protocol, with the official mcp SDK.

MCP is tools (and other things) over a standard protocol: a server says which tools it has, each
with a JSON schema of its arguments, and runs them when a client asks. Any MCP client can use any
MCP server, so one set of tools serves every model and app. Here the server is this file, started
by the client as a subprocess and spoken to over its stdin and stdout:

    python -m lesson_utils.api.mcp_tools              # what the client runs; it then waits for JSON-RPC

    tools = asyncio.run(list_tools())                 # their names, descriptions and schemas
    asyncio.run(call_tool("calculator", {"expression": "12 * 7"}))   -> "84"
    openai_tools(tools)                               # the same schemas as the chat API's `tools`

The tools: calculator (lesson_utils.applications.tools.calculate: arithmetic only, never eval) and
search_knowledge_base (BM25 over notebook 08's documents). Neither has side effects.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import tempfile

from ..applications.tools import ToolError, calculate, format_number


def calculator(expression: str) -> str:
    """Evaluate arithmetic on numbers: + - * / ** and parentheses, e.g. "347 * 29"."""
    try:
        return format_number(calculate(expression))
    except ToolError as e:
        return f"error: {e}"


def search_knowledge_base(query: str, k: int = 2) -> str:
    """The k passages of the college's documents (notebook 08) that best match the query."""
    from ..applications.rag import search
    chunks, index = _index()
    rows = search(index.scores(query), chunks, max(1, min(int(k), 5)))
    return "\n\n".join(f"[{row['doc']}] {row['text']}" for row in rows)


@functools.cache
def _index():
    # imported here, not at the top: rag imports torch, 2 s that the calculator alone does not need
    from ..applications.rag import BM25, chunk_documents, load_knowledge_base
    chunks = chunk_documents(load_knowledge_base(), size=50, overlap=10)
    return chunks, BM25([c.text for c in chunks])


def build_server():
    """The MCP server offering both tools. Built only in the server's own process: constructing one
    sets up logging for the whole process, which a notebook's kernel should not get."""
    from mcp.server.mcpserver import MCPServer
    server = MCPServer("lesson-tools", instructions="A calculator and a search over a college's documents.",
                       log_level="WARNING")
    for tool in (calculator, search_knowledge_base):
        server.tool()(tool)
    return server


def server_parameters():
    """How a client starts this server: this Python, this module, talking over stdio."""
    from mcp.client.stdio import StdioServerParameters
    return StdioServerParameters(command=sys.executable, args=["-m", "lesson_utils.api.mcp_tools"])


@contextlib.asynccontextmanager
async def connect():
    """An mcp Client connected to a freshly started server, which stops when the block ends:

        async with connect() as client:
            tools = (await client.list_tools()).tools
            result = await client.call_tool("calculator", {"expression": "12 * 7"})

    The server's stderr goes to a real file: a notebook kernel's sys.stderr has no file descriptor
    for a subprocess to write to."""
    from mcp import Client
    from mcp.client.stdio import stdio_client
    with tempfile.TemporaryFile("w+") as errors:
        async with Client(stdio_client(server_parameters(), errlog=errors)) as client:
            yield client


def result_text(result) -> str:
    """The text of a CallToolResult (its content is a list of blocks; ours are text)."""
    return "".join(getattr(block, "text", "") for block in result.content)


async def list_tools() -> list:
    """The tools the server offers (mcp Tool objects: name, description, input_schema)."""
    async with connect() as client:
        return (await client.list_tools()).tools


async def call_tool(name: str, arguments: dict) -> str:
    """Run one tool on the server; its text result."""
    async with connect() as client:
        return result_text(await client.call_tool(name, arguments))


def openai_tools(tools) -> list[dict]:
    """MCP tool descriptions -> the `tools` list of a chat-completions request: the same schemas."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description or "",
                                              "parameters": t.input_schema}} for t in tools]


if __name__ == "__main__":
    build_server().run("stdio")
