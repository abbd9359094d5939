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
# # 05 · Temperature and sampling: from one distribution to many texts
#
# Notebook 04 showed that the model gives the same probabilities every time, and that greedy
# generation always writes the same text. Chat models still answer differently each time you ask.
# The difference is made *after* the model, when a token is **drawn at random** from its
# probabilities, and a few settings reshape those probabilities first.
#
# **You will see that**
# 1. **temperature** divides the logits before the softmax: near 0 it always picks the top token, at
#    1 it keeps the model's own probabilities, above 1 it flattens them towards random;
# 2. **top-k** and **top-p** cut off the unlikely tail before drawing; you write all three and check
#    them against the library;
# 3. **entropy** measures how spread out a distribution is, and rises with temperature;
# 4. fluent is not true: the model **hallucinates** confidently, and there are ways to notice;
# 5. drawing several answers and taking a **vote** buys accuracy with extra computation.
#
# **Time:** about 50 minutes. **Builds on:** notebook 04 (logits, softmax, greedy generation).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds (this notebook draws random samples, and fixed seeds make your
# numbers match the saved ones), the number of CPU threads and the plot style. Then the model is loaded.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import collections
import math

import matplotlib.pyplot as plt
import torch

from lesson_utils import exercises
from lesson_utils.llm import (continuation_probs, entropy_bits, load_chat_model, sampling_distribution,
                              sampling_view, vote_accuracy)
from lesson_utils.session import setup
from lesson_utils.ui import SamplingLab, viz

device = setup(seed=0)
lm = load_chat_model()
model, smollm2 = lm.model, lm.tokenizer

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Temperature
#
# Temperature T is one division: **divide every logit by T, then take the softmax.** Dividing by a
# small T stretches the gaps between logits, so the top token takes almost everything; dividing by a
# large T shrinks the gaps, so all tokens become nearly equally likely. It never changes the *order*
# of the tokens, only how far apart their probabilities are. Four made-up logits:

# %% slideshow={"slide_type": "fragment"}
toy = torch.tensor([2.0, 1.0, 0.5, -1.0])
print("T      probabilities of the four tokens")
for T in (0.1, 0.5, 1.0, 2.0, 10.0):
    probs = torch.softmax(toy / T, dim=0)
    print(f"{T:<5}  {[round(p, 3) for p in probs.tolist()]}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# At T = 0.1 the top token has 99.995%; at T = 10 the four are nearly equal. T = 0 itself would divide
# by zero, so "temperature 0" is defined as its limit: always take the top token (greedy, notebook 04).
#
# ### Exercise 1 · Temperature
# Write `my_temperature(logits, T)` that returns the probabilities for a tensor of logits at
# temperature T > 0.

# %% slideshow={"slide_type": "fragment"}
def my_temperature(logits, T):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_temperature(logits, T):
    return torch.softmax(logits / T, dim=-1)


# %% slideshow={"slide_type": "fragment"}
exercises.check_temperature(my_temperature)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Cutting off the tail: top-k and top-p
#
# Notebook 04 showed that after an open prompt thousands of tokens share the probability. Each is
# unlikely, but together the tail is drawn from often, and one odd token can derail a text. Two common
# filters remove it before the draw, then **renormalise** (divide by the sum of what is kept, so it
# adds up to 1 again):
#
# - **top-k** keeps the k most likely tokens;
# - **top-p** (also called *nucleus sampling*) keeps the fewest most likely tokens whose probabilities
#   add up to at least p. When the model is sure, that may be one token; when it is unsure, hundreds.
#
# In the library the filters set the logits of removed tokens to −∞ before the softmax; in the
# exercises you work on probabilities instead (set them to 0, then renormalise), which gives the same
# result and is easier to check by eye.
#
# ### Exercise 2 · Top-k
# Write `my_top_k(probs, k)`: keep the k largest probabilities, set the others to 0, renormalise.
# (`probs.topk(k)` gives the k largest values and their positions; `torch.zeros_like(probs)` is a
# tensor of zeros of the same shape.)

# %% slideshow={"slide_type": "fragment"}
def my_top_k(probs, k):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_top_k(probs, k):
    top = probs.topk(k)
    kept = torch.zeros_like(probs)
    kept[top.indices] = top.values
    return kept / kept.sum()


# %% slideshow={"slide_type": "fragment"}
exercises.check_top_k(my_top_k)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Top-p
# Write `my_top_p(probs, p)`: sort the probabilities from largest to smallest, keep tokens until the
# running total reaches p (the token that crosses p is kept), set the others to 0, renormalise. Example:
# [0.5, 0.3, 0.2] with p = 0.7 keeps the first two, because 0.5 < 0.7 but 0.5 + 0.3 ≥ 0.7.

# %% slideshow={"slide_type": "fragment"}
def my_top_p(probs, p):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_top_p(probs, p):
    kept = torch.zeros_like(probs)
    total = 0.0
    for i in probs.argsort(descending=True).tolist():
        kept[i] = probs[i]
        total += float(probs[i])
        if total >= p:
            break
    return kept / kept.sum()


# %% slideshow={"slide_type": "fragment"}
exercises.check_top_p(my_top_p)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Entropy** (in bits) measures how spread out a distribution is: H = −Σ p · log₂ p over all tokens.
# It is 0 when one token is certain, 1 for a fair coin, log₂(n) for n equally likely tokens; an entropy
# of 8 bits is as uncertain as a choice among 2⁸ = 256 equally likely tokens.
#
# On the real model, after "Once upon a time, there was a": how many of the 49,152 tokens can still be
# drawn under each setting, and how spread out is what is left? (We pass log-probabilities where
# logits are expected: the softmax of log p gives back p.)

# %% slideshow={"slide_type": "fragment"}
story = "Once upon a time, there was a"
story_logits = lm.next_token_probs(story).log()                   # log-probabilities work as logits
for label, settings in [("T = 1, no filter", {}), ("top-k 50", {"top_k": 50}), ("top-p 0.9", {"top_p": 0.9}),
                        ("T = 0.7 + top-p 0.9", {"temperature": 0.7, "top_p": 0.9})]:
    probs = sampling_distribution(story_logits, **{"temperature": 1.0, **settings})
    kept = int((probs > 0).sum())
    shown = f"{kept:,}" if kept == len(probs) else viz.about(kept)    # all of them, or a count on a threshold
    print(f"{label:22} {shown:>12} tokens can be drawn; entropy {entropy_bits(probs):.2f} bits")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The sampling lab
#
# **Try it:** move the sliders. Grey bars are the model's own probabilities (T = 1); blue bars are what
# the next token is actually drawn from after your settings; filtered tokens fade, are marked
# "(filtered)" and get no blue bar. The readout gives the entropy and how many tokens can still be
# drawn. "Sample 20" draws 20 tokens. The logits are computed once per prompt, so a slider redraws in
# a few milliseconds. Below the widget, the static version for two settings.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
SamplingLab(lm, prompt=story, temperature=1.0)

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(15, 5.5))
for ax, (label, settings) in zip(axes, [("T = 0.5", {"temperature": 0.5}),
                                         ("T = 1.5, top-p 0.9", {"temperature": 1.5, "top_p": 0.9})]):
    view = sampling_view(story_logits, show=10, **settings)
    viz.plot_sampling_view(view, smollm2.token_strings(view["ids"]), setting=label, ax=ax,
                           title=f"{label}: entropy {view['entropy_original']:.1f} → "
                                 f"{view['entropy_reshaped']:.1f} bits, {view['n_kept']:,} tokens left")
    print(f"{label}: entropy {view['entropy_original']:.1f} -> {view['entropy_reshaped']:.1f} bits, "
          f"{view['n_kept']:,} tokens left; " + ", ".join(f"{t!r} {a:.3f}→{b:.3f}" for t, a, b in
                                   zip(smollm2.token_strings(view["ids"][:5]), view["original"], view["reshaped"])))
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Temperature is applied first, then the filters. At T = 0.5 the top tokens grow and the entropy drops.
# At T = 1.5 the distribution is already so flat that top-p needs thousands of tokens to reach 0.9, so
# the entropy *rises* even with the filter: top-p cuts the tail, but cannot undo a high temperature.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Entropy against temperature, and what the draws look like
#
# **Predict first:** entropy rises with temperature, but for which prompt does it rise faster, a
# prompt where the model is sure or an open one, and where?

# %% slideshow={"slide_type": "fragment"}
temperatures = [0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]
fig, ax = plt.subplots(figsize=(8.5, 4.2))
for k_, text in enumerate(["The capital of France is", story]):
    logits = lm.next_token_probs(text).log()
    entropies = [float(entropy_bits(sampling_distribution(logits, T))) for T in temperatures]
    ax.plot(temperatures, entropies, marker="o", color=viz.PALETTE[k_], label=repr(text))
    print(f"{text!r:34} " + "  ".join(f"T={T}: {e:.1f}" for T, e in zip(temperatures, entropies)))
ax.axhline(math.log2(smollm2.n_vocab), color=viz.GREY, linestyle="--")
ax.annotate("all 49,152 tokens equally likely (15.6 bits)", (0.1, math.log2(smollm2.n_vocab) - 1.1))
ax.set_xlabel("temperature T")
ax.set_ylabel("entropy (bits)")
ax.set_title("Temperature spreads the distribution")
ax.legend(loc="center right")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Both curves rise with temperature. The sure prompt stays below 1 bit up to T = 0.75, then climbs
# quickly; at T = 3 both are far towards the top line, where every one of the 49,152 tokens is nearly
# equally likely, and the draws are nonsense.
#
# Here are 200 draws after the story prompt at three temperatures, counted. At T = 2, nearly every
# draw is a different token, many of them fragments that make no sense here.

# %% slideshow={"slide_type": "subslide"}
generator = torch.Generator().manual_seed(0)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
for ax, T in zip(axes, (0.3, 1.0, 2.0)):
    probs = sampling_distribution(story_logits, T)
    draws = torch.multinomial(probs, 200, replacement=True, generator=generator).tolist()
    counts = collections.Counter(smollm2.token_strings(draws)).most_common(8)
    ax.bar(range(len(counts)), [c for _, c in counts], color=viz.PALETTE[0])
    ax.set_xticks(range(len(counts)), [repr(viz.show_text(t)) for t, _ in counts], rotation=60, ha="right")
    ax.set_title(f"T = {T}: {len(set(draws))} different tokens in 200 draws")
    ax.set_ylabel("times drawn")
    print(f"T = {T}: {len(set(draws))} different tokens; most common: {counts[:4]}")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · The same question, three temperatures
#
# **Predict first:** ask for one sentence about the sea, twice at each temperature (with different
# random seeds). Which temperature gives the same text both times?

# %% slideshow={"slide_type": "fragment"}
sea = lm.chat_prompt("Write one sentence about the sea.")
for T in (0, 0.7, 1.5):
    for seed in (1, 2):
        text = lm.generate(sea, max_new_tokens=30, temperature=T, seed=seed).text
        print(f"T={T:<4} seed {seed}: {text}")
    print()

# %% [markdown] slideshow={"slide_type": "fragment"}
# At T = 0 both runs are identical (the seed does not matter: nothing is drawn). At T = 0.7 the two
# sentences differ but both read well: settings between 0.7 and 1, often combined with top-p, are
# common for chat. At T = 1.5 the text
# falls apart within a few words: once an odd token is drawn, the next predictions are made from odd
# text, and the errors pile up.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Fluent is not true: hallucination
#
# The model writes the *likely continuation of a text*, not the truth. Ask it about things that do not
# exist, and it continues the text anyway.

# %% slideshow={"slide_type": "fragment"}
questions = ["Who is Professor Aldric Vennemoor, and what is he famous for?",
             "What happened at the Great Lisbon Cheese Flood of 1922?",
             "How tall is Mount Everest in metres?"]
for q in questions:
    print(f"Q: {q}\nA: {lm.chat(q, max_new_tokens=40)}\n")

# %% [markdown] slideshow={"slide_type": "fragment"}
# These answers use T = 0 (the default), so nothing is random: hallucination is not bad luck in the
# draw. (Answers are cut at 40 tokens.) The professor and the cheese flood are made up for this
# notebook; the model describes them with confidence, and even puts a 1922 flood "during World War
# II". Mount Everest is real and 8,849 m tall; the model starts a pointless "conversion" and gives
# 29.17..., which looks like the height in thousands of feet with the unit lost. None of this looks
# different from a correct answer. How can you tell?

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check 1: look at the probabilities behind the answer.** Here is how likely the model found each
# token of its own (greedy) answer to a made-up question and to a question it knows:

# %% slideshow={"slide_type": "fragment"}
for q in ["Who is Professor Aldric Vennemoor?", "What is the capital of France?"]:
    prompt_ids = smollm2.encode(lm.chat_prompt(q))
    answer = lm.generate(lm.chat_prompt(q), max_new_tokens=16)
    probs = continuation_probs(model, prompt_ids, answer.ids)
    pieces = smollm2.token_strings(answer.ids)
    print(f"Q: {q}")
    print("   " + " ".join(f"{viz.show_text(t)}({p:.2f})" for t, p in zip(pieces, probs)))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Look at the tokens that carry the content. " Paris" comes with high probability. ("The" gets only
# 0.15 because a reply can start in many ways: that is wording, not a claim.) For the made-up
# professor, the name is copied from the question (probabilities near 1), but the words that carry the
# claims, " British" and " mathematician", get 0.14 and 0.18: greedy took them because they were the
# top choice, while the other 86% was spread over other nationalities and fields. The model is
# guessing, and the text reads just as confidently. Low probability on the
# tokens that matter is a warning sign; high probability is no guarantee, because a model can be
# confidently wrong about things it saw wrong in its training text.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check 2: ask again.** Draw five answers at T = 0.8 and compare the part that carries the claim.
# (This small model's first words vary a lot, so we start each answer the way its greedy answer began
# and let it draw the claim itself. For the professor that opening already assumes he exists: the
# check is about *what* the model claims, not whether he exists. T = 0.8 is a typical sampling
# setting.) A fact the model knows tends to come back the same; an invention
# changes from draw to draw.

# %% slideshow={"slide_type": "fragment"}
for q, start in [("Who is Professor Aldric Vennemoor?", "Professor Aldric Vennemoor is a renowned"),
                 ("What is the capital of France?", "The capital of France is")]:
    prompt = lm.chat_prompt(q) + start
    answers = lm.generate_batch([prompt] * 5, max_new_tokens=6, temperature=0.8, seed=3)
    print(f"Q: {q}")
    for a in answers:
        print(f"   - {start}{a.text}".replace("\n", " "))

# %% [markdown] slideshow={"slide_type": "fragment"}
# The capital comes back the same each time; the professor's field changes from draw to draw: a
# different invented person every time. (A model this small is not fully stable even on facts it
# knows, so the test gives a hint, not a proof.)
#
# **Check 3, the only reliable one: another source.** An encyclopedia, a search, a document you trust.
# Notebook 08 builds this into the model's prompt (retrieval): the model answers from a source and can
# point to it, which reduces invention (sources can be wrong too).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · More computation, better answers: voting
#
# Sampling makes answers vary, and some draws are wrong. One way to spend more computation for better
# accuracy: draw **N** answers and take the **most common** one (a majority vote). We test it on 24
# short questions written for this notebook, with one-word answers. Three worked question/answer
# pairs show the pattern, and the model copies it (a *few-shot* prompt; plain text, without the chat
# template):

# %% slideshow={"slide_type": "fragment"}
EXAMPLES = ("Q: What is the capital of Portugal?\nA: Lisbon\nQ: What colour is a lemon?\nA: Yellow\n"
            "Q: How many eyes does a person have?\nA: Two\n")
QUIZ = [("What is the capital of France?", "paris"), ("What is the capital of Italy?", "rome"),
        ("What is the capital of Japan?", "tokyo"), ("What is the capital of Spain?", "madrid"),
        ("What is the capital of Germany?", "berlin"), ("What is the capital of Egypt?", "cairo"),
        ("What is the capital of Greece?", "athens"), ("What is the capital of Russia?", "moscow"),
        ("What colour is the sky on a clear day?", "blue"), ("What colour is grass?", "green"),
        ("What colour is snow?", "white"), ("What colour is coal?", "black"),
        ("What is the opposite of hot?", "cold"), ("What is the opposite of up?", "down"),
        ("What is the opposite of day?", "night"), ("What is the opposite of big?", "small"),
        ("What is the opposite of fast?", "slow"), ("What is the opposite of wet?", "dry"),
        ("Which animal barks?", "dog"), ("Which planet do we live on?", "earth"),
        ("What do bees make?", "honey"), ("What is frozen water called?", "ice"),
        ("What is the largest ocean on Earth?", "pacific"), ("Which is the closest star to Earth?", "sun")]
print(EXAMPLES + f"Q: {QUIZ[0][0]}\nA:")


def answer_distribution(question):
    """The model's probability for each one-word answer (tokens that differ only in case or spaces merged)."""
    probs = lm.next_token_probs(EXAMPLES + f"Q: {question}\nA:")
    top = probs.topk(300)
    answers = collections.defaultdict(float)
    for token, p in zip(smollm2.token_strings(top.indices.tolist()), top.values.tolist()):
        answers[token.strip().lower()] += p
    names = list(answers) + ["(anything else)"]
    return names, torch.tensor(list(answers.values()) + [max(0.0, 1 - sum(answers.values()))])


# %% [markdown] slideshow={"slide_type": "subslide"}
# For each question we compute the model's probability of each answer once (its first word: the
# first token, with everything outside the top 300 pooled into "anything else"), then simulate 400
# rounds of drawing N answers and voting (`vote_accuracy` in `lesson_utils.llm.sampling`), for N from 1 to
# 25. N = 1 is a single sampled answer, so its accuracy is just the average probability of the right
# answer; greedy (always the top answer) is shown for comparison.
#
# **Predict first:** will 25 votes beat a single draw? Will they beat greedy?

# %% slideshow={"slide_type": "fragment"}
Ns = (1, 3, 5, 9, 15, 25)
accuracy = {n: 0.0 for n in Ns}
greedy_right = 0
for question, right in QUIZ:
    names, dist = answer_distribution(question)
    right_index = names.index(right) if right in names else len(names) - 1
    greedy_right += names[int(dist.argmax())] == right
    for n in Ns:
        accuracy[n] += vote_accuracy(dist, right_index, n, trials=400, seed=0) if right in names else 0.0
accuracy = {n: a / len(QUIZ) for n, a in accuracy.items()}
greedy_accuracy = greedy_right / len(QUIZ)
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(Ns, [accuracy[n] for n in Ns], marker="o", color=viz.PALETTE[0], label="majority of N sampled answers (T = 1)")
ax.axhline(greedy_accuracy, color=viz.PALETTE[1], linestyle="--", label="greedy (always the top answer)")
ax.set_xlabel("N, answers drawn per question")
ax.set_ylabel(f"share of the {len(QUIZ)} questions right")
ax.set_ylim(0, 1)
ax.set_title("Voting over more samples")
ax.legend(loc="lower right")
plt.show()
print("N:        " + "  ".join(f"{n:5}" for n in Ns))
print("accuracy: " + "  ".join(f"{accuracy[n]:5.2f}" for n in Ns) + f"   greedy: {greedy_accuracy:.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# A single sampled answer is right less often than greedy, because it sometimes draws from the tail.
# More votes wash that out: accuracy climbs with N towards greedy's level. Here the answers are single
# words, so as N grows the vote settles on the model's top answer: at best it matches greedy. Voting
# pays off when each answer is a long chain of reasoning: the vote counts only the final answer, many
# different reasoning paths can end at the same answer, and the answer most likely overall can differ
# from the one greedy's single path reaches. Large models gain accuracy this way, at N times the cost.
# (*Reasoning models* spend extra computation differently: they mostly write a long chain of thought
# before answering.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - **Temperature** divides the logits before the softmax: T → 0 is greedy, T = 1 the model's own
#   distribution, large T flattens towards uniform. **Top-k** and **top-p** cut the tail and
#   renormalise.
# - **Entropy** measures the spread; it rises with temperature. Moderate settings (T ≈ 0.7) give varied
#   but coherent text; T = 1.5 falls apart.
# - The model is deterministic; **sampling** is where the randomness comes from.
# - **Hallucination**: fluent, confident and wrong. Warning signs: low probability on the key tokens,
#   answers that change when asked again. The reliable check is another source.
# - **Voting** over N samples turns extra computation into accuracy: here from 0.63 to 0.82, up to the
#   level of the model's top answer.
#
# **Next:** notebook 06 trains a tiny GPT from scratch, and you watch the probabilities being learned.
