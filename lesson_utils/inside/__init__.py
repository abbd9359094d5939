"""Looking inside the real model: its word vectors, its attention, its layer-by-layer guesses
(notebooks 02, 03, 04)."""

from .attention import (
    attention_record,
    capture_attention,
    induction_scores,
    previous_token_scores,
    record_from_ids,
    repeated_random_tokens,
    time_parallel_vs_sequential,
    top_heads,
)
from .embeddings import (
    PCAMap,
    WordMap,
    WordVectors,
    contextual_vectors,
    cosine_similarity,
    sense_separation,
    sentence_embedding,
    unit,
)
from .logit_lens import (
    answer_rank_by_layer,
    block_steps,
    layer_probs,
    ranks_of,
    read_out,
    top_prediction_by_layer,
)

__all__ = ["PCAMap", "WordMap", "WordVectors", "answer_rank_by_layer", "attention_record", "block_steps",
           "capture_attention", "contextual_vectors", "cosine_similarity", "induction_scores", "layer_probs",
           "previous_token_scores", "ranks_of", "read_out", "record_from_ids", "repeated_random_tokens",
           "sense_separation", "sentence_embedding", "time_parallel_vs_sequential", "top_heads",
           "top_prediction_by_layer", "unit"]
