"""Using the model from code (notebook 10): an OpenAI-compatible HTTP server, its request checks, its
shared decoding and its grammar-constrained output."""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "chat_format": "read_tool_call render",
    "constrained": "Constraint json_grammar tool_grammar",
    "engine":      "Engine Job",
    "protocol":    "MODEL_ID APIError ChatRequest parse_request",
    "server":      "BackgroundServer Faults create_app serve",
})
