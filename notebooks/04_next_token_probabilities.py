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
# # 04 · Next-token probabilities: what the model actually outputs
#
# Notebooks 01 to 03 followed a text into the model: tokens, vectors, attention, 30 layers. This
# notebook looks at what comes out at the end: **one probability for every token of the vocabulary**,
# and how a whole text is written from it, one token at a time.
#
# **You will see that**
# 1. the model's output is 49,152 **logits**, which a softmax turns into probabilities; a few tokens
#    get most of it, and a **long tail** shares the rest;
# 2. the model itself is **deterministic**: the same prompt gives the same numbers on every run, and
#    **greedy** generation is just "take the most likely token, append it, repeat";
# 3. the probability of a **whole sentence** is a product of next-token probabilities, and
#    **perplexity** turns it into a number that compares sentences of any length;
# 4. a **logit lens** shows the prediction taking shape layer by layer;
# 5. the **context** decides the prediction: the same last words after different beginnings give
#    different distributions.
#
# **Time:** about 50 minutes. **Builds on:** notebooks 00 (softmax, the model as a function) and 03
# (layers, the residual stream, the read-out).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used. Then the model is loaded.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import math

import matplotlib.pyplot as plt
import torch

from lesson_utils import exercises
from lesson_utils.llm import load_chat_model, sentence_score
from lesson_utils.inside import answer_rank_by_layer, top_prediction_by_layer
from lesson_utils.session import setup
from lesson_utils.ui import NextTokenStepper, viz

device = setup(seed=0)
lm = load_chat_model()
model, smollm2 = lm.model, lm.tokenizer

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Logits, then probabilities
#
# The model's last step (notebook 03) normalises the final vector, then multiplies it by the embedding
# table (the same table as the input, notebook 00): one number per token, called a **logit**. Logits can be any size, positive or negative; larger means "more
# likely next".

# %% slideshow={"slide_type": "fragment"}
prompt = "The capital of France is"
ids = smollm2.encode(prompt)
with torch.inference_mode():
    logits = model(torch.tensor([ids], device=model.device)).logits[0, -1].float().cpu()   # (49152,)
print(f"{len(logits):,} logits, from {logits.min():.2f} to {logits.max():.2f}")
top5 = logits.topk(5)
print("largest:", [(smollm2.token_strings([i])[0], round(z, 2)) for i, z in zip(top5.indices.tolist(), top5.values.tolist())])

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Softmax** (notebook 00) turns logits into probabilities: take e to the power of each logit, then
# divide by the total, so that every number is positive and they add up to 1. A logit 1 larger means
# a probability e ≈ 2.7 times larger. (Check it below: " Paris" and " the" differ by 2.48 in logit,
# and e^2.48 ≈ 12 ≈ 0.773 / 0.065.)
#
# ### Exercise 1 · Softmax by hand
# Three tokens have logits 2.0, 1.0 and 0.1. What probabilities does softmax give them? Work it out
# with `math.exp` (or a calculator) and write the three numbers as a list.

# %% slideshow={"slide_type": "fragment"}
my_probabilities = ...   # [p1, p2, p3]

# %% slideshow={"slide_type": "skip"} tags=["solution"]
exps = [math.exp(2.0), math.exp(1.0), math.exp(0.1)]
my_probabilities = [e / sum(exps) for e in exps]

# %% slideshow={"slide_type": "fragment"}
exercises.check_softmax_values(my_probabilities, [2.0, 1.0, 0.1])

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now all 49,152 at once:

# %% slideshow={"slide_type": "fragment"}
probs = torch.softmax(logits, dim=0)
print(f"sum of all probabilities: {probs.sum():.4f}")
rows = lm.top_tokens(probs, k=10)
viz.plot_next_tokens(rows, title=f"After {prompt!r}")
plt.show()
print(viz.next_tokens_table(rows))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The long tail
#
# " Paris" takes 77%. How much is left for the other 49,151 tokens, and how is it spread? Compare with
# an open-ended prompt, where many continuations fit.
#
# **Predict first:** after "Once upon a time, there was a", how many tokens does it take to cover 90%
# of the probability?

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(8.5, 4.2))
for k_, text in enumerate([prompt, "Once upon a time, there was a"]):
    p = lm.next_token_probs(text)
    sorted_p = p.sort(descending=True).values
    cumulative = sorted_p.cumsum(0)
    need = {share: int((cumulative < share).sum()) + 1 for share in (0.5, 0.9, 0.99)}
    print(f"{text!r:34} top 10 hold {cumulative[9]:.1%}, the other 49,142 tokens {1 - cumulative[9]:.1%}; "
          f"tokens needed for 50% / 90% / 99%: {' / '.join(viz.about(need[s]) for s in need)}")
    ax.plot(range(1, 5001), cumulative[:5000], color=viz.PALETTE[k_], label=repr(text))
ax.set_xscale("log")
ax.set_xlabel("number of most likely tokens taken (log scale)")
ax.set_ylabel("probability they cover together")
ax.set_title("How fast the probability adds up")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# After "The capital of France is", one token holds half the probability and ten hold 90%. After an
# open beginning the top 10 hold only about a third, 90% takes hundreds of tokens and 99% thousands.
# Sampling (notebook 05) draws from this whole distribution, tail included, which is where surprising
# words come from.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The same input, the same numbers
#
# The model has no randomness in it: it is arithmetic on fixed numbers. (On the same machine and
# software the numbers repeat bit for bit. On GPUs, or with other batch sizes or thread counts,
# additions can happen in another order and the last digits can change; a near-tie can then flip a
# greedy choice. That is one reason chat services are not perfectly repeatable even at temperature 0.)

# %% slideshow={"slide_type": "fragment"}
first = lm.next_token_probs(prompt)
second = lm.next_token_probs(prompt)
print("two runs give exactly the same 49,152 probabilities:", torch.equal(first, second))

# %% [markdown] slideshow={"slide_type": "subslide"}
# So the simplest way to write text is deterministic too: **greedy generation** takes the most likely
# token (the *argmax*: the position of the largest value), appends it, and asks again. Written out:

# %% slideshow={"slide_type": "fragment"}
ids = smollm2.encode("The three primary colours are")
for _ in range(12):
    with torch.inference_mode():
        next_logits = model(torch.tensor([ids], device=model.device)).logits[0, -1]
    ids.append(int(next_logits.argmax()))              # the most likely token, every time
print(smollm2.decode(ids))
library = lm.generate("The three primary colours are", max_new_tokens=12, temperature=0,  # 0 = argmax
                      stop_ids=())
print("same as lm.generate(temperature=0):", library.ids == ids[-12:])

# %% [markdown] slideshow={"slide_type": "fragment"}
# (The library does the same, but keeps the keys and values of earlier tokens in a **KV cache**
# instead of running the whole text through the model again at every step; same tokens, last decimals
# of the logits may differ.) Greedy text is fluent but can be odd ("the primary colours of the human
# eye"), and greedy picks the best token at each step, not the most likely sentence overall. Where
# does randomness come from, then? From *sampling* instead of taking the argmax: notebook 05.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Generate it yourself, one token at a time
#
# **Try it:** type a prompt. The bars show the most likely next tokens; click one of the buttons to
# append that token and see the next distribution; **Undo** takes the last one back. Try following the
# model's favourite each time (greedy), or picking the third-best and see where the text goes. (The
# widget appends the token's *text* and tokenizes the prompt again, which nearly always gives the same
# ids as appending the id itself.)
# Below the widget is a printed walk of three steps, for when no Python is running.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
stepper = NextTokenStepper(lm, prompt="The capital of France is", k=10)
stepper

# %% slideshow={"slide_type": "fragment"}
text = "My favourite food is"
for _ in range(3):
    top = lm.top_next_tokens(text, k=5)                # what the widget's bars and buttons show
    print(f"{text!r}\n   " + ", ".join(f"{r['text']!r} {r['p']:.3f}" for r in top))
    text += top[0]["text"]                             # click the top token, as greedy would
print(f"{text!r}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Tokens are pieces, not words: " Marg" is the start of " Margherita". How quick is a click? On the project's 2-core test machine, for a 30-token prompt, a full redraw
# (the model's forward pass, the top 10, the bar chart and its image) takes about 190 ms, at worst
# 240 ms: `benchmarks/bench_widgets.py` measures it (`benchmarks/results/widgets.txt`).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · How likely is a whole sentence?
#
# A sentence is a chain of next-token predictions. Its probability is the product of the probability
# of each token given the ones before it (the first token is not scored: nothing comes before it).
# Such products get tiny fast, so we add **logarithms** instead: log(a × b) = log a + log b. The sum is
# the sentence's **log-probability** (natural logarithms, base e, as `math.log` computes); it is
# negative, and closer to 0 means more likely.

# %% slideshow={"slide_type": "fragment"}
score = sentence_score(model, smollm2, "The capital of France is Paris.")
print(f"{'token':>10}  {'probability':>11}  {'log-probability':>15}")
for token, lp in zip(score.tokens[1:], score.logprobs):
    print(f"{token!r:>10}  {math.exp(lp):11.3g}  {lp:15.2f}")
print(f"sum of log-probabilities: {score.total:.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# " capital" after "The" gets only 0.00001: with a single word of context almost anything could come
# next (SmolLM2 adds no start-of-text token), so the first tokens' small probabilities dominate the
# total: " capital" alone gives −11.5 of the −15.4.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · A sentence's log-probability
# Below are the probabilities of each token of "Water boils at 100 degrees Celsius." given the tokens
# before it (the number 100 is four tokens: a space and three digits, notebook 01; " at" is unlikely
# because after "Water boils" the model expects " down", as in "boils down to"). Compute the
# sentence's log-probability from the list `token_probabilities` with `math.log` (do not call
# `sentence_score`, it would give the answer away).

# %% slideshow={"slide_type": "fragment"}
water = sentence_score(model, smollm2, "Water boils at 100 degrees Celsius.")
token_probabilities = [math.exp(lp) for lp in water.logprobs]
for token, p in zip(water.tokens[1:], token_probabilities):
    print(f"{token!r:>10}  {p:.3g}")
my_logprob = ...   # one number

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_logprob = sum(math.log(p) for p in token_probabilities)

# %% slideshow={"slide_type": "fragment"}
exercises.check_sentence_logprob(my_logprob, water)

# %% [markdown] slideshow={"slide_type": "subslide"}
# A longer sentence has more factors below 1, so its log-probability is lower just for being long.
# **Perplexity** corrects for length: e to the power of the *average* negative log-probability per
# token. It reads as "the model was as unsure as if it chose among this many equally likely tokens at
# each step":
# 1 is certainty, larger is more surprised.
#
# **Predict first:** which of each pair will the model find more likely?

# %% slideshow={"slide_type": "fragment"}
pairs = [("The cat sat on the mat.", "mat the on sat cat The."),
         ("The capital of France is Paris.", "The capital of France is Rome."),
         ("Water boils at 100 degrees Celsius.", "Water boils at 30 degrees Celsius."),
         ("The sun rises in the east.", "The sun rises in the west.")]
for a, b in pairs:
    for text in (a, b):
        s = sentence_score(model, smollm2, text)
        print(f"{text:38} log-probability {s.total:7.2f}   perplexity {viz.figures(s.perplexity):>7}")
    print()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Scrambled word order is about a hundred times more surprising per token (perplexity about 25,000
# against about 210). False statements score worse too: the "Rome" sentence is about 1,600 times less likely than the
# "Paris" one (its log-probability is 7.4 lower, and e^7.4 ≈ 1,600), but the perplexity, averaged over
# seven tokens, only triples. And likelihood is not a truth detector: the model scores
# what *text like its training data* looks like, and false statements are common in text too. A low
# perplexity says "this reads like normal text", not "this is true" (notebook 05 returns to this).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Where does the answer appear? The logit lens
#
# Notebook 03 read out the prediction after each layer for one prompt: the **logit lens** applies the
# model's final normalisation and read-out to a vector from the middle of the model. Here is the top
# guess after every third layer, and after every layer from 24 on, for a prompt where the answer is
# clear:

# %% slideshow={"slide_type": "fragment"}
lens_prompt = "The capital of France is the city of"
lens = top_prediction_by_layer(model, smollm2, smollm2.encode(lens_prompt))
for k_, (token, p) in enumerate(lens):
    if k_ % 3 == 0 or k_ >= 24:
        print(f"after {k_:2} layers: {token!r:14} {p:.3f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# After 0 layers the read-out gives back the current token itself (" of"): the read-out uses the same
# table as the input (notebook 00). Middle layers read out as punctuation, not the answer; the answer
# takes over only near the end. (The read-out was trained for the last layer only, so early read-outs
# are a rough view, not what the model "thinks" there.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · When does " Paris" take the lead?
# For the prompt "The Eiffel Tower is in the city of", `ranks[k]` below is the rank of " Paris" among
# all tokens after k layers (1 = the top guess; `ranks[0]` is the embedding alone). After how many
# layers does " Paris" first become the top prediction? Find it with Python.

# %% slideshow={"slide_type": "fragment"}
ranks = answer_rank_by_layer(model, smollm2.encode("The Eiffel Tower is in the city of"), smollm2.encode(" Paris")[0])
# (ranks in the thousands are rounded: there, tokens' probabilities differ in their last digits only)
print("ranks after 20 to 30 layers:", ", ".join(viz.about(r) for r in ranks[20:]))
my_layer = ...   # a whole number from 0 to 30

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_layer = ranks.index(1)

# %% slideshow={"slide_type": "fragment"}
exercises.check_first_top_layer(my_layer, ranks)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Context decides
#
# The last words of a prompt do not decide the next token alone: everything in the context window
# does. The same ending "...to the" after three different beginnings:
#
# **Predict first:** what comes after "I needed some cash, so I walked to the"?

# %% slideshow={"slide_type": "fragment"}
endings = ["I went fishing by the river and walked down to the",
           "I needed some cash, so I walked to the",
           "After a long day at work, I walked to the"]
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, text in zip(axes, endings):
    top = lm.top_next_tokens(text, k=6)
    viz.plot_next_tokens(top, title="..." + text.split(",")[-1][-30:].split(" ", 1)[-1], ax=ax)
    # The order only: probabilities like these (0.025 to 0.25) sit too close to a rounding edge on some
    # machine or other; the chart shows them.
    print(f"{text!r}\n   " + ", ".join(repr(r["text"]) for r in top))
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The last two tokens, " to the", are the same, yet the lists differ: after fishing, water words
# (" bottom", " river", " water"); after cash, " local" (the local shop? bank?), then " nearest" and
# " bank"; after work, " local" again, then " park", " nearby", " kitchen". This is attention at work (notebook 03): the final position gathered information from the
# whole sentence. It also means the model can only use what is *inside* its context window: with
# SmolLM2's 8,192 tokens, anything earlier is simply gone (notebook 01).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The model outputs one **logit** per token; **softmax** turns the 49,152 logits into probabilities
#   that sum to 1. A confident prompt puts most of it on one token; an open prompt spreads it over a
#   long tail of hundreds to thousands of tokens.
# - The model is **deterministic**; **greedy generation** is argmax, append, repeat.
# - A sentence's **log-probability** is the sum of its tokens' log-probabilities; **perplexity**
#   compares texts of any length. Scrambled text is far more surprising than false statements, which
#   still read as normal text: likelihood is not truth.
# - The **logit lens** shows the answer taking the lead only in the last layers.
# - **Context decides**: the same last words after different beginnings give different predictions.
#
# **Next:** notebook 05 turns the distribution into text by **sampling**: temperature, top-k, top-p,
# and why a fluent answer can be wrong.
