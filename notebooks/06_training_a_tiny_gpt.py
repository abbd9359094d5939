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
# # 06 · Training a tiny GPT from scratch
#
# SmolLM2's 134.5 million numbers were not written by anyone: they were *learned*. In this notebook
# you learn a model's numbers yourself, from random to useful, on a small corpus and a small model that
# train on a laptop CPU in about a minute.
#
# **You will see that**
# 1. pretraining starts with **data**: collect, clean (junk, exact and near duplicates), split, tokenize;
# 2. a GPT is a short program (`lesson_utils/scratch/tiny_gpt.py`) and training is a four-line loop:
#    **forward, loss, backward, step**;
# 3. **backpropagation** computes, for every number in the model, which way to nudge it, and you can
#    check one of those answers by nudging the number yourself;
# 4. the **loss** falls as the model learns, and a **validation set** tells learning from
#    memorising;
# 5. how model size changes the result (scaling), and how the size of a model compares with the size
#    of its training text (compression).
#
# **Time:** about 60 minutes. **Builds on:** notebooks 01 (BPE), 03 (the block) and 04 (loss as
# log-probability).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds (training starts from random numbers; fixed seeds make your curves
# match the saved ones on the same machine), the number of CPU threads and the plot style, and says
# whether a GPU is used.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import inspect
import json
import math
import re
import time

import matplotlib.pyplot as plt
import torch

from lesson_utils import exercises
from lesson_utils.scratch import (Block, TinyConfig, TinyGPT, batches, evaluate, load_story_model,
                                  prepare_corpus)
from lesson_utils.assets import ASSETS, load_corpus
from lesson_utils.session import setup
from lesson_utils.ui import viz

device = setup(seed=0)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Data: collect, clean, split, tokenize
#
# Real models learn from trillions of tokens of web pages, books and code. Ours learns from the
# project's corpus: 288 short stories and explanations written by SmolLM2 itself (notebook 01), about
# 320 KB. The steps are the ones real pipelines take:
#
# - **collect**: here, one file, cut into 1,524 paragraphs that we treat as documents;
# - **clean**: drop *junk* (too short, mostly not letters, the same few words repeated), *exact
#   duplicates*, and *near duplicates* (the same after lower-casing and removing punctuation), so the
#   model does not learn the same text many times over;
# - **split**: every tenth paragraph goes to a **validation** set that the model never trains on (its
#   stories share characters and names with the training paragraphs, so the validation loss is a bit
#   optimistic; splitting by whole story would be stricter);
# - **tokenize**: a 512-token BPE tokenizer, learned from the training part with notebook 01's code.

# %% slideshow={"slide_type": "fragment"}
text = load_corpus()
data = prepare_corpus(text, vocab_size=512, val_every=10)
report = data.report
total = len(report.kept) + sum(report.counts.values())
print(f"collected: {len(text):,} characters in {total:,} documents")
for rule, n in report.counts.items():
    print(f"  removed as {rule:16} {n:3}   e.g. {report.examples[rule][:70]!r}...")
print(f"kept: {len(report.kept):,} documents")
print(f"train: {len(data.train_text):,} characters -> {len(data.train_ids):,} tokens; "
      f"validation: {len(data.val_text):,} characters -> {len(data.val_ids):,} tokens")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Even text written by a model has junk (it sometimes gets stuck repeating itself) and duplicates.
# In web-scale data the shares are far larger: much of the web is boilerplate, spam and copies.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The model
#
# `TinyGPT` follows SmolLM2's plan (notebooks 00 and 03) with simpler parts:
# - a token table plus a *position* table: a learned vector for each of the 64 positions, added to the
#   token's vector (instead of RoPE; it is also why the model cannot read more than 64 tokens);
# - blocks of attention and a two-matrix feed-forward part (SmolLM2's has three);
# - LayerNorm, which rescales each vector to a standard size (SmolLM2 uses the simpler RMSNorm);
# - a read-out tied to the token table. One block:

# %% slideshow={"slide_type": "fragment"}
print(inspect.getsource(Block))

# %% slideshow={"slide_type": "subslide"}
config = TinyConfig(vocab_size=512, context=64, dim=64, n_layers=2, n_heads=4)
torch.manual_seed(0)
model = TinyGPT(config).to(device)
print(config)
print(f"{model.n_params():,} parameters (SmolLM2: 134,515,008, about 1,000 times more)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Training minimises the **loss**: the average of −log(probability the model gave the right next
# token), the quantity of notebook 04. Its numbers start random and small, so at first the model gives
# every token about the same probability.
#
# ### Exercise 1 · The loss before training
# If a model gives each of the 512 tokens probability 1/512, what is its loss (natural logarithm)?

# %% slideshow={"slide_type": "fragment"}
my_initial_loss = ...   # one number

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_initial_loss = -math.log(1 / 512)

# %% slideshow={"slide_type": "fragment"}
exercises.check_initial_loss(my_initial_loss, 512)

# %% slideshow={"slide_type": "fragment"}
train_ids, val_ids = torch.tensor(data.train_ids), torch.tensor(data.val_ids)
print(f"the untrained model's loss on the validation text: {evaluate(model, val_ids, config.context):.3f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Backpropagation, made visible
#
# To improve, training needs to know, for each of the 136,960 numbers, whether nudging it up would make
# the loss go up or down, and how fast: the **gradient**. **Backpropagation** computes all of them in
# one backward pass through the program (PyTorch's *autograd* does it for us: `loss.backward()`).
#
# It works backwards through the computation, from the loss to the first layer, passing each slope
# back one step at a time (the *chain rule* of calculus). For one number you can check the result by
# hand: nudge it up by a tiny h and measure the loss, nudge it down and measure again, and divide the
# difference by 2h. That is the slope, a *finite difference*. (A *batch* is a handful of text windows
# processed together; here 8 windows of 64 tokens.)

# %% slideshow={"slide_type": "fragment"}
x, y = next(batches(train_ids, 8, config.context, torch.Generator().manual_seed(1)))
x, y = x.to(device), y.to(device)
model.zero_grad()
_, loss = model(x, y)
loss.backward()                                         # backpropagation: every gradient at once
weight = model.token_embed.weight                       # the token table; we pick one of its numbers:
token, column = divmod(int(weight.grad.abs().argmax()), weight.shape[1])   # the one with the steepest slope
autograd_slope = float(weight.grad[token, column])
print(f"loss {loss.item():.3f}; autograd says d(loss)/d(weight[{token}, {column}]) = {autograd_slope:.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · The same slope by nudging
# Compute the finite difference for `weight[token, column]` with h = 1e-2. Inside `torch.no_grad()`,
# add h to that number, compute the loss (`model(x, y)[1].item()`), subtract 2h, compute the loss
# again, add h back, and divide the difference of the two losses by 2h.

# %% slideshow={"slide_type": "fragment"}
my_slope = ...   # one number

# %% slideshow={"slide_type": "skip"} tags=["solution"]
h = 1e-2
with torch.no_grad():
    weight[token, column] += h
    loss_up = model(x, y)[1].item()
    weight[token, column] -= 2 * h
    loss_down = model(x, y)[1].item()
    weight[token, column] += h                          # put it back
my_slope = (loss_up - loss_down) / (2 * h)

# %% slideshow={"slide_type": "fragment"}
exercises.check_finite_difference(my_slope, autograd_slope)

# %% [markdown] slideshow={"slide_type": "fragment"}
# (We took the number with the steepest slope: for numbers whose slope is tiny, the change in the loss
# is smaller than the rounding of 32-bit arithmetic, and the nudge measures mostly noise.) The nudge
# needed two extra runs of the model for one number. Backpropagation gets all 136,960 slopes for the
# cost of about two more runs, however many numbers there are. That is what makes training large
# models possible.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · The training loop
#
# One **step**: take a batch of text windows, run the model (**forward**), compute the **loss**, zero
# the old gradients, compute the new ones (**backward**), and let the optimizer nudge every number
# against its gradient (**step**). The old gradients must be zeroed first because PyTorch *adds* new
# gradients to old ones. The optimizer here is AdamW, the usual choice, which adapts the size of each
# nudge; `lr`, the *learning rate*, scales all the nudges.
#
# ### Exercise 3 · One training step
# Write `my_train_step(model, optimizer, x, y)` that does one step and returns the loss as a number.

# %% slideshow={"slide_type": "fragment"}
def my_train_step(model, optimizer, x, y):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_train_step(model, optimizer, x, y):
    _, loss = model(x, y)           # forward and loss
    optimizer.zero_grad()           # forget the previous step's gradients
    loss.backward()                 # backward: a gradient for every number
    optimizer.step()                # nudge every number against its gradient
    return loss.item()


# %% slideshow={"slide_type": "fragment"}
exercises.check_train_step(my_train_step)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now train for 400 steps of 32 windows of 64 tokens, measuring the validation loss every 50 steps and
# writing a sample before, during and after. (The loop below writes the step out again, so it runs
# even before you solve Exercise 3.)
#
# **Predict first:** what will the model write before any training?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
def sample(model, start="Once upon a time", n=30, seed=0):
    return data.tokenizer.decode(model.generate(data.tokenizer.encode(start), n, temperature=0.8, seed=seed))


torch.manual_seed(0)
model = TinyGPT(config).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
stream = batches(train_ids, 32, config.context, torch.Generator().manual_seed(0))
curve = {"step": [0], "train": [evaluate(model, train_ids, config.context)],     # the untrained model
         "val": [evaluate(model, val_ids, config.context)]}
samples = {0: sample(model)}
start = time.perf_counter()
for step in range(1, 401):
    x, y = (t.to(device) for t in next(stream))
    _, loss = model(x, y)                                # forward + loss
    optimizer.zero_grad()
    loss.backward()                                      # backward
    optimizer.step()                                     # step
    if step % 50 == 0:
        curve["step"].append(step)
        curve["train"].append(loss.item())
        curve["val"].append(evaluate(model, val_ids, config.context))
    if step == 100:
        samples[step] = sample(model)
seconds = time.perf_counter() - start
samples[400] = sample(model)
print(f"400 steps in {seconds:.1f} s on {device}: {seconds / 400 * 1e3:.0f} ms per step")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Sampled texts differ from machine to machine (another CPU rounds the training a little differently),
# so they are shown, not compared; the assert checks what the text below says about them.
known_words = set(re.findall(r"[a-z]+", data.train_text.lower()))


def real_word_share(text):
    """The share of a text's words that occur as words in the training text."""
    words = re.findall(r"[a-z]+", text.lower())
    return sum(w in known_words for w in words) / max(1, len(words))


for step, text_ in samples.items():
    print(f"after {step:3} steps: Once upon a time{text_}")
print("words that occur in the training text: "
      + ", ".join(f"after {step} steps {real_word_share(text_):.0%}" for step, text_ in samples.items()))
assert real_word_share(samples[400]) > max(0.6, real_word_share(samples[0]) + 0.2), \
    "after 400 steps the sample should have many more real words than before training, and it has not"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Before training: random tokens. After 100 steps: a few common words among fragments. After 400:
# sentences that start like the stories, though they soon lose the thread. The loss curves (step 0 is
# the untrained model):

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# The losses after training differ in the last digits from machine to machine: shown, not compared.
fig, ax = plt.subplots(figsize=(8.5, 4.2))
ax.plot(curve["step"], curve["train"], marker="o", color=viz.PALETTE[0], label="training batch")
ax.plot(curve["step"], curve["val"], marker="s", color=viz.PALETTE[1], label="validation text")
ax.axhline(math.log(512), color=viz.GREY, linestyle="--")
ax.annotate("guessing uniformly: log 512 = 6.24", (60, math.log(512) + 0.15))
ax.set_xlabel("training step")
ax.set_ylabel("loss (lower is better)")
ax.set_ylim(0, 7)
ax.set_title("The loss falls as the model learns")
ax.legend()
plt.show()
print("step:       " + " ".join(f"{s:6}" for s in curve["step"]))
print("train loss: " + " ".join(f"{v:6.2f}" for v in curve["train"]))
print("val loss:   " + " ".join(f"{v:6.2f}" for v in curve["val"]))
assert all(later < earlier for earlier, later in zip(curve["val"], curve["val"][1:])), \
    "the validation loss should fall at every measurement, and it rose somewhere"
assert curve["val"][-1] < 3.5, f"after 400 steps the validation loss should be below 3.5, not {curve['val'][-1]:.2f}"
assert all(abs(t - v) < 0.3 for t, v in zip(curve["train"], curve["val"])), \
    "the training and validation losses should stay close (within 0.3), and they drifted apart"

# %% [markdown] slideshow={"slide_type": "fragment"}
# The two curves lie on top of each other: after 400 steps of 32 windows of 64 tokens the model has
# seen about 820,000 tokens, seven passes over the training text, and it has not memorised anything
# yet: it does as well on text it never saw.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Training longer
#
# A larger model (4 layers of width 128, 867,072 parameters: six times more) trained for 3,000 steps by
# `scripts/train_tiny_gpt.py` (seeded; about 4 minutes on 2 CPU cores) ships with the project. Besides
# being bigger and training longer, it uses a learning rate that starts small, rises and then slowly
# decays, and *weight decay* (a pull of every number towards 0). Here is its record and what it
# writes.

# %% slideshow={"slide_type": "fragment"}
record = json.loads((ASSETS / "tiny_gpt" / "training.json").read_text())
steps = [r["step"] for r in record["curve"]]
fig, ax = plt.subplots(figsize=(8.5, 4.2))
ax.plot(steps, [r["train"] for r in record["curve"]], color=viz.PALETTE[0], label="training batch")
ax.plot(steps, [r["val"] for r in record["curve"]], color=viz.PALETTE[1], label="validation text")
ax.axvline(record["best_step"], color=viz.GREY, linestyle="--")
ax.annotate(f"lowest validation loss: step {record['best_step']}", (record["best_step"], 1.0), xytext=(8, 0),
            textcoords="offset points")
ax.set_xlabel("training step")
ax.set_ylabel("loss")
ax.set_title("Training longer: learning, then memorising")
ax.legend()
plt.show()
for r in record["curve"][:: max(1, len(record["curve"]) // 6)]:
    print(f"step {r['step']:5}: train {r['train']:.2f}, validation {r['val']:.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The training loss keeps falling, but the validation loss stops improving and then rises: the model
# starts to **memorise** its 117,000 training tokens instead of learning what stories in general look
# like: by the best step it has passed over them about 13 times, by step 3,000 about 53 times. That is
# why the validation set matters, why the saved file keeps the weights from the step with the lowest
# validation loss, and why real pipelines remove duplicates (a duplicated text is simply seen more
# often).

# %% slideshow={"slide_type": "subslide"}
big, big_tokenizer = load_story_model(device)      # the saved weights, and the tokenizer they were trained with
assert big_tokenizer.merges == data.tokenizer.merges, "the saved model should read this notebook's 512 tokens"
big_val_loss = evaluate(big, val_ids, big.config.context)
print(f"validation loss of the longer-trained model: {big_val_loss:.3f}")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# The 400-step model's loss and the sampled stories differ from machine to machine: shown, not compared.
print(f"the 400-step model's validation loss, for comparison: {curve['val'][-1]:.3f}")
big_samples = [sample(big, n=60, seed=seed) for seed in (1, 2)]
for text_ in big_samples:
    print(f"\nOnce upon a time{text_}")
assert big_val_loss < curve["val"][-1] - 0.2, \
    "the longer-trained model should have a clearly lower validation loss than the 400-step model"
assert all(real_word_share(t) > 0.75 for t in big_samples), \
    "the longer-trained model's stories should be mostly real words, and one of them is not"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Fluent for a sentence or two, with names and story shapes from the corpus, then odd words and
# muddled grammar: about what 867,000 numbers and 300 KB of text can give.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Scaling in miniature
#
# **Predict first:** with the same data and the same 400 steps, will a wider model always do better,
# and will each doubling of the width buy as much as the one before? We train widths 16, 32 and 96
# (the width-64 model is the one trained above) and compare their validation loss.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
scaling = {64: (model.n_params(), curve["val"][-1])}
for dim in (16, 32, 96):
    torch.manual_seed(0)
    small = TinyGPT(TinyConfig(vocab_size=512, context=64, dim=dim, n_layers=2, n_heads=4)).to(device)
    opt = torch.optim.AdamW(small.parameters(), lr=3e-3)
    stream = batches(train_ids, 32, 64, torch.Generator().manual_seed(0))
    for _ in range(400):
        x, y = (t.to(device) for t in next(stream))
        _, loss = small(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    scaling[dim] = (small.n_params(), evaluate(small, val_ids, 64))

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Losses after training differ in the last digits from machine to machine: shown, not compared.
widths = sorted(scaling)
fig, ax = plt.subplots(figsize=(7.5, 4.2))
ax.plot([scaling[w][0] for w in widths], [scaling[w][1] for w in widths], marker="o", color=viz.PALETTE[0])
for w in widths:
    ax.annotate(f"width {w}", scaling[w], xytext=(5, 5), textcoords="offset points")
ax.set_xscale("log")
ax.set_yscale("log")
ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.1f}"))
ax.yaxis.set_minor_formatter(plt.FuncFormatter(lambda v, _: f"{v:.1f}"))
ax.xaxis.set_minor_formatter(plt.NullFormatter())
ax.set_xlabel("parameters (log scale)")
ax.set_ylabel("validation loss after 400 steps (log scale)")
ax.set_title("Bigger models learn more from the same data")
plt.show()
for w in widths:
    print(f"width {w:3}: {scaling[w][0]:8,} parameters, validation loss {scaling[w][1]:.3f}")
assert all(scaling[b][1] < scaling[a][1] for a, b in zip(widths, widths[1:])), \
    "each wider model should reach a lower validation loss than the narrower one, and one did not"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Each step up in size lowers the loss, by roughly a third of a unit each time here (printed above), so
# none of the widths has hit a wall yet. Four points, trained 400 steps each, over one order of
# magnitude cannot show a law (and a bigger model also does more computation per step). Measured over
# many orders of magnitude of size, data and computation, with enough training, such curves become
# straight lines on log axes: the **scaling laws** behind ever larger models. (With our little data,
# larger models would soon memorise, as section 5 showed: more parameters pay off only with more
# data.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Compression: text versus parameters
#
# Notebook 00 compared SmolLM2's training text with its file. Now the same for our models:

# %% slideshow={"slide_type": "fragment"}
train_bytes = len(data.train_text.encode("utf-8"))
rows = [("our width-64 model", train_bytes, model.n_params() * 4),
        ("our longer-trained model", train_bytes, big.n_params() * 4),
        ("SmolLM2-135M (2 trillion tokens of ~5.1 bytes, notebook 00)", 2e12 * 5.13, 134_515_008 * 4)]
for name, text_bytes, param_bytes in rows:
    print(f"{name:56} text {text_bytes / 1e6:>12,.1f} MB, parameters {param_bytes / 1e6:>6,.1f} MB: "
          f"text / parameters = {text_bytes / param_bytes:,.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Our models have about as many bytes of numbers as the text (or more), a rough sign that memorising
# is possible; trained long enough, the bigger one did. SmolLM2's training text is about 19,000 times
# larger than its 32-bit parameters (as in notebook 00): it cannot store its text, it has to keep
# patterns. That is part of why large models generalise, and why they still get details wrong
# (notebook 05).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · CPU and GPU
#
# The training above ran on the device this notebook found (printed in the setup cell, and with the
# step time after the training loop); on CUDA the same code runs there. Measured on the project's
# 2-core test CPU: 30 to 45 ms per step for the width-64 model (your machine's figure is printed
# after the training loop), about 80 ms for the longer-trained one. (No GPU was available when these notes were written. For matrices this small, a GPU's step is
# expected to be limited by the overhead of launching work rather than by arithmetic, so its advantage
# grows with model size.)
#
# At SmolLM2's size the difference decides what is possible. Training takes about 6 × parameters ×
# tokens arithmetic operations: 6 × 135 million × 2 trillion ≈ 1.6 × 10²¹. At 10¹² operations per
# second (a good CPU) that is about 50 years; at 4 × 10¹⁴ per second (one modern GPU) about 7 weeks,
# and with hundreds of GPUs side by side, days.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - **Data** comes first: collect, clean (junk, exact and near duplicates, with counts), hold out a
#   validation set, tokenize.
# - A GPT is a short program; **training** is forward → loss → backward → step, repeated. The loss
#   starts at log(512) = 6.24, where every token is equally likely, and falls.
# - **Backpropagation** gives every parameter its gradient in one backward pass; a finite difference
#   confirms one of them.
# - Samples go from random tokens to story-like sentences. The **validation loss** shows when
#   learning turns into memorising.
# - **Bigger models reached lower loss** on the same data and steps. A model is forced to keep
#   patterns instead of text when its text is much larger than it, as for SmolLM2 (about 19,000
#   times); ours are not.
#
# **Next:** notebook 07 turns a text predictor into an assistant: instruction tuning and learning from
# human preferences.
