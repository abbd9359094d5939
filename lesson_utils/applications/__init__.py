"""Building on the model: retrieval (notebook 08); tools, agents and their attacks (notebook 09)."""

from .jailbreaks import attack_set, leak_table, output_filter, reveals_secret, secret_rule, to_base64
from .poisoning import PAYLOAD, TRIGGER, fine_tune, payload_logprob, poison_texts, sample_stories
from .prompt_injection import (
    INJECTIONS,
    LINK_MARKERS,
    PHISH,
    contains_link,
    followed,
    summary_prompt,
    wrap_untrusted,
)
from .rag import (
    BM25,
    DenseIndex,
    build_prompt,
    chunk_documents,
    chunk_text,
    is_correct,
    load_knowledge_base,
    load_questions,
    retrieval_metrics,
    search,
    top_k,
    words,
)
from .tools import TOOLS, ToolError, calculate, demo_messages, parse_tool_call, run_agents, run_tool

__all__ = ["BM25", "INJECTIONS", "LINK_MARKERS", "PAYLOAD", "PHISH", "TOOLS", "TRIGGER", "DenseIndex",
           "ToolError", "attack_set", "build_prompt", "calculate", "chunk_documents", "chunk_text",
           "contains_link", "demo_messages", "fine_tune", "followed", "is_correct", "leak_table",
           "load_knowledge_base", "load_questions", "output_filter", "parse_tool_call", "payload_logprob",
           "poison_texts", "retrieval_metrics", "reveals_secret", "run_agents", "run_tool", "sample_stories",
           "search", "secret_rule", "summary_prompt", "to_base64", "top_k", "words", "wrap_untrusted"]
