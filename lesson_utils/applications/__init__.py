"""Building on the model: retrieval (notebook 08); tools, agents and their attacks (notebook 09)."""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "jailbreaks":       "attack_set leak_table output_filter reveals_secret secret_rule to_base64",
    "poisoning":        "PAYLOAD TRIGGER fine_tune payload_logprob poison_texts sample_stories",
    "prompt_injection": "INJECTIONS LINK_MARKERS PHISH contains_link followed summary_prompt wrap_untrusted",
    "rag":              "BM25 DenseIndex build_prompt chunk_documents chunk_text is_correct "
                        "load_knowledge_base load_questions retrieval_metrics search top_k words",
    "tools":            "TOOLS ToolError calculate demo_messages parse_tool_call run_agents run_tool",
})
