"""Built from scratch: byte-pair encoding (notebook 01) and a tiny GPT trained on stories (notebook 06)."""

from .bpe import merge, pair_counts, tokens_after_each_merge, train_bpe, train_bpe_naive
from .pretraining import prepare_corpus
from .tiny_gpt import Block, TinyConfig, TinyGPT, batches, evaluate, load_story_model

__all__ = ["Block", "TinyConfig", "TinyGPT", "batches", "evaluate", "load_story_model",
           "merge", "pair_counts", "prepare_corpus", "tokens_after_each_merge", "train_bpe",
           "train_bpe_naive"]
