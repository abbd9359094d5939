"""The real model, SmolLM2-135M-Instruct, from its file to text in and text out (notebooks 00, 01, 04, 05).

model.py is the network; weights.py reads the GGUF file into it; quantized.py runs the file's own 4-bit
numbers; tokenizers.py, chat.py, sampling.py and generation.py turn text into tokens and back;
chat_model.py puts them together behind load_chat_model().
"""

from .chat import drop_oldest_turns, render_chat
from .chat_model import ChatModel, load_chat_model
from .gguf_file import decode_q4_1_block, describe_model_file, raw_q4_1_block
from .likelihood import continuation_probs, sentence_score
from .model import Block, Transformer, apply_rope
from .sampling import entropy_bits, sampling_distribution, sampling_view, vote_accuracy
from .token_economy import compare_tokenizers, price_usd, text_stats, token_spans
from .tokenizers import SMOLLM2_SPLIT_PATTERN, get_tokenizer

__all__ = ["Block", "ChatModel", "SMOLLM2_SPLIT_PATTERN", "Transformer", "apply_rope", "compare_tokenizers",
           "continuation_probs", "decode_q4_1_block", "describe_model_file", "drop_oldest_turns",
           "entropy_bits", "get_tokenizer", "load_chat_model", "price_usd", "raw_q4_1_block", "render_chat",
           "sampling_distribution", "sampling_view", "sentence_score", "text_stats", "token_spans",
           "vote_accuracy"]
