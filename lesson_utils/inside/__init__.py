"""Looking inside the real model: its word vectors, its attention, its layer-by-layer guesses
(notebooks 02, 03, 04)."""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "attention":  "attention_record capture_attention induction_scores previous_token_scores record_from_ids "
                  "repeated_random_tokens time_parallel_vs_sequential top_heads",
    "embeddings": "PCAMap WordMap WordVectors contextual_vectors cosine_similarity sense_separation "
                  "sentence_embedding unit",
    "logit_lens": "answer_rank_by_layer block_steps layer_probs ranks_of read_out top_prediction_by_layer",
})
