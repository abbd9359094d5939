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
# # 07 · Post-training: from text predictor to assistant
#
# Notebook 06 trained a model to continue text. SmolLM2 answers questions, stops when it is done, and
# has manners. That behaviour comes from **post-training**, and in this notebook you run it on the real
# model, on your CPU.
#
# **You will see that**
# 1. the *same* model continues a document or answers a question depending only on the **chat format**,
#    which supervised fine-tuning (**SFT**) taught it;
# 2. **human feedback** is a question, two answers and a click: you label some pairs yourself;
# 3. a **reward model** learns a taste from those clicks (Bradley–Terry), and held-out pairs tell how
#    well;
# 4. **DPO** moves the real model towards the taste by training only its last 4 layers for about a
#    minute, and the reward model measures the shift on questions it never saw;
# 5. pushing hard on a flawed reward without a **KL leash** gives **reward hacking**: the reward soars
#    while the text turns to nonsense.
#
# **Time:** about 60 minutes. **Builds on:** notebooks 00 (the chat format), 04 (log-probabilities) and
# 06 (the training loop and the tiny GPT).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used. Then the real model is loaded (about 5 s once its cache exists).

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import math
import re
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import HTML, display
from tqdm.auto import tqdm

from lesson_utils import exercises
from lesson_utils.llm import ChatModel, load_chat_model
from lesson_utils.inside import sentence_embedding
from lesson_utils.scratch import load_story_model
from lesson_utils.post_training import (RewardHead, agreement, chat_sequence, dpo_loss, frozen_pass,
                                        happy_word_reward, leashed_score, load_pairs,
                                        optimise_against_reward, pair_accuracy, policy_logprobs,
                                        score_answers, trainable_copy, with_student_labels)
from lesson_utils.session import setup
from lesson_utils.ui import PreferenceLabeller, RewardExplorer, viz

device = setup(seed=0)
lm = load_chat_model(device=device)
model, tokenizer = lm.model, lm.tokenizer

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Where post-training sits
#
# | stage | data | what it gives | for SmolLM2-135M |
# |---|---|---|---|
# | **pretraining** (notebook 06) | raw text: web pages, books, code | knowledge, grammar, the ability to continue any text | 2 trillion tokens |
# | **supervised fine-tuning (SFT)** | conversations written in the chat format | the habit of answering as an assistant, and of stopping | a public mix of chat data |
# | **preference tuning (RLHF, DPO)** | pairs of answers, one marked better by a person | a *taste*: which of several possible answers to give | UltraFeedback, tens of thousands of pairs |
#
# Pretraining is by far the most expensive stage. The two later ones are small by comparison, yet they
# are what turns a text predictor into something you can talk to. (The table's SmolLM2 facts come
# from its model card: pretrained on 2 trillion tokens, then SFT, then DPO on UltraFeedback.)
#
# ## 2 · The same model, two formats
#
# **Predict first:** you give the model the plain text `What is the capital of Japan?` followed by a
# blank line. What will it write next? Then the same question wrapped in the chat format of notebook 00.

# %% slideshow={"slide_type": "fragment"}
question = "What is the capital of Japan?"
plain = question + "\n\n"
chat = lm.chat_prompt(question)
for name, prompt in [("plain text", plain), ("chat format", chat)]:
    top = ", ".join(f"{r['text']!r} {r['p']:.2f}" for r in lm.top_next_tokens(prompt, 4))
    print(f"{name:11}  most likely next tokens: {top}")
    print(f"{'':11}  greedy continuation: {lm.generate(prompt, max_new_tokens=40).text!r}\n")

# %% [markdown] slideshow={"slide_type": "fragment"}
# As plain text, the question looks like the start of a *document*: a numbered list of questions is
# the likeliest next thing, and the model writes the next item of the list. In the chat format the
# most likely next token starts an answer, and after the answer the model writes `<|im_end|>` (the end
# of its turn), so generation stops. Nothing about the model changed: SFT taught it what text follows
# `<|im_start|>assistant`.
#
# ## 3 · What SFT data looks like
#
# An SFT example is a conversation, written out in the chat format. Training is the loop of notebook
# 06 (predict the next token, loss = −log of its probability), with one change: **only the
# assistant's tokens count**. The system message and the question are there to be read, not learned.

# %% slideshow={"slide_type": "fragment"}
example = chat_sequence(lm, question, "The capital of Japan is Tokyo.", finished=True)
pieces = tokenizer.token_strings(example.ids)
read = "".join(pieces[:example.n_prompt])
learned = pieces[example.n_prompt:]
print(f"read only ({example.n_prompt} tokens):\n{read}")
print(f"learned ({len(learned)} tokens): {learned}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The last learned token, `<|im_end|>`, is how the model learns to stop. The SFT loss of this example
# is the mean −log-probability of the learned tokens, given everything before each one. A model that
# has been through SFT finds its own kind of answer likely; a rambling one, less so:

# %% slideshow={"slide_type": "fragment"}
def sft_loss(prompt, answer, finished=True):
    """Mean -log P of the answer's tokens (the SFT loss of one example), with the real model."""
    seq = chat_sequence(lm, prompt, answer, finished)
    with torch.no_grad():
        logits = model(torch.tensor([seq.ids], device=device)).logits[0]     # (tokens, 49152)
    # the logits at position t predict token t + 1, so the answer's tokens are predicted
    # from position n_prompt - 1 up to the one before the last
    predictions = logits[seq.n_prompt - 1:-1]
    targets = torch.tensor(seq.ids[seq.n_prompt:], device=device)
    return float(F.cross_entropy(predictions, targets))        # the mean of -log P(right token)


for answer in ["The capital of Japan is Tokyo.", "Tokyo is the capital of Japan, and it is a big city.",
               "Japan. The capital. It is a question that many people ask about Japan."]:
    print(f"SFT loss {sft_loss(question, answer):.3f}  for {answer!r}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# SFT needs someone to *write* good answers. That is slow and hard to do well, and writers disagree.
# Most people find it much easier to *compare* two answers and say which is better. That is the
# idea of the next stage.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Human feedback: a question, two answers, a click
#
# The project's **preference set** has 128 questions, each with two answers written by SmolLM2 and a
# label saying which one is better. "Better" follows one stated **taste**, written down before
# labelling (`assets/preferences/README.md`):
#
# > **Concise and to the point.** A good answer gives its main point in one or two sentences and then
# > stops. An answer that finishes beats one cut off at the 48-token limit; of two finished answers the
# > shorter wins; of two cut-off answers, the one that reaches a correct, on-topic point sooner wins;
# > and an answer that is plainly wrong, off-topic or nonsense loses to one that is not.
#
# A *stated* taste matters: labellers who each follow their own taste produce labels that contradict
# each other, and the model then learns a blur. Real labelling guides run to dozens of pages.

# %% slideshow={"slide_type": "fragment"}
pairs = load_pairs()
train_pairs = [p for p in pairs if p.split == "train"]
test_pairs = [p for p in pairs if p.split == "test"]
kinds = {}
for p in pairs:
    kind = p.reason if p.reason in ("finished beats cut off", "shorter finished answer") else "decided by reading"
    kinds[kind] = kinds.get(kind, 0) + 1
print(f"{len(pairs)} pairs: {len(train_pairs)} to train on, {len(test_pairs)} held out")
print("how the labels were decided:", kinds)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Label some pairs yourself
#
# Click the answer you find better, by the taste above or by your own. After each click you see the
# project's label. Your labels replace the project's for those pairs in everything that follows, so
# the reward model and DPO learn *your* taste where you gave one. Skip as many as you like; pairs you
# do not label keep the project's label.
#
# Label **before** you run the cells below (if you label later, run them again). The numbers quoted
# in the text are those of the project's labels; yours may shift them a little.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
labeller = PreferenceLabeller(train_pairs[:20])
labeller

# %% [markdown] slideshow={"slide_type": "fragment"}
# The first pair, as the widget shows it, with the project's label (a static copy for readers without
# a running notebook):

# %% slideshow={"slide_type": "fragment"}
first = train_pairs[0]
display(HTML(viz.pair_html(first.prompt, first.a, first.b, first.a_finished, first.b_finished,
                           verdict=f"Project's label: {first.label.upper()} ({first.reason})")))

# %% slideshow={"slide_type": "subslide"}
choices = labeller.choices            # {pair id: "a" or "b"}, filled by your clicks
same, total = agreement(pairs, choices)
pairs = with_student_labels(pairs, choices)
train_pairs = [p for p in pairs if p.split == "train"]
test_pairs = [p for p in pairs if p.split == "test"]
print(f"you labelled {total} pairs and agreed with the project on {same}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# If you labelled a few, how often did you agree? In OpenAI's InstructGPT project (2022), trained
# labellers following one guide agreed with each other on about 73% of comparisons. Preference data is
# noisy, and everything trained on it inherits the noise.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · A reward model learns the taste
#
# We want a function that gives any answer a number, its **reward**: high for answers the labellers
# would like. Pairs do not say how good an answer is, only which of two is better. The
# **Bradley–Terry** model connects the two: if answers A and B have rewards r_A and r_B, a labeller
# picks A with probability
#
# $$P(\text{A preferred}) = \sigma(r_A - r_B) = \frac{1}{1 + e^{-(r_A - r_B)}}$$
#
# σ is the **sigmoid**, σ(x) = 1 / (1 + e^−x): it squashes any number into a probability between 0
# and 1, with σ(0) = 0.5. Only the *difference* of rewards matters.
#
# ### Exercise 1 · The Bradley–Terry probability
# Write `my_preference_probability(r_a, r_b)`. Before running it: what should rewards (2, 1) give?
# And (1, 1)?

# %% slideshow={"slide_type": "fragment"}
def my_preference_probability(r_a, r_b):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_preference_probability(r_a, r_b):
    return 1 / (1 + math.exp(-(r_a - r_b)))


# %% slideshow={"slide_type": "fragment"}
if exercises.check_preference_probability(my_preference_probability):
    print(f"rewards (2, 1): {my_preference_probability(2.0, 1.0):.3f}   rewards (1, 1): "
          f"{my_preference_probability(1.0, 1.0):.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Training pushes the chosen answer's reward above the rejected one's, with the loss
# −log σ(r_chosen − r_rejected) (the −log-probability of the labeller's actual choice, as in notebook 06).
#
# Our reward model is deliberately small. The frozen SmolLM2 reads the question and the answer; its
# final state at the answer's last token (576 numbers, the vector it would turn into next-token
# predictions) is the answer's **features**; and a **linear head** (576 weights and a bias) turns the
# features into one number. Real reward models are a whole language model trained end to end, but the
# idea is the same.
#
# First one pass of the untouched model over all 256 answers (about 25 s on 2 CPU cores). It keeps three
# things per answer: the features for the reward model, the log-probability of the answer (for DPO,
# later), and the state entering block 26 (of blocks 0 to 29), so that training the last 4 blocks
# later never re-runs the first 26.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
sequences, row_of = [], {}                  # row_of[pair id, "a" or "b"]: where that answer is in sequences
for p in pairs:
    for side, text, done in (("a", p.a, p.a_finished), ("b", p.b, p.b_finished)):
        row_of[p.id, side] = len(sequences)
        sequences.append(chat_sequence(lm, p.prompt, text, done))
TRAINED_LAYERS = 4
start = time.perf_counter()
bar = tqdm(total=len(sequences), desc="frozen pass")
frozen = frozen_pass(model, sequences, start_layer=model.config.n_layers - TRAINED_LAYERS,
                     progress=lambda done, total: bar.update(done - bar.n))
bar.close()
frozen_seconds = time.perf_counter() - start
print(f"{len(sequences)} answers, {sum(len(s.ids) for s in sequences):,} tokens in {frozen_seconds:.0f} s")


# %% slideshow={"slide_type": "subslide"}
def indices(pair_list):
    """Row numbers (in `sequences` and `frozen`) of each pair's chosen and rejected answer."""
    chosen = [row_of[p.id, p.label] for p in pair_list]
    rejected = [row_of[p.id, "b" if p.label == "a" else "a"] for p in pair_list]
    return torch.tensor(chosen), torch.tensor(rejected)


train_c, train_r = indices(train_pairs)
test_c, test_r = indices(test_pairs)
head, fit_log = RewardHead.fit(frozen.features, train_c, train_r, test=(test_c, test_r))
with torch.no_grad():
    rewards = head(frozen.features)
print(f"pairs ranked right: {pair_accuracy(rewards, train_c, train_r):.0%} of the training pairs, "
      f"{pair_accuracy(rewards, test_c, test_r):.0%} of the {len(test_pairs)} held-out pairs")

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(fit_log.steps, fit_log.train_loss, color=viz.PALETTE[0], label="training pairs")
ax.plot(fit_log.steps, fit_log.test_loss, color=viz.PALETTE[1], linestyle="--", label="held-out pairs")
ax.axhline(0.693, color=viz.GREY, linestyle=":", label="guessing (log 2)")
ax.set(xlabel="training step", ylabel="loss −log σ(r_chosen − r_rejected)", title="Training the reward head")
ax.legend()
plt.show()
print(f"loss at the end: {fit_log.train_loss[-1]:.3f} on training pairs, {fit_log.test_loss[-1]:.3f} held out")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The training loss drops almost to zero within a few dozen steps. The held-out loss dips, climbs back
# above the guessing line, then falls slowly to end a little below it (the value is printed under the
# plot): barely better than guessing, although the accuracy is high. The head is *confidently wrong*
# on a few held-out pairs, and the loss punishes confident mistakes hard. With 576 weights and 100
# pairs it can learn the training pairs by heart (the same gap as notebook 06's validation curve), so
# the held-out accuracy is the honest number.
# To judge it, compare with rules that need no learning at all:

# %% slideshow={"slide_type": "fragment"}
def rule_accuracy(pair_list, rule):
    """Share of pairs a rule gets right; rule(p) says 1 (right), 0 (wrong) or 0.5 (a tie: a coin flip)."""
    return sum(rule(p) for p in pair_list) / len(pair_list)


def finished_wins(p):
    if p.chosen_finished == p.rejected_finished:
        return 0.5
    return float(p.chosen_finished)


def finished_then_shorter_wins(p):          # the taste's rules 1 and 2, with no reading at all
    if p.chosen_finished == p.rejected_finished:
        return float(len(p.chosen) < len(p.rejected))
    return float(p.chosen_finished)


print("held-out pairs ranked right by")
print(f"  'the finished answer wins' (coin flip on ties): {rule_accuracy(test_pairs, finished_wins):.0%}")
print(f"  'finished wins, else the shorter wins':         "
      f"{rule_accuracy(test_pairs, finished_then_shorter_wins):.0%}")
print(f"  the reward model:                               {pair_accuracy(rewards, test_c, test_r):.0%}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The reward model beats both rules, but only by a pair or a few: most of what it learned is to tell
# a finished answer from a cut-off one. With 28 held-out pairs, one pair is 3.6 percentage points, so
# these differences are small. The next cell shows what that taste looks like from the inside.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What did it learn?
#
# **Predict first:** here are answers to *What is oxygen?*, a held-out question: one good short
# answer, one good long answer cut off at the limit, and three useless ones. Which will get the
# highest reward?

# %% slideshow={"slide_type": "fragment"}
probe = "What is oxygen?"
probe_answers = ["Oxygen is a gas in the air that we and most living things need to breathe.",
                 "Yes.", "I like turtles.", "Oxygen is a kind of metal.",
                 "Oxygen is a vital element essential for life on Earth. It is a colorless, odorless gas "
                 "that makes up about 21% of the air we breathe, and it plays a key role in"]
probe_useful = [True, False, False, False, True]
probe_finished = [True, True, True, True, False]
with torch.no_grad():
    probe_rewards = score_answers(lm, head, probe, probe_answers, probe_finished)
for i, (answer, r) in enumerate(zip(probe_answers, probe_rewards.tolist())):
    print(f"{i}  reward {r:+.2f}  {answer[:70]!r}{'…' if len(answer) > 70 else ''}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# ### Exercise 2 · Spot the hole in the reward
# A reward model has a *hole* when something useless scores higher than the real thing: an optimiser
# pushed against it would find the hole and use it. Which answer in the table (give its number)
# scores higher than the best useful answer?

# %% slideshow={"slide_type": "fragment"}
my_hole = ...   # the number of one answer in the table above

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_hole = 1

# %% slideshow={"slide_type": "fragment"}
exercises.check_hacked_reward(my_hole, probe_answers, probe_rewards, probe_useful)

# %% [markdown] slideshow={"slide_type": "fragment"}
# Why? The head reads the model's state at the answer's **last token**, and for a finished answer
# that token is `<|im_end|>`, so "this answer finished" is nearly written on it. And 86 of the 128
# labels say just that, "finished beats cut off" (the counts printed in section 4); only one pair
# compared two finished answers by length. Nothing in our pairs taught the head that an empty answer
# is bad. Try to fool it yourself: type any question and answer.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
def reward_of(question, answer):
    with torch.no_grad():
        return score_answers(lm, head, question, [answer])[0]


RewardExplorer(reward_of)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · DPO: move the real model towards the taste
#
# The classic recipe (RLHF with PPO, as used for InstructGPT) trains the model to write answers that
# the reward model scores high. It needs to generate new answers at every step, which is slow. **Direct
# preference optimisation** (DPO) skips both the sampling and the separate reward model: it trains
# directly on the pairs, making the chosen answer more likely and the rejected one less likely,
# **measured against the frozen model it started from** (the *reference*):
#
# $$\text{margin} = \beta\Big[\big(\log\pi(c) - \log\pi_\text{ref}(c)\big) - \big(\log\pi(r) - \log\pi_\text{ref}(r)\big)\Big],
# \qquad \text{loss} = -\log\sigma(\text{margin})$$
#
# The model being trained is called the **policy** (the word comes from reinforcement learning: the
# rule by which an agent picks its actions; here, its next tokens), written π. π(c) is the probability
# the policy gives the chosen answer, given the question: the product of its tokens' probabilities
# (notebook 04), so log π(c) is a sum of token log-probabilities. σ is the sigmoid of section 5.
#
# β (here 0.1) works as a **leash**. Once the margin is large, σ(margin) is close to 1 and the loss
# is close to 0, so moving further gains less and less. A larger β makes the margin grow faster for the
# same move, so the loss levels off after *smaller* moves: the larger β, the tighter the leash.
#
# ### Exercise 3 · The DPO loss
# Write `my_dpo_loss` for a batch: each argument is a tensor of summed log-probabilities, one per pair;
# return the mean loss. `F.logsigmoid(x)` computes log σ(x) for a whole tensor, and `.mean()` averages.
# A worked example to test yours: policy (−10, −12), reference (−11, −11), β = 0.1 give margin 0.2 and
# loss 0.598.

# %% slideshow={"slide_type": "fragment"}
def my_dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta):
    margin = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
    return -F.logsigmoid(margin).mean()


# %% slideshow={"slide_type": "fragment"}
exercises.check_dpo_loss(my_dpo_loss)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training the last 4 blocks
#
# The policy is a copy of SmolLM2 in which only the last 4 of its 30 blocks (layers) can change
# (14 million of its 135 million numbers); the original stays untouched as the reference. The
# reference's log-probabilities for each answer were already computed in the frozen pass; the
# policy's are computed afresh at every step. Each step takes 8 training pairs, runs the last 4
# blocks on their cached states, and updates. 30 steps of 8 randomly drawn pairs see each training pair
# 2.4 times on average.

# %% slideshow={"slide_type": "fragment"}
torch.manual_seed(0)
policy = trainable_copy(model, TRAINED_LAYERS)
trainable = [p for p in policy.parameters() if p.requires_grad]
print(f"trainable: {sum(p.numel() for p in trainable):,} of {sum(p.numel() for p in policy.parameters()):,} numbers")
optimizer = torch.optim.AdamW(trainable, lr=6e-5, weight_decay=0.0)
ref_logprob = frozen.ref_logprob.to(device)
BETA, STEPS, PAIRS_PER_STEP = 0.1, 30, 8


def held_out_margins():
    """DPO margins of the held-out pairs under the current policy (no training)."""
    with torch.no_grad():
        lp = policy_logprobs(policy, frozen, test_c.tolist() + test_r.tolist(), sequences)
        n = len(test_c)
        return dpo_loss(lp[:n], lp[n:], ref_logprob[test_c], ref_logprob[test_r], BETA)[1]


# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
dpo_log = {"step": [], "loss": [], "margin": [], "held_out_moved": [], "chosen": [], "rejected": []}
order = torch.Generator().manual_seed(0)
start = time.perf_counter()
for step in tqdm(range(STEPS + 1), desc="DPO"):
    if step % 10 == 0:                                     # measure on pairs it never trains on
        dpo_log["step"].append(step)
        # share of held-out pairs with a margin clearly above 0 (at step 0 the margins are 0 up to rounding)
        dpo_log["held_out_moved"].append(float((held_out_margins() > 1e-3).float().mean()))
    if step == STEPS:
        break
    batch = torch.randperm(len(train_c), generator=order)[:PAIRS_PER_STEP]
    c, r = train_c[batch], train_r[batch]
    lp = policy_logprobs(policy, frozen, c.tolist() + r.tolist(), sequences)     # one pass, 16 answers
    loss, margin = dpo_loss(lp[:PAIRS_PER_STEP], lp[PAIRS_PER_STEP:], ref_logprob[c], ref_logprob[r], BETA)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    dpo_log["loss"].append(loss.item())
    dpo_log["margin"].append(margin.mean().item())
    # DPO's *implicit reward* of an answer: beta * (log pi - log pi_ref), how far the policy raised it
    dpo_log["chosen"].append(BETA * (lp[:PAIRS_PER_STEP].detach() - ref_logprob[c]).mean().item())
    dpo_log["rejected"].append(BETA * (lp[PAIRS_PER_STEP:].detach() - ref_logprob[r]).mean().item())
dpo_seconds = time.perf_counter() - start
print(f"{STEPS} steps in {dpo_seconds:.0f} s ({dpo_seconds / STEPS:.1f} s per step)")

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (training rounds differently on every machine: the numbers are shown, and the asserts at the end
# check what the text below claims)
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
batch_steps = range(1, STEPS + 1)
axes[0].plot(batch_steps, dpo_log["loss"], color=viz.PALETTE[0], label="DPO loss")
axes[0].plot(batch_steps, dpo_log["margin"], color=viz.PALETTE[1], linestyle="--", label="mean margin")
axes[0].set(xlabel="step", title="Loss and margin (training batch)")
axes[0].legend()
axes[1].plot(batch_steps, dpo_log["chosen"], color=viz.PALETTE[2], label="chosen answers")
axes[1].plot(batch_steps, dpo_log["rejected"], color=viz.PALETTE[3], linestyle="--", label="rejected answers")
axes[1].axhline(0, color=viz.GREY, linestyle=":")
axes[1].set(xlabel="step", ylabel="β · (log π − log π_ref)", title="Implicit reward (training batch)")
axes[1].legend()
axes[2].plot(dpo_log["step"], [100 * a for a in dpo_log["held_out_moved"]], color=viz.PALETTE[4], marker="o")
axes[2].set(xlabel="step", ylabel="% of held-out pairs", ylim=(0, 105),
            title="Held-out pairs where the policy moved\ntowards the chosen answer (margin > 0)")
plt.show()
print("loss every 5 steps:", [round(x, 3) for x in dpo_log["loss"][::5]])
# (+ 0.0 turns a -0.0 into 0.0)
print("implicit reward every 5 steps, chosen:", [round(x, 2) + 0.0 for x in dpo_log["chosen"][::5]])
print("                                rejected:", [round(x, 2) + 0.0 for x in dpo_log["rejected"][::5]])
print("held-out pairs with margin > 0 at steps", dpo_log["step"], ":",
      [f"{a:.0%}" for a in dpo_log["held_out_moved"]])

first_loss, late_loss = dpo_log["loss"][0], sum(dpo_log["loss"][-10:]) / 10
late_chosen, late_rejected = sum(dpo_log["chosen"][-10:]) / 10, sum(dpo_log["rejected"][-10:]) / 10
assert abs(first_loss - math.log(2)) < 0.01, \
    f"the first DPO loss should be log 2 = 0.693 (policy = reference), got {first_loss:.3f}"
assert late_loss < 0.5, \
    f"the DPO loss should fall well below log 2 = 0.693; over the last 10 steps it averaged {late_loss:.3f}"
assert sum(dpo_log["chosen"]) / STEPS > 0, \
    "the chosen answers' implicit reward should rise above 0 on average"
assert late_rejected < -0.3 and -late_rejected > 2 * late_chosen, \
    ("most of the margin should come from pushing the rejected answers down; over the last 10 steps "
     f"the implicit rewards averaged {late_chosen:+.2f} (chosen) and {late_rejected:+.2f} (rejected)")
assert dpo_log["held_out_moved"][0] == 0, \
    "at step 0 the policy is the reference, so no held-out margin should be above 0"
assert min(dpo_log["held_out_moved"][1:]) > 0.6, \
    f"from step 10 on, most held-out pairs should have a margin > 0; got {dpo_log['held_out_moved']}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# The middle panel splits the margin in two. Each answer's **implicit reward** is β × (log π − log π_ref):
# how far the policy raised (above 0) or lowered (below 0) that answer compared with the reference.
# The chosen answers rise a little; most of the margin comes from pushing the rejected answers down
# (in the printed values the rejected answers fall much further below 0 than the chosen ones rise
# above it). DPO runs often look like this: it is easier to make a rambling answer unlikely than to
# make one particular good answer likelier.
#
# At step 0 the policy *is* the reference, so every margin is 0. After 10 steps, on most held-out pairs
# the policy has raised the chosen answer's log-probability more than the rejected one's (compared with
# the reference). That is what margin > 0 means; it does not say the policy now finds the chosen
# answer likelier outright. (For comparison, SmolLM2's own DPO run on UltraFeedback, a much harder and
# noisier set, reached a positive margin on about 62% of its held-out pairs.) But a margin is measured
# on answers someone else wrote. What matters is what the policy writes now.
#
# ### Before and after, on questions it never trained on
#
# **Predict first:** the taste rewards short, finished answers. What will change in the policy's
# answers?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (the "after" row comes from a trained model, which differs a little from machine to machine: the
# table is shown, and the asserts at the end check what the text below claims)
held_out_questions = [p.prompt for p in test_pairs]


def conversation(question, instruction="", examples=()):
    """The messages for one question: optional example turns first, an optional instruction appended."""
    return list(examples) + [{"role": "user", "content": f"{question} {instruction}".strip()}]


def answer_all(chat_model, questions, instruction="", examples=None):
    """Greedy answers (at most 48 tokens) to each question; examples: optional earlier turns per question."""
    prompts = [chat_model.chat_prompt(conversation(q, instruction, examples[i] if examples else ()))
               for i, q in enumerate(questions)]
    outs = chat_model.generate_batch(prompts, max_new_tokens=48)
    return [o.text.strip() for o in outs], [len(o.ids) < 48 for o in outs]


def measure(answers, done):
    """Mean reward (by our reward model), share finished and mean length (tokens) of a set of answers."""
    with torch.no_grad():
        scores = score_answers(lm, head, held_out_questions, [a or "." for a in answers], done)
    return {"reward": scores.mean().item(), "finished": sum(done) / len(done),
            "tokens": sum(len(tokenizer.encode(a)) for a in answers) / len(answers)}


def print_table(results, extra=None):
    """One line per method; extra: optional {method: extra prompt tokens per question}."""
    print(f"{'':28} {'mean reward':>11} {'finished':>9} {'mean length':>12}"
          + (f" {'extra prompt tokens':>20}" if extra else ""))
    for name, r in results.items():
        line = f"{name:28} {r['reward']:>+11.2f} {r['finished']:>9.0%} {r['tokens']:>12.1f}"
        print(line + (f" {extra.get(name, 0):>20.0f}" if extra else ""))


before, before_done = answer_all(lm, held_out_questions)
policy_lm = ChatModel(policy, tokenizer)
after, after_done = answer_all(policy_lm, held_out_questions)
results = {"before (SmolLM2 as shipped)": measure(before, before_done),
           "after DPO": measure(after, after_done)}
print_table(results)

was, now = results["before (SmolLM2 as shipped)"], results["after DPO"]
assert was["finished"] < 0.15, f"before DPO almost no answer should finish; {was['finished']:.0%} did"
assert now["finished"] > 0.6, f"after DPO most answers should finish; only {now['finished']:.0%} did"
assert now["tokens"] < 0.6 * was["tokens"], \
    f"after DPO the answers should be much shorter: {now['tokens']:.1f} tokens against {was['tokens']:.1f}"
assert was["reward"] < -0.5 < 0.5 < now["reward"], \
    f"the mean reward should go from below 0 to above 0; it went from {was['reward']:+.2f} " \
    f"to {now['reward']:+.2f}"

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (the "after" answers come from the trained policy and differ from machine to machine)
for q, b, a in list(zip(held_out_questions, before, after))[:6]:
    print(f"Q: {q}\n   before: {b!r}\n   after:  {a!r}\n")
shorter = sum(len(tokenizer.encode(a)) < len(tokenizer.encode(b)) for b, a in zip(before, after))
assert shorter > 0.7 * len(after), \
    f"the policy's answer should be the shorter one on most questions; it was on {shorter} of {len(after)}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# The shift is large (the table above). Before, hardly any answer finished within 48 tokens; after,
# most do, the answers are much shorter, and the mean reward went from well below 0 to well above it.
# Read the answers closely, though. Some short ones say nothing, and some are wrong (in the run saved
# with this notebook, for example, "Seed growth is a complex process involving multiple stages." and
# "Cats seem to thrive on boxes."; a run on another machine may word them differently). DPO learned
# exactly what the labels rewarded, *concise*, and not what they took for granted, *correct and
# useful*. The next cell (skipped in the slides) prints the other 22; all 28 are in `before` and
# `after`.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
# (the "after" answers come from the trained policy and differ from machine to machine)
for q, b, a in list(zip(held_out_questions, before, after))[6:]:
    print(f"Q: {q}\n   before: {b!r}\n   after:  {a!r}\n")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Reward hacking, and the KL leash
#
# DPO's leash held: its answers changed in length but still read like English. What happens
# without a leash? Running that on SmolLM2 takes too long for a CPU, so we use notebook 06's tiny
# story model (867,000 parameters), which writes a story start in milliseconds.
#
# - **The goal:** cheerful stories.
# - **The reward:** counts cheerful words (*happy, smiled, loved, glad, fun, …*). It is a flawed
#   stand-in for the goal, as every reward is.
# - **The optimiser:** a *policy-gradient* loop (REINFORCE, a simpler ancestor of the PPO used for
#   InstructGPT). Sample 24 story starts of 32 tokens from the policy, score each, and nudge the
#   policy to make the above-average samples more likely and the below-average ones less likely
#   (how far above or below the batch average a sample scored is its *advantage*).
# - **The leash:** each sample's score loses β × (its log-probability under the policy minus its
#   log-probability under the original model, summed over its tokens). Averaged over the policy's own
#   samples, that difference estimates the **KL divergence** between the two models: 0 when they
#   agree, larger the further the policy drifts (measured in nats, the unit of natural-log
#   probabilities). β = 0 removes the leash. This β (0.5) and DPO's (0.1) play the same role, a
#   larger one holds tighter, but they sit in different formulas, so their sizes do not compare.

# %% slideshow={"slide_type": "fragment"}
tiny, tiny_tokenizer = load_story_model()      # notebook 06's longer-trained model and its tokenizer
print(f"reward of a sample sentence: {happy_word_reward('She smiled, happy and glad to be home.'):.0f}")
# Two samples of 2 tokens, each with reward 3. The policy gives every token log-probability -1.
# The original model agrees on the first sample, but gave the second one's tokens -4 each:
# the policy drifted by 3 + 3 = 6, and with beta = 0.5 the leash takes 0.5 * 6 = 3 off its score.
scores = leashed_score(torch.tensor([3.0, 3.0]), torch.tensor([[-1.0, -1.0], [-1.0, -1.0]]),
                       torch.tensor([[-1.0, -1.0], [-4.0, -4.0]]), beta=0.5)
print(f"leashed scores: {scores.tolist()}")

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
runs = {}
for beta in tqdm([0.0, 0.5], desc="runs"):
    start = time.perf_counter()
    _, runs[beta] = optimise_against_reward(tiny, tiny_tokenizer, happy_word_reward, beta=beta, steps=30)
    print(f"beta {beta}: 30 steps in {time.perf_counter() - start:.0f} s")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (training on sampled stories: the numbers differ from machine to machine, so they are shown, and
# the asserts at the end check what the text below claims)
steps = list(range(len(runs[0.0].reward)))
viz.plot_runs(steps, {
    "reward (cheerful words per sample)": {"no leash (β = 0)": runs[0.0].reward, "leash (β = 0.5)": runs[0.5].reward},
    "perplexity under the original model": {"no leash (β = 0)": runs[0.0].perplexity,
                                            "leash (β = 0.5)": runs[0.5].perplexity},
}, log_panels=("perplexity under the original model",), title="Optimising a flawed reward")
plt.show()
for beta, log in runs.items():
    print(f"β = {beta}: reward {log.reward[0]:.2f} -> {log.reward[-1]:.2f}, KL {log.kl[-1]:.1f}, "
          f"perplexity {log.perplexity[0]:.1f} -> {log.perplexity[-1]:.1f}")

free, leashed = runs[0.0], runs[0.5]
assert free.reward[0] < 1 and free.reward[-1] > 20, \
    ("without the leash the reward should soar from under 1 to over 20 cheerful words per sample; "
     f"it went from {free.reward[0]:.2f} to {free.reward[-1]:.2f}")
assert free.perplexity[0] < 10 and free.perplexity[-1] > 100, \
    ("without the leash the original model should find the text absurd (perplexity from under 10 to "
     f"over 100); it went from {free.perplexity[0]:.1f} to {free.perplexity[-1]:.1f}")
assert free.kl[-1] > 50 and leashed.kl[-1] < 10, \
    f"the leash should keep the KL small: {leashed.kl[-1]:.1f} with it, {free.kl[-1]:.1f} without"
assert leashed.reward[0] + 0.3 < leashed.reward[-1] < free.reward[-1] / 5, \
    ("with the leash the reward should rise, but far less than without: from "
     f"{leashed.reward[0]:.2f} to {leashed.reward[-1]:.2f}, against {free.reward[-1]:.2f} without")
assert leashed.perplexity[-1] < 2 * leashed.perplexity[0], \
    ("with the leash the text should stay close to the original model's; its perplexity went from "
     f"{leashed.perplexity[0]:.1f} to {leashed.perplexity[-1]:.1f}")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (sampled texts of trained models: they differ from machine to machine)
for beta, log in runs.items():
    print(f"β = {beta}")
    for step in (0, 10, 30):
        print(f"   step {step:2}: {log.samples[step][:110]!r}")


def top_word_share(text):
    """The share of a text's words taken by its most frequent word."""
    words = re.findall(r"[a-z]+", text.lower())
    return max(words.count(w) for w in set(words)) / len(words) if words else 0.0


assert top_word_share(runs[0.0].samples[30]) > 0.6, \
    f"without the leash the last sample should be mostly one word repeated: {runs[0.0].samples[30]!r}"
assert top_word_share(runs[0.5].samples[30]) < 0.4, \
    f"with the leash the last sample should not be one word repeated: {runs[0.5].samples[30]!r}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Without the leash the reward soars, from under one cheerful word per sample to more than twenty,
# and the story is gone: the policy found that one word repeated scores better than any story. The
# original model finds that text absurd (its perplexity, notebook 04's "as unsure as choosing among
# this many tokens", rises from about 6 to more than a hundred). That is **reward hacking**: the
# optimiser satisfies the letter of the reward and abandons its purpose. With the leash the reward
# rises far less, the KL stays small, and the samples still read like the model's (rather broken)
# stories, with somewhat more cheerful words in them.
#
# The same thing threatens real assistants. Reward models have been hacked by answers that are
# longer, more confident or more flattering than they are helpful. Section 5's `Yes.` is such a hole
# in our reward model. Real pipelines keep a leash (DPO's β and reference model, PPO's KL penalty)
# and have people read the outputs.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Three ways to change a model's behaviour
#
# Fine-tuning is one of three tools. On our task (concise answers to the 28 held-out questions) all three
# can be tried:
#
# 1. **Prompt engineering**: ask for it, by adding *Answer in one short sentence.* to each question.
#    Nothing to train.
# 2. **Retrieval** (notebook 08 builds this fully): find the two training questions most similar to the
#    new one (by sentence embeddings, notebook 02) and show their preferred answers as examples in the
#    conversation, as if the model had answered them that way before. Only pairs whose preferred
#    answer finished can serve as examples (a cut-off example would teach cutting off).
# 3. **Fine-tuning**: the DPO policy of section 6.

# %% slideshow={"slide_type": "fragment"}
start = time.perf_counter()
INSTRUCTION = "Answer in one short sentence."
prompted, prompted_done = answer_all(lm, held_out_questions, instruction=INSTRUCTION)
prompt_seconds = time.perf_counter() - start

start = time.perf_counter()
store = [p for p in train_pairs if p.chosen_finished]          # the examples we may show
store_vectors = sentence_embedding(model, tokenizer, [p.prompt for p in store], batch_size=32)
question_vectors = sentence_embedding(model, tokenizer, held_out_questions, batch_size=32)
# As in notebook 02: subtracting the average vector removes what all questions share (they are all
# short questions), so the cosine similarity is left with what they are about.
centre = store_vectors.mean(0)
similarity = F.normalize(question_vectors - centre, dim=1) @ F.normalize(store_vectors - centre, dim=1).T
examples = []                                                  # per held-out question: 4 earlier turns
for row in similarity:                                         # row: similarity to every stored question
    turns = []
    for j in row.topk(2).indices.tolist():
        turns.append({"role": "user", "content": store[j].prompt})
        turns.append({"role": "assistant", "content": store[j].chosen})
    examples.append(turns)
retrieved, retrieved_done = answer_all(lm, held_out_questions, examples=examples)
retrieval_seconds = time.perf_counter() - start
print(f"{len(store)} examples in the store")
print(f"for {held_out_questions[0]!r} the closest stored questions were: "
      f"{[turn['content'] for turn in examples[0] if turn['role'] == 'user']}")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (the "after DPO" row comes from a trained model, which differs a little from machine to machine:
# the table is shown, and the asserts at the end check what the text below claims)
def extra_prompt_tokens(instruction="", examples=None):
    """Mean number of prompt tokens added per question, compared with asking the bare question."""
    added = [len(tokenizer.encode(lm.chat_prompt(conversation(q, instruction, examples[i] if examples else ()))))
             - len(tokenizer.encode(lm.chat_prompt(q))) for i, q in enumerate(held_out_questions)]
    return sum(added) / len(added)


results["prompt engineering"] = measure(prompted, prompted_done)
results["retrieved examples"] = measure(retrieved, retrieved_done)
extra_tokens = {"prompt engineering": extra_prompt_tokens(INSTRUCTION),
                "retrieved examples": extra_prompt_tokens(examples=examples)}
print_table(results, extra_tokens)

methods = ("after DPO", "prompt engineering", "retrieved examples")
base = results["before (SmolLM2 as shipped)"]["reward"]
lifted = {name: results[name]["reward"] for name in methods}
assert base < -0.5 and min(lifted.values()) > 1.0, \
    f"all three tools should lift the mean reward from below 0 to well above it: {base:+.2f} -> {lifted}"
assert max(lifted.values()) - min(lifted.values()) < 1.0, \
    f"the three tools should score close together: {lifted}"
assert lifted["prompt engineering"] > lifted["after DPO"] - 0.5, \
    f"asking for a short answer should do about as well as DPO: {lifted}"
assert extra_tokens["prompt engineering"] == 6 and 60 < extra_tokens["retrieved examples"] < 120, \
    f"the instruction should add 6 tokens and the examples about 90: {extra_tokens}"

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
print("one-time cost, and the time to answer all 28 questions, on this machine:")
print(f"  prompt engineering: nothing to prepare; answering took {prompt_seconds:.0f} s")
print(f"  retrieved examples: {len(store)} stored answers embedded; embedding and answering "
      f"took {retrieval_seconds:.0f} s")
print(f"  DPO: {len(train_pairs)} labelled pairs and {frozen_seconds + dpo_seconds:.0f} s of training")

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (the DPO answers come from a trained model and differ from machine to machine)
for i in (0, 7, 12):
    print(f"Q: {held_out_questions[i]}")
    for name, answers in [("asked", prompted), ("examples", retrieved), ("DPO", after)]:
        print(f"   {name:9} {answers[i]!r}")
asked_tokens, dpo_tokens = results["prompt engineering"]["tokens"], results["after DPO"]["tokens"]
assert asked_tokens > dpo_tokens + 3, \
    f"asked for a short answer, the model should still write more than the DPO policy: {asked_tokens:.1f} " \
    f"tokens against {dpo_tokens:.1f}"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Read the table with the examples (the rows "before" and "after DPO" are from section 6). All three
# tools lift the mean reward from well below 0 to well above it; with 28 questions the differences
# between them are small. Here the cheapest tool, six extra tokens per question, does about as well
# as the others. Its answers (above) are also longer and say more than the DPO policy's, though more
# words leave more room for errors (in the run saved here, the banana answer names the wrong enzyme).
# Retrieved examples do about as well too, at about 90 extra tokens on *every* question. Fine-tuning
# costs labels and training time once and nothing per question, and it changes the model's default,
# so nobody has to remember to ask. It also brings the risks of section 7. That is why the usual
# advice is to try the three in this order: prompt first, then retrieval, and fine-tune when the
# behaviour is hard to put in words or must hold on every call. For *knowledge* (facts the model never saw), retrieval is the right tool, which is the
# subject of notebook 08.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The same weights continue a document or answer a question depending on the **chat format**; SFT
#   taught the model the format, and the loss counts only the assistant's tokens, `<|im_end|>` included.
# - **Human feedback** is pairs of answers and a choice, made by a stated taste; people agree with each
#   other only partly.
# - A **reward model** (Bradley–Terry, P = σ(r_A − r_B)) learned our taste from 100 pairs and ranks
#   most held-out pairs right. It also learned a shortcut: a useless `Yes.` beats a good answer.
# - **DPO** on the last 4 layers for 30 steps made SmolLM2's answers to unseen questions short and
#   finished. The reward model saw the gain, and a careful reader also sees answers that say nothing.
# - Optimising a flawed reward **without a leash** breaks the model (reward up many times over, text
#   gone); the **KL leash** keeps it close to where it started.
# - Prompting, retrieval and fine-tuning trade set-up cost against cost per question and effect; on
#   this task, five words (six tokens) added to each question did about as well as our fine-tuning.
#
# **Next:** notebook 08 gives the model knowledge it does not have, by retrieving it from your own
# documents.
