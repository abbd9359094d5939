"""Checks for the exercises: each says in plain words what is right or what is off.

A check prints its verdict and returns True or False; it never raises for a wrong
answer, so a student's notebook keeps running. One module per notebook.
"""

from .n00_what_is_an_llm import block_parameter_count, check_block_parameters, check_chat_text, check_softmax
from .n01_tokenization import check_chat_token_count, check_costlier, check_merge
from .n02_embeddings import check_bank_layer, check_cosine, check_nearest
from .n03_attention import check_attention_output, check_causal_mask, check_masked_softmax
from .n04_next_token import check_first_top_layer, check_sentence_logprob, check_softmax_values
from .n05_sampling import check_temperature, check_top_k, check_top_p
from .n06_training import check_finite_difference, check_initial_loss, check_train_step
from .n07_post_training import check_dpo_loss, check_hacked_reward, check_preference_probability
from .n08_rag import check_chunking, check_idf, check_mrr
from .n09_security import check_is_arithmetic, check_reveals, check_wrap

__all__ = ["block_parameter_count", "check_block_parameters", "check_chat_text",
           "check_softmax", "check_merge", "check_chat_token_count", "check_costlier", "check_cosine",
           "check_nearest", "check_bank_layer", "check_causal_mask", "check_masked_softmax",
           "check_attention_output", "check_softmax_values", "check_sentence_logprob",
           "check_first_top_layer", "check_temperature", "check_top_k", "check_top_p", "check_initial_loss",
           "check_finite_difference", "check_train_step", "check_preference_probability", "check_dpo_loss",
           "check_hacked_reward", "check_chunking", "check_idf", "check_mrr", "check_is_arithmetic",
           "check_reveals", "check_wrap"]
