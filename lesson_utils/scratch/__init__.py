"""Built from scratch: byte-pair encoding (notebook 01) and a tiny GPT trained on stories (notebook 06)."""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "bpe":         "merge pair_counts tokens_after_each_merge train_bpe train_bpe_naive",
    "pretraining": "prepare_corpus",
    "tiny_gpt":    "Block TinyConfig TinyGPT batches evaluate load_story_model",
})
