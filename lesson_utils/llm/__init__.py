"""The real model, SmolLM2-135M-Instruct, from its file to text in and text out (notebooks 00, 01, 04, 05).

model.py is the network (cpu_linear.py gives its matrix products a faster float32 route on a CPU);
weights.py reads the GGUF file into it; quantized.py runs the file's own 4-bit
numbers; tokenizers.py, chat.py, sampling.py and generation.py turn text into tokens and back;
chat_model.py puts them together behind load_chat_model().
"""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "chat":          "drop_oldest_turns render_chat",
    "chat_model":    "ChatModel load_chat_model",
    "gguf_file":     "decode_q4_1_block describe_model_file raw_q4_1_block",
    "likelihood":    "continuation_probs sentence_score",
    "model":         "Block Transformer apply_rope",
    "sampling":      "entropy_bits sampling_distribution sampling_view vote_accuracy",
    "token_economy": "compare_tokenizers price_usd text_stats token_spans",
    "tokenizers":    "SMOLLM2_SPLIT_PATTERN get_tokenizer",
})
