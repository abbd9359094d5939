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
# # 03 · Attention: how the vectors talk to each other
#
# In notebook 02 each token became a vector, and you saw that inside the model " bank" changes with
# its sentence. What changes it is **attention**: at every layer, each token's vector gathers
# information from the vectors of the tokens before it.
#
# **You will see that**
# 1. attention is a few lines of arithmetic: **queries, keys, values**, scaled scores, a softmax and a
#    **causal mask**, repeated in several **heads**; you write it and check the shapes at each step;
# 2. your code reproduces one real layer of SmolLM2 **to within a few millionths** (rounding error);
# 3. real attention patterns can be looked at, and some heads do recognisable jobs: looking at the
#    **previous token**, or **copying** what followed the last time the same token appeared;
# 4. a block is attention, then a **feed-forward** part, each adding to a running **residual stream**,
#    and you can watch at which layer the prediction " Paris" appears;
# 5. attention handles all positions **in parallel**: one main reason it replaced step-by-step
#    networks (in training and when reading a prompt; generating still goes one token at a time).
#
# **Time:** about 60 minutes. **Builds on:** notebooks 00 (the model's parts), 01 (tokens) and 02 (vectors,
# dot products, cosine similarity).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used. Then the model is loaded.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import inspect
import math

import matplotlib.pyplot as plt
import torch

from lesson_utils import exercises
from lesson_utils.llm import Block, apply_rope, load_chat_model
from lesson_utils.inside import (attention_record, block_steps, capture_attention, induction_scores,
                                 layer_probs, previous_token_scores, ranks_of, read_out, record_from_ids,
                                 repeated_random_tokens, time_parallel_vs_sequential, top_heads)
from lesson_utils.session import setup
from lesson_utils.ui import AttentionViewer, viz

device = setup(seed=0)
lm = load_chat_model()
model, smollm2 = lm.model, lm.tokenizer

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Attention from scratch
#
# Take the sentence "The cat sat because it was tired". To understand " it", the model must bring in
# information from " cat". Attention does this in three moves, for every token at once:
#
# 1. each token makes a **query** ("what am I looking for?"), a **key** ("what do I contain?") and a
#    **value** ("what do I pass on if chosen?"): three vectors, each made by multiplying the token's
#    vector by a learned matrix;
# 2. the **score** of token t for token s is the dot product of t's query with s's key (large when they
#    match), divided by √d (d = how many numbers each query and key has) to keep the numbers moderate;
#    a **softmax** (notebook 00: e^score divided by the sum of e^score over the row) turns each token's
#    scores into **weights** that are positive and sum to 1;
# 3. each token's output is the weighted sum of the values.
#
# One more rule: a token may only look at itself and **earlier** tokens (the model predicts the next
# token, so it must not peek at it). This **causal mask** sets the scores for later tokens to −∞,
# which the softmax turns into weight 0 (e^−∞ = 0). Three torch tools help: `torch.ones(T, T).tril()`
# keeps the lower-left triangle of a table, diagonal included, and zeroes the rest (`.triu(1)` keeps
# what lies strictly above the diagonal); `~mask` flips True and False; `a.masked_fill(mask, value)`
# copies `a` with `value` wherever `mask` is True. Build the two pieces yourself first.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · The causal mask
# Write `my_causal_mask(T)` that returns a T × T table of True/False (a torch tensor, or a list of
# lists), True at row t, column s when token t may look at token s.

# %% slideshow={"slide_type": "fragment"}
def my_causal_mask(T):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_causal_mask(T):
    return [[s <= t for s in range(T)] for t in range(T)]


# %% slideshow={"slide_type": "fragment"}
exercises.check_causal_mask(my_causal_mask)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Softmax of masked scores
# Write `my_masked_softmax(scores)`: given a T × T tensor of scores, set the ones above the diagonal
# (the future) to `-inf`, then apply a softmax to each row (`torch.softmax(..., dim=-1)`).

# %% slideshow={"slide_type": "fragment"}
def my_masked_softmax(scores):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_masked_softmax(scores):
    T = scores.shape[0]
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)


# %% slideshow={"slide_type": "fragment"}
exercises.check_masked_softmax(my_masked_softmax)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now all of it, with 4 tokens of 8 numbers each and random matrices, checking the shape at every step:

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(0)
T, D = 4, 8                                          # 4 tokens, vectors of 8 numbers
x = torch.randn(T, D)                                # the tokens' vectors, one per row
Wq, Wk, Wv = (torch.randn(D, D) / math.sqrt(D) for _ in range(3))

q, k, v = x @ Wq, x @ Wk, x @ Wv                     # a query, key and value per token
assert q.shape == k.shape == v.shape == (T, D)
scores = q @ k.T / math.sqrt(D)                      # scores[t, s]: how well t's query matches s's key
assert scores.shape == (T, T)
causal = torch.ones(T, T, dtype=torch.bool).tril()   # True where s <= t
scores = scores.masked_fill(~causal, float("-inf"))
weights = torch.softmax(scores, dim=-1)              # each row: positive, sums to 1
assert weights.shape == (T, T)
out = weights @ v                                    # each row: a weighted mix of the values
assert out.shape == (T, D)
print("causal mask (1 = may look):\n", causal.int())
print("weights, rounded:\n", weights.round(decimals=3))
print("row sums, rounded:", weights.sum(-1).round(decimals=4))     # 1 up to float rounding

# %% [markdown] slideshow={"slide_type": "fragment"}
# The first token can only look at itself (weight 1). The others spread their attention over
# themselves and the tokens before them. The upper-right triangle is exactly 0: no peeking ahead.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · One attention output, small enough to do by hand
# Three tokens with vectors of 2 numbers. Compute the attention output of the **last** token (it may
# look at all three): scores = its query (only the last row of `q3` is used) · each key / √2,
# softmax, then the weighted sum of the value rows. On paper (with a calculator for the exponentials)
# or with torch.

# %% slideshow={"slide_type": "fragment"}
q3 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
k3 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
v3 = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
my_output = ...   # two numbers: the last token's output

# %% slideshow={"slide_type": "skip"} tags=["solution"]
last_scores = q3[2] @ k3.T / math.sqrt(2)          # [0.707, 0.707, 1.414]
my_output = torch.softmax(last_scores, dim=0) @ v3

# %% slideshow={"slide_type": "fragment"}
exercises.check_attention_output(my_output, q3, k3, v3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Several heads, and heads that share
#
# One attention looks for one kind of match. A model runs several side by side: **heads**. SmolLM2 has
# **9 heads**; each has its own query, key and value of 64 numbers, each computed from the whole
# 576-number vector. Each head computes its own weights; their outputs are put back side by side
# (9 × 64 = 576) and mixed by one more matrix, the **output** matrix.
#
# SmolLM2 saves memory with **grouped-query attention**: it makes 9 queries but only 3 keys and 3
# values per token, and each key/value head serves a group of 3 query heads. Below, the whole thing
# as one function, with a shape at every line. It also applies **RoPE**: attention by itself does not
# know the order of the tokens, so SmolLM2 rotates each query and key by an angle that grows with the
# token's position; the score between two tokens then depends on how far apart they are. (We use the
# library's `apply_rope` for that rotation.)
#
# More precisely, RoPE turns each pair of numbers in a query or key by an angle proportional to the
# token's position, each pair at its own speed. In the dot product only the *difference* of the angles
# survives, so a score depends on what the two tokens are and how far apart they are, not on where
# they sit.
#
# New torch tools in the function below:
# - `x @ wq.T`: PyTorch stores a matrix as (outputs, inputs), hence the `.T` (transpose).
# - `.view(T, 9, 64)` cuts each 576-number row into 9 pieces of 64; `.transpose(0, 1)` swaps the first
#   two axes, so the heads come first: (9, T, 64).
# - `@` on 3-D tensors does one matrix product per head.
# - `repeat_interleave(3, dim=0)` turns the key heads [k0, k1, k2] into [k0, k0, k0, k1, k1, k1, k2,
#   k2, k2], so query heads 0 to 2 share k0.
# - `.reshape(T, 576)` puts the heads back side by side.

# %% slideshow={"slide_type": "subslide"}
def attention(x, wq, wk, wv, wo, n_heads, n_kv_heads, cos, sin):
    """x (T, D) -> output (T, D) and weights (heads, T, T); the matrices as stored by PyTorch (out, in)."""
    T, D = x.shape
    hd = wq.shape[0] // n_heads                                   # numbers per head (64 in SmolLM2)
    q = (x @ wq.T).view(T, n_heads, hd).transpose(0, 1)           # (H, T, hd)
    k = (x @ wk.T).view(T, n_kv_heads, hd).transpose(0, 1)        # (K, T, hd)
    v = (x @ wv.T).view(T, n_kv_heads, hd).transpose(0, 1)        # (K, T, hd)
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)       # rotate by position
    group = n_heads // n_kv_heads                                 # query heads per key/value head
    k = k.repeat_interleave(group, dim=0)                         # (H, T, hd): each K head serves 3
    v = v.repeat_interleave(group, dim=0)                         # (H, T, hd)
    scores = q @ k.transpose(1, 2) / math.sqrt(hd)                # (H, T, T)
    causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
    weights = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)   # (H, T, T)
    heads = weights @ v                                           # (H, T, hd)
    joined = heads.transpose(0, 1).reshape(T, n_heads * hd)       # (T, H*hd): heads side by side
    return joined @ wo.T, weights                                 # (T, D)


# A toy run: 3 tokens of 8 numbers, 4 query heads of 2 numbers sharing 2 key/value heads, no rotation.
toy_out, toy_weights = attention(x[:3], torch.randn(8, 8), torch.randn(4, 8), torch.randn(4, 8),
                                 torch.randn(8, 8), n_heads=4, n_kv_heads=2,
                                 cos=torch.ones(3, 2), sin=torch.zeros(3, 2))
print("output (tokens, width):", tuple(toy_out.shape), "  weights (heads, tokens, tokens):", tuple(toy_weights.shape))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Proof: it is exactly what the real model computes
#
# Now the real thing. The 30 layers are numbered 0 to 29, as in the code (`model.blocks[13]` is the
# fourteenth). We run the model on a sentence and listen in on layer 13: we keep the vectors that
# enter its attention and what its attention returns. "Enter" means after the layer's **RMSNorm**,
# which divides each vector by its root-mean-square (so its numbers are of size about 1) and then
# multiplies each number by a learned gain. Then we
# feed the same vectors and the layer's own four matrices to *our* function.

# %% slideshow={"slide_type": "fragment"}
sentence = "The cat sat on the mat because it was tired."
ids = smollm2.encode(sentence)
layer = 13
attn_in, attn_out = capture_attention(model, ids, layer)          # (T, 576) each
real = model.blocks[layer].attn
cfg = model.config
wq, wk, wv, wo = (w.detach().float().cpu() for w in (real.wq, real.wk, real.wv, real.out.weight))
print("query", tuple(wq.shape), " key", tuple(wk.shape), " value", tuple(wv.shape), " output", tuple(wo.shape))
T = len(ids)
ours, our_weights = attention(attn_in, wq, wk, wv, wo, cfg.n_heads, cfg.n_kv_heads,
                              model.rope_cos[:T].cpu(), model.rope_sin[:T].cpu())
largest = (ours - attn_out).abs().max()
assert largest < 1e-4, f"our attention differs from the model's by {largest:.1e}"
# The exact size of a rounding difference depends on the CPU, so the bound is printed, not the value.
print("largest difference between our output and the model's: below 1e-4")
print(f"(the outputs themselves are of size {attn_out.abs().mean():.2f} on average)")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The difference is at the level of rounding in 32-bit arithmetic: the model's attention *is* these
# fifteen lines. The key and value matrices are a third of the query matrix's size (192 rows, not
# 576): that is the grouped-query sharing.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Looking at real attention
#
# Each of the 30 layers has 9 heads, so there are 270 patterns for every sentence. **Try it:** pick a
# layer, a head and a token, and see what the token looks at. Rows are the tokens looking, columns
# the tokens looked at; dark means a large weight. Below the widget, the same for the default values,
# and then all 9 heads of one layer at once.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
AttentionViewer(model, smollm2, prompt=sentence, layer=16, head=0)

# %% slideshow={"slide_type": "subslide"}
record = attention_record(model, smollm2, sentence)
viz.plot_attention(record.weights[16, 0], record.tokens, title="layer 16, head 0", row=len(ids) - 1)
plt.show()
last = record.row(16, 0, len(ids) - 1)
print(f"{record.tokens[-1]!r} looks at: " + ", ".join(f"{t!r} {p:.2f}" for t, p in sorted(last, key=lambda r: -r[1])[:4]))

# %% [markdown] slideshow={"slide_type": "fragment"}
# In this head most tokens put most of their weight (80% on average) on the token just before them: a
# diagonal line one step left of the main diagonal. Much of the rest goes to the first token, "The";
# keep that in mind. The orange box marks the row of ".", printed above. Here is layer 16 in full:

# %% slideshow={"slide_type": "subslide"}
viz.plot_attention_heads(record.weights[16], record.tokens, title="All 9 heads of layer 16")
plt.show()
first_share = record.weights[16, :, 1:, 0].mean(-1)
print("average weight each head of layer 16 puts on the first token:", [round(x, 2) for x in first_share.tolist()])
it = record.tokens.index(" it")
print("' it' in head 5 looks at:", [(t, round(p, 2)) for t, p in sorted(record.row(16, 5, it), key=lambda r: -r[1])[:3]])

# %% [markdown] slideshow={"slide_type": "fragment"}
# Two things stand out. Eight of the nine heads put more than 30% of their weight on the very first
# token, six of them more than half. The first token is visible to everyone, so a head with nothing
# useful to look at "parks" its attention there; this is called an **attention sink** (the weights must
# sum to 1, so they have to go somewhere). And in head 5, " it" looks most at " cat", the word it
# refers to. One sentence proves little, but it shows what attention is *for*.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Heads with a job, found by measurement
#
# Looking at 270 patterns by eye is slow. Instead, give each head a **score** for a behaviour and
# measure all of them at once.
#
# **Previous-token heads.** Score: the average weight a head puts on the token right before the one
# looking. A head that always looks one step back scores 1. (Measured on our one 11-token sentence;
# the repeated sequence below confirms the strongest ones on other text.)

# %% slideshow={"slide_type": "fragment"}
prev_scores = previous_token_scores(record.weights)              # (30 layers, 9 heads)
viz.plot_head_scores(prev_scores, title="Previous-token score of every head", label="weight on the previous token")
plt.show()
for layer_, head_, score in top_heads(prev_scores, 4):
    print(f"layer {layer_:2}, head {head_}: {score:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Induction heads.** Take 50 random tokens and repeat them: `A B C ... A B C ...`.
#
# **Predict first:** the tokens are random. What share of the next tokens will the model guess right
# in the first copy? In the second?

# %% slideshow={"slide_type": "fragment"}
n = 50
repeated = repeated_random_tokens(n, seed=0)
print("the first 8 tokens:", smollm2.token_strings(repeated[:8]))
with torch.inference_mode():
    logits = model(torch.tensor([repeated], device=model.device)).logits[0].float().cpu()
targets = torch.tensor(repeated[1:])
right = logits[:-1].argmax(-1) == targets                         # next-token guess right?
print(f"next token guessed right: first copy {right[: n - 1].float().mean():.0%}, "
      f"second copy {right[n:].float().mean():.0%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# In the second copy every next token can be predicted: after `A` came `B` last time. An **induction
# head** does exactly that lookup: at a token in the second copy, it looks at the token that
# *followed* the same token in the first copy. Score: the average weight on that token.

# %% slideshow={"slide_type": "subslide"}
repeat_record = record_from_ids(model, smollm2, repeated)
ind_scores = induction_scores(repeat_record.weights, n)
viz.plot_head_scores(ind_scores, title="Induction score of every head", label="weight on the token after the match")
plt.show()
best = top_heads(ind_scores, 5)
for layer_, head_, score in best:
    print(f"layer {layer_:2}, head {head_}: {score:.2f}")

# %% slideshow={"slide_type": "subslide"}
layer_, head_, _ = best[0]
viz.plot_attention(repeat_record.weights[layer_, head_], [f"{i}" if i % 10 == 0 else "" for i in range(2 * n)],
                   title=f"The best induction head, layer {layer_} head {head_}: a stripe n - 1 = {n - 1} to the left")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The stripe starts where the second copy starts: from then on, each token looks 49 positions back,
# at the token after its earlier twin. (Before that, the head has nothing to find and parks on token
# 0: the attention sink again.) The best ones sit in layers 17 and 18, after the strongest
# previous-token heads (layers 1, 2, 11 and 16). The order makes sense: to find "the token after my
# earlier twin", each earlier token must already carry "what came before me", which a previous-token
# head writes into it. They let a model copy names, repeat patterns and continue
# lists that appear earlier in its prompt. It is one of the few mechanisms inside language models that
# researchers understand well.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · One block, in order
#
# Attention is half of a block. Here is the block's whole program, from `lesson_utils/llm/model.py`:

# %% slideshow={"slide_type": "fragment"}
print(inspect.getsource(Block.forward))

# %% [markdown] slideshow={"slide_type": "fragment"}
# (`rope` holds RoPE's angles for each token's position; `mask` is the causal mask; `cache` keeps the
# keys and values of earlier tokens so that generation need not recompute them, notebook 04;
# `want_weights` asks attention to return its weights, as the pictures above need.) Two things to notice.
# Attention (`self.attn`) and the **feed-forward** part (`self.ffn`, a small network applied to each
# token on its own, notebook 00) do not replace the vector `x`: they **add** to it. That running vector is called the **residual stream**: each part reads it, and writes a
# change back. And the feed-forward part works on each token separately; only attention moves
# information between tokens.
#
# Because every block only adds, we can stop anywhere and read out a prediction, with the model's own
# final normalisation and read-out matrix (the *logit lens*). **Predict first:** the model answers
# "The capital of France is" with " Paris" (p = 0.77). After how many of its 30 layers does " Paris"
# appear?

# %% slideshow={"slide_type": "subslide"}
prompt_ids = smollm2.encode("The capital of France is")
paris = smollm2.encode(" Paris")[0]
probs_by_layer = layer_probs(model, prompt_ids)          # (31, 49152): one read-out per layer
p_paris = probs_by_layer[:, paris].tolist()
fig, ax = plt.subplots(figsize=(8.5, 3.8))
ax.plot(range(len(p_paris)), p_paris, marker="o", color=viz.PALETTE[0])
ax.set_xlabel("layers done (0 = only the embedding)")
ax.set_ylabel("probability of ' Paris' next")
ax.set_title("Reading out the prediction after each layer")
plt.show()
rank_paris = ranks_of(probs_by_layer, paris)
print("after 25, 26, ..., 30 layers, probability:", [round(p, 3) for p in p_paris[25:]])
print("                              rank:       ", rank_paris[25:])

# %% [markdown] slideshow={"slide_type": "subslide"}
# Read out this way, " Paris" has almost no probability for 27 layers (its rank among all 49,152
# tokens climbs, to 34th after 27 layers). It gets 1% after 28 layers (7th) and jumps in the very
# last one. Point k on the plot is the stream after `blocks[0]` to `blocks[k-1]`, so the last jump is
# the work of `blocks[29]`. Let us take that layer apart: the read-out before it (point 29, 0.070),
# after its attention, and after its feed-forward part (point 30, 0.773).

# %% slideshow={"slide_type": "fragment"}
steps = block_steps(model, prompt_ids, layer=29)
for name in ("input", "after_attention", "after_ffn"):
    top = read_out(model, smollm2, steps[name][-1], k=3)
    print(f"{name:16} " + "  ".join(f"{t!r} {p:.3f}" for t, p in top))
size = {name: steps[name][-1].norm().item() for name in ("input", "attention", "ffn")}
print(f"\nlength (norm) of the stream {size['input']:.0f}; attention adds a change of length "
      f"{size['attention']:.0f}, the feed-forward part one of length {size['ffn']:.0f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# In this last block, attention changes the guess only a little; the feed-forward part turns " capital"
# (0.30) and " Paris" (0.10) into " Paris" (0.77), with a change six times larger than attention's. A
# common reading: attention *gathers* information from other tokens ("France", "capital"), and
# feed-forward parts act like a memory applied to each token. That is a simplification (both do some
# of each). Here the last feed-forward part is what makes " Paris" the top guess; whether the fact is
# *stored* there, one read-out cannot tell. Notebook 04 reads out every layer for any prompt.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · All positions at once
#
# Before transformers, language models were mostly **recurrent** networks: they read a text one token
# at a time, and each step needed the previous step's result: `h = tanh(h W + x U)`. Attention needs
# no such chain: the scores of all positions come out of one matrix product, so all T positions are
# computed together, which is what computer chips (and above all GPUs) do best.
#
# Below, the same T token vectors go through causal attention in one go, and through a recurrent loop
# of T steps, for several T. (Your times will differ from the saved ones.) To keep it simple, the
# "attention" here is the mixing step alone (scores, softmax, weighted sum), without its query, key
# and value matrices, and the recurrent network is the simplest kind.

# %% slideshow={"slide_type": "fragment"}
D = 576
for T in (256, 1024):
    attention_ops = 2 * T * T * D                                 # scores, then weights @ values
    recurrent_ops = 2 * T * D * D                                 # two vector-matrix products per step
    print(f"T={T:5}: attention {attention_ops / 1e6:6.0f} million multiply-adds, "
          f"recurrent loop {recurrent_ops / 1e6:6.0f} million")

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
threads = torch.get_num_threads()
runs = [("cpu", 1), ("cpu", threads)] + ([("cuda", threads)] if torch.cuda.is_available() else [])
lengths = (32, 64, 128, 256, 512, 1024)
fig, ax = plt.subplots(figsize=(8.5, 4.5))
for k_, (dev, n_threads) in enumerate(runs):
    torch.set_num_threads(n_threads)
    rows = time_parallel_vs_sequential(lengths, device=dev)
    name = f"{dev}, {n_threads} thread{'s' if n_threads > 1 else ''}"
    ax.plot(lengths, [r["parallel_s"] * 1e3 for r in rows], marker="o", color=viz.PALETTE[2 * k_],
            label=f"attention, all at once ({name})")
    ax.plot(lengths, [r["sequential_s"] * 1e3 for r in rows], marker="s", linestyle="--",
            color=viz.PALETTE[2 * k_ + 1], label=f"recurrent, step by step ({name})")
    for r in rows:
        print(f"{name:14} T={r['T']:5}: all at once {r['parallel_s'] * 1e3:7.2f} ms, step by step "
              f"{r['sequential_s'] * 1e3:7.2f} ms ({r['sequential_s'] / r['parallel_s']:.0f}x)")
torch.set_num_threads(threads)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("sequence length T (tokens)")
ax.set_ylabel("time (ms, log scale)")
ax.set_title("Parallel attention vs a step-by-step loop")
ax.legend(fontsize=9)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# At T = 1024 attention does nearly twice the arithmetic of the loop (1,208 against 679 million), yet
# it finishes several times sooner (the printed ratios; timings differ from machine to machine): one
# large operation keeps the chip busy, while a loop of small steps spends much of its time on the
# overhead of each step. With two threads, attention gets faster, while the loop usually does not and
# may even get *slower*: for every tiny step the second thread has to be woken up and waited for. Step-by-step work cannot use parallel hardware, and on a GPU, with
# thousands of arithmetic units, the gap is usually larger still (run this notebook on one to see).
# The ratio shrinks as T grows, because attention's cost grows with T² while the loop's grows with T:
# that is why long context windows are expensive (notebook 01). `benchmarks/bench_attention.py`
# measures the same up to T = 2048 (results in `benchmarks/results/attention.txt`).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - **Attention** = queries · keys (scaled) → causal mask → softmax → weighted sum of values. Each
#   token mixes in information from itself and earlier tokens, never later ones.
# - SmolLM2 runs **9 heads** of 64 numbers per layer, with **3 shared key/value heads**
#   (grouped-query attention) and rotated positions (RoPE). Your fifteen-line function matched a real
#   layer to rounding error (below 1e-4).
# - Real heads do measurable jobs: **previous-token heads**, **attention sinks** on the first token,
#   and **induction heads**, whose pattern is exactly the lookup needed to continue a repeated random
#   sequence (which the model predicts 78% right the second time, 0% the first).
# - A block = attention + feed-forward, each **adding** to the residual stream. Read out layer by
#   layer, " Paris" becomes the top guess only in the last layer, through its feed-forward part.
# - Attention computes all positions **at once**; recurrent networks must go step by step.
#
# **Next:** notebook 04 follows the last vector to a probability for every token, and generation one
# token at a time.
