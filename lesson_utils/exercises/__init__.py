"""Checks for the exercises: each says in plain words what is right or what is off.

A check prints its verdict and returns True or False; it never raises for a wrong
answer, so a student's notebook keeps running. One module per notebook.
"""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "n00_what_is_an_llm": "block_parameter_count check_block_parameters check_chat_text check_softmax",
    "n01_tokenization":   "check_chat_token_count check_costlier check_merge",
    "n02_embeddings":     "check_bank_layer check_cosine check_nearest",
    "n03_attention":      "check_attention_output check_causal_mask check_masked_softmax",
    "n04_next_token":     "check_first_top_layer check_sentence_logprob check_softmax_values",
    "n05_sampling":       "check_temperature check_top_k check_top_p",
    "n06_training":       "check_finite_difference check_initial_loss check_train_step",
    "n07_post_training":  "check_dpo_loss check_hacked_reward check_preference_probability",
    "n08_rag":            "check_chunking check_idf check_mrr",
    "n09_security":       "check_is_arithmetic check_reveals check_wrap",
    "n10_using_llms_in_code": "check_retry check_three_turn_messages check_tool_message",
})
