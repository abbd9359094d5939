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
# # 01 · Tokens: how text becomes numbers
#
# A language model never sees letters or words. It sees **tokens**: pieces of text, each known to
# the model only by its number, the token's **id**. In this notebook you find out where the pieces come from, and why they explain
# some of the strangest mistakes chat models make.
#
# **You will see that**
# 1. text is already numbers inside a computer (**UTF-8 bytes**), and why models use neither single
#    characters nor whole words;
# 2. **byte-pair encoding (BPE)** learns its pieces from data: you train one from scratch and watch
#    each merge shorten a text;
# 3. the same message costs **different numbers of tokens** in different languages and in code,
#    and tokens are what you pay for;
# 4. tokens explain **odd failures**: counting the r's in "strawberry", arithmetic, a trailing space,
#    rare words, base64;
# 5. the **context window** is counted in tokens, and chats mark their turns with **special tokens**.
#
# **Time:** about 60 minutes. **Builds on:** notebook 00 (the model, the chat format).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import base64
import time

import matplotlib.pyplot as plt
import regex

from lesson_utils import exercises
from lesson_utils.llm import (SMOLLM2_SPLIT_PATTERN, compare_tokenizers, drop_oldest_turns, get_tokenizer,
                              load_chat_model, price_usd, render_chat, text_stats, token_spans)
from lesson_utils.scratch import merge, pair_counts, tokens_after_each_merge, train_bpe, train_bpe_naive
from lesson_utils.assets import load_corpus
from lesson_utils.session import setup
from lesson_utils.ui import MergeStepper, TokenHighlighter, viz

device = setup(seed=0)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Text is already numbers
#
# A computer stores each character as one or more **bytes**, whole numbers from 0 to 255. The
# standard way to do it, **UTF-8**, uses one byte for the letters of English, two for most accented
# and Cyrillic letters, three for Chinese characters, and four for an emoji.

# %% slideshow={"slide_type": "fragment"}
print("text    characters  bytes  the bytes")
for word in ["cat", "café", "кот", "猫", "🐈"]:
    raw = word.encode("utf-8")
    print(f"{word:6} {len(word):>11} {len(raw):>6}  {list(raw)}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# So a model *could* read bytes: 256 possible symbols cover every text in every language, and
# nothing is ever unknown. But the sequences would be long, and a model's work grows with the length
# of what it reads (notebook 03 shows why: every position looks at every earlier one).
#
# The opposite choice, one number per **word**, gives short sequences but an endless list: every
# name, typo, number, new word and language would need its own entry, and any word missing from the
# list could not be read at all.
#
# **Tokens** sit between the two. Frequent words become one token, rare words several pieces, and
# anything at all can still fall back to single bytes. Here is the same sentence counted four ways:

# %% slideshow={"slide_type": "fragment"}
smollm2 = get_tokenizer("smollm2")
sentence = "The unbelievably tiny robot tokenized 1,234 sentences in 2026."
print(f"characters: {len(sentence)}")
print(f"UTF-8 bytes: {len(sentence.encode('utf-8'))}")
print(f"words: {len(sentence.split())}")
print(f"SmolLM2 tokens: {len(smollm2.encode(sentence))}")
print(smollm2.token_strings(smollm2.encode(sentence)))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Common words (" robot", " sentences") are one token each, with their leading space included. The
# rarer "unbelievably" and "tokenized" are built from pieces, every digit is a token of its own, and
# the space before a number becomes a token by itself (`' '`).
# Where do these pieces come from? They were *learned* from text, by the method you build next.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Byte-pair encoding, from scratch
#
# Byte-pair encoding starts from bytes and repeats one simple step:
#
# 1. count how often each pair of neighbouring tokens occurs;
# 2. give the most frequent pair a new token id (256, then 257, ...) and replace it everywhere;
# 3. repeat until the vocabulary is as large as you want.
#
# The **vocabulary** is the list of all tokens the tokenizer knows: the 256 byte values, plus one new
# token for each merge.
#
# Here is step 1 written out, on a tiny text:

# %% slideshow={"slide_type": "fragment"}
def count_pairs(ids):
    """How often each pair of neighbours occurs: [1, 2, 3, 1, 2] -> {(1, 2): 2, (2, 3): 1, (3, 1): 1}."""
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


toy = "the cat sat on the mat. the cat ate the rat."
ids = list(toy.encode("utf-8"))
counts = count_pairs(ids)
top = sorted(counts.items(), key=lambda item: -item[1])[:5]
for (a, b), n in top:
    print(f"({a:3}, {b:3}) = {bytes([a, b])!r:7} occurs {n} times")
print("same counts as lesson_utils.scratch.bpe.pair_counts:", counts == pair_counts(ids))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Step 2 is `merge(ids, pair, new_id)`: go through the list from left to right and, wherever the
# pair occurs, put the new id instead of its two tokens. You write it yourself in the exercise below;
# until then we use the version in `lesson_utils.scratch.bpe`.

# %% slideshow={"slide_type": "fragment"}
pair = max(counts, key=counts.get)
merged = merge(ids, pair, 256)
print(f"merge {bytes(pair)!r} -> 256: {len(ids)} tokens become {len(merged)}")
print(merged[:24], "...")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · Write `merge`
# Write `my_merge(ids, pair, new_id)` that returns a **new** list in which every occurrence of `pair`
# (two neighbouring ids) is replaced by `new_id`. Walk through the list with an index `i`: when
# `ids[i]` and `ids[i + 1]` are the pair, append `new_id` and jump two places; otherwise append
# `ids[i]` and move one place. Example: `my_merge([1, 2, 3, 1, 2], (1, 2), 256)` gives
# `[256, 3, 256]`. Careful with `[7, 7, 7]` and the pair `(7, 7)`.

# %% slideshow={"slide_type": "fragment"}
def my_merge(ids, pair, new_id):
    ...   # your code here: build a new list and return it

# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_merge(ids, pair, new_id):
    out = []
    i = 0
    while i < len(ids):
        if tuple(ids[i:i + 2]) == pair:     # the next two ids are the pair
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


# %% slideshow={"slide_type": "fragment"}
exercises.check_merge(my_merge)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### The whole training loop
#
# Real tokenizers add one rule before counting: the text is first cut into **chunks** (a word with
# the space in front of it, a single digit, a run of punctuation, a run of spaces), and pairs are
# counted only *inside* a chunk. So " the" can become one token, but "e c" (the end of one word and
# the start of the next) never does. The rule is a regular expression; SmolLM2's cuts the toy text
# like this:

# %% slideshow={"slide_type": "fragment"}
print(regex.findall(SMOLLM2_SPLIT_PATTERN, toy))

# %% [markdown] slideshow={"slide_type": "subslide"}
# With the chunks, training is a loop around the two steps. When two pairs are equally frequent we
# take the one with the smaller ids, so that the result never depends on luck: "th" (116, 104) and
# "he" (104, 101) both occur 4 times, and "he" wins because 104 < 116.

# %% slideshow={"slide_type": "fragment"}
def train(text, vocab_size):
    chunks = [list(c.encode("utf-8")) for c in regex.findall(SMOLLM2_SPLIT_PATTERN, text)]
    merges = {}                                     # (left id, right id) -> new id
    vocab = {i: bytes([i]) for i in range(256)}     # id -> its bytes; only used for printing
    for new_id in range(256, vocab_size):
        counts = {}
        for chunk in chunks:
            pair_counts(chunk, counts)              # given a dict, pair_counts adds to it
        if not counts or max(counts.values()) < 2:
            break                                   # no pair occurs twice: nothing worth merging
        pair = min(counts, key=lambda p: (-counts[p], p))   # most frequent; on a tie, smaller ids
        merges[pair] = new_id
        chunks = [merge(chunk, pair, new_id) for chunk in chunks]
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        print(f"merge {new_id - 255:2}: {vocab[pair[0]]!r:8} + {vocab[pair[1]]!r:8} -> {vocab[new_id]!r:10}"
              f" ({counts[pair]} times); the text is now {sum(map(len, chunks))} tokens")
    return merges


toy_merges = train(toy, 266)

# %% [markdown] slideshow={"slide_type": "subslide"}
# "at" comes first (it is in cat, sat, mat, ate and rat), then "he", "the" and " the". After six
# merges no pair occurs twice any more, so the loop stops before the vocabulary reaches 266 entries
# (256 bytes + 10 merges): in this tiny text nothing is left that is worth a new token. The same loop lives in `lesson_utils`
# in two versions. `train_bpe_naive` is this loop. `train_bpe` finds **exactly the same merges**
# much faster: it counts each distinct chunk once (" the" may occur thousands of times) and, after a
# merge, recounts only the chunks that contained the merged pair.

# %% slideshow={"slide_type": "fragment"}
print("train_bpe_naive learns the same merges:", train_bpe_naive(toy, 266).merges == toy_merges)
print("train_bpe learns the same merges:      ", train_bpe(toy, 266).merges == toy_merges)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Training on a real corpus
#
# A *corpus* is a collection of text to learn from. This project ships a small one: 288 short stories
# and explanations for children, written by SmolLM2 itself (`scripts/make_corpus.py` made it, so
# nothing has to be downloaded). Let us learn a vocabulary of 1024 tokens from it.

# %% slideshow={"slide_type": "fragment"}
corpus = load_corpus()
print(f"{len(corpus):,} characters, {len(corpus.split()):,} words; it starts:\n")
print(corpus[:300])

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
bpe = train_bpe(corpus, vocab_size=1024)
seconds = time.perf_counter() - start
print(f"{bpe}: {len(bpe.merges)} merges in {seconds:.2f} s ({len(bpe.merges) / seconds:,.0f} merges per second)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The naive loop would take about a minute for this (the benchmark in `benchmarks/bench_bpe.py` measures
# both on this corpus; see `benchmarks/results/bpe.txt`). Here is a small side-by-side, on the first
# 20,000 characters and 200 merges:

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
sample = corpus[:20_000]
start = time.perf_counter()
fast = train_bpe(sample, 456)
fast_s = time.perf_counter() - start
start = time.perf_counter()
naive = train_bpe_naive(sample, 456)
naive_s = time.perf_counter() - start
print(f"train_bpe: {fast_s:.3f} s   train_bpe_naive: {naive_s:.2f} s   -> {naive_s / fast_s:.0f} times faster")

# %% slideshow={"slide_type": "fragment"}
print("identical merges:", fast.merges == naive.merges)

# %% [markdown] slideshow={"slide_type": "subslide"}
# What did it learn? The first merges, and the longest tokens at the end (␣ marks a space). The very
# first ones are the pieces of " the", the most common word of English, and " the" itself is the
# sixth new token.

# %% slideshow={"slide_type": "fragment"}
ours = bpe.to_tokenizer("our_bpe")        # the same merges, in a Tokenizer like SmolLM2's (more below)
first = ours.token_strings(list(range(256, 276)))
print("first 20 merges:", [viz.show_text(t) for t in first])
longest = sorted(range(256, bpe.n_vocab), key=lambda i: -len(bpe.vocab[i]))[:12]
print("longest tokens: ", [viz.show_text(t) for t in ours.token_strings(longest)])

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Try it:** drag the slider (or press play) to replay the merges on a sentence and watch its token
# count fall. Below the widget, the same curve and four snapshots, for when no Python is running.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
demo = "Once upon a time, a little fox found a strange key under the old tree."
MergeStepper(bpe, demo, step=20)

# %% slideshow={"slide_type": "fragment"}
curve = tokens_after_each_merge(bpe, demo)        # the token count after 0, 1, 2, ... merges
viz.plot_merge_curve(curve, step=100, title="Replaying the 768 merges on one sentence")
plt.show()
for n in (0, 20, 100, len(bpe.merges)):
    pieces = ours.token_strings(bpe.encode(demo, n_merges=n))
    print(f"{n:4} merges, {len(pieces):2} tokens: {'|'.join(viz.show_text(p) for p in pieces)}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Encoding applies the learned merges, in the order they were learned; decoding glues the tokens'
# bytes back together. The round trip gives back exactly the text, for *any* text: a word the
# tokenizer never saw, even in another script, falls back to smaller pieces or single bytes.

# %% slideshow={"slide_type": "fragment"}
for text in ["the little fox", "photosynthesis", "Привет, 世界 🙂"]:
    encoded = bpe.encode(text)
    print(f"{text!r:22} -> {len(encoded):2} tokens {encoded[:10]}{' ...' if len(encoded) > 10 else ''}"
          f"  decodes back exactly: {bpe.decode(encoded) == text}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Is our little tokenizer the same *kind* of thing as the production ones? `tiktoken` is the library
# that runs OpenAI's tokenizers, with BPE written in fast Rust code; this project loads SmolLM2's
# merges into tiktoken too. Given our merges, it must cut every text exactly as our Python does:

# %% slideshow={"slide_type": "fragment"}
checks = [corpus[i:i + 2000] for i in range(0, len(corpus), 50_000)]
print(f"same ids as tiktoken on {len(checks)} stretches of the corpus:",
      all(ours.encode(t) == bpe.encode(t) for t in checks))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Predict first:** our tokenizer has 1,024 tokens, learned from children's stories. SmolLM2's has
# 49,152 and GPT-4's `cl100k_base` about 100,000, learned from huge amounts of web text and code. On
# a story sentence, who needs the fewest tokens? And on French, or on Python code?

# %% slideshow={"slide_type": "fragment"}
cl100k = get_tokenizer("cl100k_base")
tokenizers = {"our_bpe": ours, "smollm2": smollm2, "cl100k_base": cl100k}
texts = {"a story": "The little rabbit looked up at the moon and smiled, because tomorrow was her birthday.",
         "French": "Le petit lapin regarda la lune et sourit, car demain était son anniversaire.",
         "Python": "def birthday(name):\n    return f'Happy birthday, {name}!'"}
rows = compare_tokenizers(texts, tokenizers)
print(f"{'text':10} {'characters':>10}" + "".join(f"{name:>13}" for name in tokenizers))
for row in rows:
    print(f"{row['text']:10} {row['characters']:>10}" + "".join(f"{row[name + ' tokens']:>13}" for name in tokenizers))

# %% [markdown] slideshow={"slide_type": "fragment"}
# On the kind of text it learned from, our 1,024-token tokenizer needs 24 tokens where the big ones
# need 17: about 40% more, with a vocabulary 50 to 100 times smaller. On French and on
# code it falls apart into short pieces, because it never saw them. A tokenizer is only as good as
# the text it was trained on, which is why production tokenizers learn from many languages and code.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The token highlighter
#
# **Try it:** type anything and see how each tokenizer cuts it. Each box is one token, with its id
# underneath; tick the box to see spaces (␣) and line breaks (↵), which are part of tokens too.
# Try your name, a long number, another language, an emoji, some code.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
default_text = 'Unbelievable! The strawberry costs $3.99 in 2026.\n    def greet(name): return "Hi " + name'
TokenHighlighter(tokenizers={"smollm2": smollm2, "cl100k_base": cl100k, "our_bpe": ours}, text=default_text)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same text, drawn for SmolLM2 and for `cl100k_base` (the static copy of the widget):

# %% slideshow={"slide_type": "fragment"}
for name in ("smollm2", "cl100k_base"):
    spans = token_spans(tokenizers[name], default_text)
    stats = text_stats(tokenizers[name], default_text)
    viz.plot_token_spans(spans, title=f"{name}: {stats.tokens} tokens, {stats.chars_per_token:.2f} characters per token")
    plt.show()
    print(" | ".join(viz.show_text(s.text) for s in spans))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Three things to notice. SmolLM2 gives every digit its own token, `cl100k_base` groups up to three
# ("99", "202"). Both glue the space *in front of* a word to the word: " strawberry" is one token, and
# so is " greet". And spaces and line breaks are parts of tokens too: SmolLM2 joins the line break
# and three of the four indenting spaces into one token and glues the fourth space to " def";
# `cl100k_base` joins the line break to the full stop before it.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · The token economy
#
# Models are priced, limited and timed in tokens (the limit is the *context window*, the most tokens
# a model can read at once; section 6). So a text's token count matters, and it depends on
# the language. Here is one message, translated into ten languages (and written as a bit of Python).
#
# **Predict first:** which language needs the most tokens for the same message?

# %% slideshow={"slide_type": "fragment"}
message = {
    "English": "The weather is lovely today, so we are going to walk to the old bridge by the river and eat lunch in the park.",
    "French": "Il fait très beau aujourd'hui, alors nous allons marcher jusqu'au vieux pont près de la rivière et déjeuner dans le parc.",
    "German": "Das Wetter ist heute herrlich, also gehen wir zur alten Brücke am Fluss und essen im Park zu Mittag.",
    "Spanish": "Hoy hace un tiempo precioso, así que vamos a caminar hasta el puente viejo junto al río y comer en el parque.",
    "Swahili": "Hali ya hewa ni nzuri leo, kwa hiyo tutatembea hadi daraja la zamani karibu na mto na kula chakula cha mchana bustanini.",
    "Russian": "Сегодня прекрасная погода, поэтому мы пойдём пешком к старому мосту у реки и пообедаем в парке.",
    "Greek": "Ο καιρός είναι υπέροχος σήμερα, οπότε θα περπατήσουμε μέχρι την παλιά γέφυρα δίπλα στο ποτάμι και θα φάμε μεσημεριανό στο πάρκο.",
    "Hindi": "आज मौसम बहुत सुहावना है, इसलिए हम नदी के पास पुराने पुल तक पैदल चलेंगे और पार्क में दोपहर का खाना खाएँगे।",
    "Chinese": "今天天气很好，所以我们要走到河边的老桥，然后在公园里吃午饭。",
    "Japanese": "今日はとても良い天気なので、川のそばの古い橋まで歩いて、公園でお昼ご飯を食べます。",
    "Python": "if weather == 'lovely':\n    walk_to(bridge='old', near='river')\n    eat(lunch, place='park')",
}
production = {"smollm2": smollm2, "cl100k_base": cl100k}
rows = compare_tokenizers(message, production)
english = {name: rows[0][f"{name} tokens"] for name in production}
print(f"{'':9} {'chars':>5} {'words':>5} | {'smollm2':>7} {'chars/tok':>9} {'tok/word':>8} {'vs En':>6} |"
      f" {'cl100k':>6} {'chars/tok':>9} {'tok/word':>8} {'vs En':>6}")
for row in rows:
    line = f"{row['text']:9} {row['characters']:>5} {row['words']:>5}"
    for name in production:
        n = row[f"{name} tokens"]
        per_word = f"{n / row['words']:.2f}" if row["words"] > 1 else "-"
        line += f" | {n:>7} {row[f'{name} chars/token']:>9.2f} {per_word:>8} {n / english[name]:>5.1f}x"
    print(line)

# %% slideshow={"slide_type": "subslide"}
labels = [row["text"] for row in rows]
fig, ax = plt.subplots(figsize=(9, 4.8))
width = 0.4
for k, name in enumerate(production):
    ax.bar([i + (k - 0.5) * width for i in range(len(rows))], [row[f"{name} tokens"] for row in rows],
           width=width, label=name, color=viz.PALETTE[k])
ax.set_xticks(range(len(rows)), labels, rotation=35, ha="right")
ax.set_ylabel("tokens for the same message")
ax.set_title("One message, eleven ways: how many tokens?")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# English is cheapest for both tokenizers: they learned from text that is mostly English, so English
# words got whole tokens. Languages that were rare in the training text, or written in other
# scripts, are cut into many small pieces: for Hindi, Chinese and Japanese, SmolLM2 needs more
# tokens than there are characters.
# (Chinese and Japanese write no spaces between words, so "tokens per word" means nothing there;
# compare them with the "vs English" column instead.)
#
# That has real consequences. Services charge per token, a context window holds a fixed number of
# tokens, and generation time grows with the number of tokens. With a made-up price of **$0.50 per
# million tokens**, here is what it costs to process a novel that takes 120,000 tokens in English
# (about 90,000 words) and its translations, assuming each translation grows like our message did
# (the "vs English" column, for `cl100k_base`):

# %% slideshow={"slide_type": "fragment"}
usd_per_million = 0.50
for row in rows:
    if row["text"] in ("English", "French", "German", "Russian", "Greek", "Hindi", "Japanese"):
        ratio = row["cl100k_base tokens"] / english["cl100k_base"]
        tokens = round(120_000 * ratio)
        print(f"{row['text']:8} {tokens:>8,} tokens ({ratio:.1f} x English)  ${price_usd(tokens, usd_per_million):.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# A few cents per book at this price, but the ratio is what matters: the same book costs the Greek or
# Hindi reader about four times as much as the English one, fills a context window four times sooner,
# and takes four times as long to generate.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Which costs more?
# Two texts for GPT-4's tokenizer, `cl100k_base`: **A** is a 20-digit number, **B** an English
# sentence of nine words, more than twice as long. Which one needs more tokens? Work it out from what
# you have seen of how `cl100k_base` cuts numbers and English words, answer `"A"`, `"B"` or `"same"`,
# and only then let the check count. (With SmolLM2's tokenizer the answer would be different: why?)

# %% slideshow={"slide_type": "fragment"}
text_a = "12345678901234567890"
text_b = "The quick brown fox jumps over the lazy dog."
my_guess = ...   # "A", "B" or "same"

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_guess = "B"   # 20 digits in groups of three: 7 tokens; nine words and a full stop: 10

# %% slideshow={"slide_type": "fragment"}
exercises.check_costlier(my_guess, text_a, text_b, cl100k)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Odd failures that tokens explain
#
# Now load the real model and ask it things that look easy to us and are hard for it, for reasons
# that have to do with tokens. (It is a small model that also gets many easy things wrong; the point
# here is what it *sees*.)

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
lm = load_chat_model()
lm

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Counting letters
#
# **Predict first:** how many r's are in "strawberry"? Easy for you: you see the letters. What does
# the model see?

# %% slideshow={"slide_type": "fragment"}
for text in ["strawberry", " strawberry"]:
    ids = smollm2.encode(text)
    print(f"{text!r:14} -> ids {ids}, pieces {smollm2.token_strings(ids)}")
print()
print(lm.chat("How many times does the letter r appear in the word strawberry?", max_new_tokens=30))
print(lm.chat("Is 'strawberry' spelled with two r's or three r's?", max_new_tokens=30))

# %% [markdown] slideshow={"slide_type": "fragment"}
# In a sentence, " strawberry" is the single token 35199. The model never sees the letters s-t-r-a-w...,
# only a number; it can know how the word is spelled only if its training text happened to spell it
# out. That is why even large models long stumbled on letter counting, and why they do better when
# asked to write the word letter by letter first.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Numbers
#
# SmolLM2 reads every number digit by digit; `cl100k_base` in groups of up to three digits, counted
# from the *left*. So for `cl100k_base` the groups of a number do not line up with thousands,
# hundreds and units, and the same digits are cut differently depending on the length of the number:

# %% slideshow={"slide_type": "fragment"}
for number in ["1234", "56789", "123456", "1234567", "1,234,567"]:
    print(f"{number:>10}   smollm2: {'|'.join(smollm2.token_strings(smollm2.encode(number))):18}"
          f" cl100k_base: {'|'.join(cl100k.token_strings(cl100k.encode(number)))}")
print()
print(lm.chat("What is 7 + 8?", max_new_tokens=30))
print(lm.chat("What is 1234 + 56789?", max_new_tokens=30))

# %% [markdown] slideshow={"slide_type": "fragment"}
# To add 1234 and 56789 in columns you line up units with units: the 4 with the 9. With digit tokens
# the model at least gets the digits one by one. With `cl100k_base` it gets "123", "4" and "567",
# "89": the units digit is alone in one number and the end of a two-digit token in the other. The designers of SmolLM2 split digits on purpose, because that helps
# arithmetic. Our 135M model is still poor at sums (7 + 8 too!): a good tokenizer helps, it does not
# make a model able to calculate.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A trailing space
#
# **Predict first:** the model completes "The capital of France is" with " Paris". What happens if
# the prompt ends with a space?

# %% slideshow={"slide_type": "fragment"}
for prompt in ["The capital of France is", "The capital of France is "]:
    top = lm.top_next_tokens(prompt, k=4)
    print(f"{prompt!r:30} last token {smollm2.token_strings(smollm2.encode(prompt))[-1]!r:6} -> "
          + ", ".join(f"{r['text']!r} {r['p']:.3f}" for r in top))

# %% [markdown] slideshow={"slide_type": "fragment"}
# The word " Paris" is one token *with* its space. A prompt that already ends in a space cannot be
# followed by " Paris" any more, and in the training text a lone space token is mostly seen before a
# digit (remember: SmolLM2 cuts " 2026" into " " and four digits). So the model expects a number.
# One invisible character changed the answer. OpenAI's playground for its early text-completion
# models warned users when a prompt ended with a space, for exactly this reason.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Rare words
#
# Everyday words are one token or two (" photosynthesis" is one: it is common enough in the web text
# that SmolLM2's tokenizer learned from). Rare words are assembled from pieces that the model has
# seldom seen together, so it knows little about them.

# %% slideshow={"slide_type": "fragment"}
for word in [" happy", " unbelievable", " photosynthesis", " floccinaucinihilipilification"]:
    pieces = smollm2.token_strings(smollm2.encode(word))
    print(f"{word!r:34} tokens: {len(pieces):2}  {'|'.join(pieces)}")
print()
print(lm.chat("What does floccinaucinihilipilification mean?", max_new_tokens=40))

# %% [markdown] slideshow={"slide_type": "fragment"}
# (It means the habit of judging something worthless.) The model answers fluently and wrongly: ten
# pieces it rarely saw together give it almost nothing to go on. Notebook 05 returns to such
# confident mistakes.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Base64
#
# Base64 writes any data using 64 plain characters. It turns a sentence into a string of letters
# that looks like nothing the tokenizer learned, so it costs several times more tokens, and the model
# cannot read it, or even copy it correctly:

# %% slideshow={"slide_type": "fragment"}
plain = "Hello, how are you?"
encoded = base64.b64encode(plain.encode()).decode()
for text in (plain, encoded):
    print(f"{text!r:32} {len(text):2} characters, {len(smollm2.encode(text)):2} tokens")
print()
print(lm.chat(f"Decode this base64 text: {encoded}", max_new_tokens=30))
print(lm.chat(f"Repeat exactly: {encoded}", max_new_tokens=30))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Look closely at the copy: the final "==" is missing. Large models *can* read base64, because their
# training text contained plenty of it. That has a
# dark side: a request written in base64 may slip past safety training that was learned on plain
# text. Notebook 09 tries this.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · The context window
#
# A model can read only so many tokens at once: its **context window**. SmolLM2's holds 8,192 tokens,
# prompt and answer together. How much is that? Our whole corpus, for comparison:

# %% slideshow={"slide_type": "fragment"}
window = lm.model.config.context_length
corpus_tokens = len(smollm2.encode(corpus))
print(f"context window: {window:,} tokens")
print(f"the corpus: {len(corpus.split()):,} words = {corpus_tokens:,} tokens = {corpus_tokens / window:.1f} windows")
print(f"so one window holds about {window / corpus_tokens * len(corpus.split()):,.0f} words of these stories")

# %% [markdown] slideshow={"slide_type": "subslide"}
# What happens if you send more? Some libraries silently cut the text, and the model then answers
# about something you did not see it read. Ours refuses, and says what to do:

# %% slideshow={"slide_type": "fragment"}
try:
    lm.chat("Summarise these stories:\n\n" + corpus)
except ValueError as error:
    print(f"ValueError: {error}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# A chat application cannot refuse to go on when a conversation grows long. What most of them do
# is **drop the oldest turns**: they keep the system message and the latest messages and leave out
# the beginning. The model then simply does not know what was said there.
#
# To see it happen without an 8,000-token conversation, pretend the window holds only **100 tokens**:

# %% slideshow={"slide_type": "fragment"}
conversation = [
    {"role": "system", "content": "You are a friendly assistant. Keep answers short."},
    {"role": "user", "content": "Hi! My name is Ada and I keep bees in Lisbon."},
    {"role": "assistant", "content": "Nice to meet you, Ada! Bees in Lisbon sound lovely."},
    {"role": "user", "content": "Give me one fact about the moon."},
    {"role": "assistant", "content": "The moon is slowly moving away from the Earth, about 3.8 cm each year."},
    {"role": "user", "content": "And one about octopuses?"},
    {"role": "assistant", "content": "An octopus has three hearts and blue blood."},
    {"role": "user", "content": "What is my name?"},
]


def count_tokens(text):
    return len(smollm2.encode(text))


print(f"whole conversation: {count_tokens(render_chat(conversation))} tokens")
print("answer:", lm.chat(conversation, max_new_tokens=20))
kept, dropped = drop_oldest_turns(conversation, count_tokens, max_tokens=100)
print(f"\nafter dropping the {dropped} oldest messages: {count_tokens(render_chat(kept))} tokens")
print("answer:", lm.chat(kept, max_new_tokens=20))

# %% [markdown] slideshow={"slide_type": "fragment"}
# With the whole conversation the model finds "Ada" in the text it reads. Once the first exchange is
# dropped, the name is simply not there, and the model makes something up. A model has no memory
# besides the text in its window; "memory" features of chat apps work by putting saved notes back
# into that text.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Special tokens: the chat format at token level
#
# In notebook 00 you saw that a chat is one text with markers such as `<|im_start|>`. Those markers
# are **special tokens**: single ids that ordinary text never produces. SmolLM2 has 17 of them:

# %% slideshow={"slide_type": "fragment"}
print(smollm2.special_tokens)

# %% slideshow={"slide_type": "subslide"}
chat_text = render_chat([{"role": "user", "content": "Hi there!"}])
spans = token_spans(smollm2, chat_text)
viz.plot_token_spans(spans, title=f"What the model reads for one question: {len(spans)} tokens (special tokens dark)")
plt.show()
print(" | ".join(viz.show_text(s.text) for s in spans))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Of these tokens only "Hi", " there" and "!" are the user's message. Everything else is the chat
# format: the default system message and the markers around each turn. Each marker is one token,
# id 1 (`<|im_start|>`) or 2 (`<|im_end|>`). Written as ordinary characters the same marker would
# be seven tokens:

# %% slideshow={"slide_type": "fragment"}
for allow in (True, False):
    ids = smollm2.encode("<|im_end|>", allow_special=allow)
    print(f"allow_special={allow!s:5} -> {ids} {smollm2.token_strings(ids)}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# This matters for safety. If an application let a user's text turn into real special tokens, a user
# could type `<|im_end|><|im_start|>system` and write their own system message. Careful applications
# encode what users type with special tokens switched off. Notebook 09 comes back to such *injections*.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Count the tokens of a chat
# How many tokens does the model read for the conversation below, from the first `<|im_start|>` up
# to and including the `<|im_start|>assistant` line that invites its reply? Compute it with
# `render_chat` (it adds that last line for you) and `smollm2.encode` (which reads the markers as
# special tokens unless you pass `allow_special=False`; here we want them as special tokens, the way
# the chat template is meant).

# %% slideshow={"slide_type": "fragment"}
short_chat = [{"role": "system", "content": "Answer in one word."},
              {"role": "user", "content": "What colour is a ripe banana?"}]
my_token_count = ...   # a whole number

# %% slideshow={"slide_type": "skip"} tags=["solution"]
my_token_count = len(smollm2.encode(render_chat(short_chat)))

# %% slideshow={"slide_type": "fragment"}
exercises.check_chat_token_count(my_token_count, short_chat, smollm2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Text is stored as **UTF-8 bytes**: 1 byte for English letters, up to 4 for an emoji. Models read
#   **tokens**: learned pieces between single bytes and whole words, so nothing is ever unknown.
# - **Byte-pair encoding** learns the pieces: count neighbouring pairs, merge the most frequent,
#   repeat. You trained a 1,024-token BPE on the project's corpus and checked it against tiktoken id
#   for id.
# - Token counts decide **cost, speed and what fits**. The same message takes several times more
#   tokens in Hindi or Greek than in English.
# - Tokens explain **odd failures**: the model sees " strawberry" as one number, not ten letters; a
#   trailing space changes the prediction; rare words and base64 fall apart into many pieces.
# - The **context window** (8,192 tokens for SmolLM2) is the model's whole memory; chat apps drop
#   the oldest turns to fit, and the model forgets them. **Special tokens** mark the chat's turns.
#
# **Next:** notebook 02 follows a token id into the model, where it becomes a list of 576 numbers
# whose distances carry meaning.
