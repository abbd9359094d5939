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
# # 02 · Embeddings: tokens as lists of numbers that carry meaning
#
# In notebook 01 text became token ids: plain numbers like 7042 for " Paris". A number like that
# says nothing about Paris. The model's first step turns each id into a long list of numbers, a
# **vector**, and these vectors do carry meaning: similar words get similar vectors.
#
# **You will see that**
# 1. each token id picks one row of a table of 49,152 × 576 numbers: its **embedding**;
# 2. **cosine similarity** measures how alike two vectors are, and a word's nearest vectors belong
#    to related words;
# 3. a **2-D map** of a few hundred words shows groups of meaning, and what such a map hides;
# 4. some **directions** in the space mean something (singular → plural), and analogies such as
#    king − man + woman work only sometimes;
# 5. inside the model a word's vector **depends on its context**: "bank" by a river and "bank" with
#    money drift apart, layer by layer; and whole **sentences** can be compared the same way.
#
# **Time:** about 50 minutes. **Builds on:** notebook 00 (the model) and 01 (tokens).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used. Then the model is loaded.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import math
from itertools import combinations

import matplotlib.pyplot as plt
import torch

from lesson_utils import exercises
from lesson_utils.llm import load_chat_model
from lesson_utils.inside import (WordMap, WordVectors, contextual_vectors, cosine_similarity,
                                 sense_separation, sentence_embedding, unit)
from lesson_utils.session import setup
from lesson_utils.ui import WordMapExplorer, viz

device = setup(seed=0)
lm = load_chat_model()
model, smollm2 = lm.model, lm.tokenizer

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The embedding table
#
# The model holds a table with one row for each of the 49,152 tokens of its vocabulary. Each row
# has 576 numbers: that is the token's **embedding vector**. 576 is the model's *width*: the vectors
# it passes from layer to layer are all 576 numbers long. Each of the 576 positions is called a
# **dimension**.

# %% slideshow={"slide_type": "fragment"}
E = model.embed.weight.detach().float().cpu()         # the table: one row per token
print("table shape:", tuple(E.shape))
cat = smollm2.encode(" cat")[0]
print(f"' cat' is token {cat}; its row starts with {[round(x, 3) for x in E[cat][:8].tolist()]} ...")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Looking up rows is all the model's first step does. Here is the proof. The model works in 30
# *layers* (notebook 03 opens them); asked with `output_hidden_states=True`, it hands back the vectors
# it holds before the first layer and after each one. The ones before the first layer, "layer 0", are
# exactly the table's rows for the sentence's ids.

# %% slideshow={"slide_type": "fragment"}
ids = smollm2.encode("The cat sat on the mat.")
with torch.inference_mode():
    out = model(torch.tensor([ids], device=model.device), output_hidden_states=True)
layer0 = out.hidden_states[0][0]          # layer 0 of sentence 0: one 576-number vector per token
print("ids:", ids)
print("layer 0 == the table's rows for these ids:", torch.equal(layer0.float().cpu(), E[ids]))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Nobody wrote these numbers. They started random and were nudged during training (notebook 06) until
# they helped predict the next token. Words that occur in similar places in text ended up with similar
# vectors, because that made the predictions better. The rest of this notebook measures that.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · How alike are two vectors?
#
# A vector is an arrow in space: with 2 numbers an arrow on paper, with 576 numbers an arrow in a
# space we cannot draw, but the arithmetic is the same. Two arrows can be compared by the **angle**
# between them. Its cosine, the **cosine similarity**, is 1 when they point the same way, 0 when they
# are at right angles (unrelated), and −1 when they point in opposite directions:
#
# $$\cos(a, b) = \frac{a \cdot b}{\lVert a\rVert \, \lVert b\rVert} = \frac{\sum_i a_i b_i}{\sqrt{\sum_i a_i^2}\,\sqrt{\sum_i b_i^2}}$$
#
# The top is the **dot product** (Σ means "sum": multiply the numbers pair by pair and add up); the
# bottom divides by the two **lengths** ‖a‖ and ‖b‖ (also called *norms*: the square root of the sum
# of the squares, Pythagoras in 576 dimensions; torch computes it with `.norm()`), so that only the
# direction counts.
#
# **Why the angle and not the distance between the arrow tips?** Because a vector's length here says
# something other than meaning. Look at which tokens have the longest and the shortest vectors:

# %% slideshow={"slide_type": "fragment"}
lengths = E.norm(dim=1)
print(f"lengths go from {lengths.min():.2f} to {lengths.max():.2f} (average {lengths.mean():.2f})")
print("longest: ", smollm2.token_strings(lengths.topk(8).indices.tolist()))
print("shortest:", smollm2.token_strings(lengths.topk(8, largest=False).indices.tolist()))

# %% [markdown] slideshow={"slide_type": "fragment"}
# The longest vectors belong to leftover word pieces that rarely appear on their own (" struggle" has
# its own token, so " strugg" is seen only in rarer words); the shortest belong to very common tokens
# such as first names. Length tracks how a token is used, not what it means. A vector made twice as
# long keeps its direction, so its cosine similarity stays 1, while its distance grows:

# %% slideshow={"slide_type": "fragment"}
happy, sad = E[smollm2.encode(" happy")[0]], E[smollm2.encode(" sad")[0]]
for name, other in [("' sad'", sad), ("' happy' made twice as long", 2 * happy)]:
    print(f"' happy' vs {name:28} distance {(happy - other).norm():.2f}   cosine {cosine_similarity(happy, other):.3f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Measured by distance, a doubled " happy" is about as far from " happy" as " sad" is. Measured by
# angle, it is the same word and " sad" is a different one.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · Cosine similarity by hand
# Write `my_cosine(a, b)` for two lists of numbers of the same length, using only Python and `math`:
# the dot product divided by the product of the two lengths (a length is the square root of the sum of
# the squares). Check: `my_cosine([3, 4], [4, 3])` is 24 / 25 = 0.96.

# %% slideshow={"slide_type": "fragment"}
def my_cosine(a, b):
    ...   # your code here


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


# %% slideshow={"slide_type": "fragment"}
exercises.check_cosine(my_cosine)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Nearest neighbours
#
# Now search the whole table: which of the 49,152 rows point most nearly the same way as a word's row?
# `WordVectors` looks words up with a leading space, the way they appear inside a sentence.
#
# **Predict first:** what are the nearest tokens to " cat"? To " seven"?

# %% slideshow={"slide_type": "fragment"}
words = WordVectors(model, smollm2)
for word in ["cat", "seven", "blue", "Paris", "king", "happy", "run"]:
    near = words.neighbours(word, k=7)
    print(f"{word:7} " + "  ".join(f"{viz.show_text(t)}({s:.2f})" for t, s in near))

# %% [markdown] slideshow={"slide_type": "fragment"}
# (␣ marks a space.) Among the first neighbours is often the same word in another form: with a
# capital, without the space, plural. To the model these are different tokens with different rows, and
# it *learned* that they mean nearly the same. Around them are real relatives: " dog" next to " cat",
# other numbers next to " seven", other colours, other cities, " queen" and " emperor" next to " king".

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · A nearest-neighbour search
# Write `my_nearest(matrix, vector, k)` that returns the row numbers of the `k` rows of `matrix` most
# cosine-similar to `vector`, most similar first, as a list. (The token itself counts: it is its own
# nearest neighbour.) A loop over 49,152 rows with your `my_cosine` would work but take a while;
# torch does all rows at once. Three tools, shown on a table of 3 rows:

# %% slideshow={"slide_type": "fragment"}
rows = torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 2.0]])
v = torch.tensor([1.0, 2.0])
print("rows @ v, one dot product per row:     ", rows @ v)
print("each row's length, kept as a column:   ", rows.norm(dim=1, keepdim=True).flatten())
unit_rows = rows / rows.norm(dim=1, keepdim=True)      # every row divided by its own length
print("cosines of each row with v:            ", unit_rows @ (v / v.norm()))
print("row numbers of the 2 largest:          ", (unit_rows @ (v / v.norm())).topk(2).indices.tolist())

# %% [markdown] slideshow={"slide_type": "fragment"}
# `dim=1` means "along each row"; `keepdim=True` keeps the lengths as a column, so the division
# applies one length to each row. Now do the same with the real table.

# %% slideshow={"slide_type": "fragment"}
def my_nearest(matrix, vector, k):
    ...   # your code here: return a list of k row numbers


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_nearest(matrix, vector, k):
    unit_rows = matrix / matrix.norm(dim=1, keepdim=True)
    cosines = unit_rows @ (vector / vector.norm())
    return cosines.topk(k).indices.tolist()


# %% slideshow={"slide_type": "fragment"}
exercises.check_nearest(my_nearest, E, smollm2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · A map of meaning
#
# We cannot look at 576 dimensions, but we can squash them to 2 and draw a map. **PCA** (principal
# component analysis) finds the two directions along which a set of vectors differs most, and places
# each vector by its position along those two. How much the vectors differ along a direction is
# called their *spread* (variance). Here are 160 words in 8 groups; a few turn out to be
# more than one token and are left out. (Each vector is first made length 1, so that, as with cosine,
# only directions count.)

# %% slideshow={"slide_type": "fragment"}
groups = {
    "animals": "cat dog horse cow pig sheep lion tiger bear wolf fox rabbit mouse elephant monkey bird fish snake duck frog",
    "countries": "France Germany Italy Spain China Japan India Brazil Canada Mexico Russia Egypt Kenya Greece Sweden Norway Poland Turkey Peru Chile",
    "numbers": "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand million dozen",
    "colours": "red blue green yellow orange purple pink brown black white grey violet silver golden crimson beige turquoise maroon navy scarlet",
    "food": "bread cheese apple banana rice pasta soup cake pizza butter milk egg meat salad sugar honey chocolate coffee tea sandwich",
    "family": "mother father sister brother daughter son aunt uncle grandmother grandfather wife husband baby child girl boy parent friend cousin niece",
    "feelings": "happy sad angry afraid proud jealous lonely calm nervous excited bored surprised grateful anxious cheerful ashamed curious upset glad worried",
    "actions": "run walk jump swim eat drink sleep write read sing dance climb throw catch build cook drive fly speak listen",
}
groups = {name: text.split() for name, text in groups.items()}
word_map = WordMap(words, groups)
print(f"{len(word_map.words)} words on the map; left out (more than one token): {word_map.skipped}")
print(f"the two map axes show {word_map.pca.explained[0]:.1%} + {word_map.pca.explained[1]:.1%} of the spread")

# %% slideshow={"slide_type": "subslide"}
viz.plot_word_map(word_map, label_every=3)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Countries form their own region and most numbers another; colours stretch across the map, and the
# other groups pile up at the lower right. That pile is partly the map's fault: two directions keep only
# a small share of the spread among 576. We can measure how much the map distorts: for each word, is
# its nearest neighbour among the other words in its own group?

# %% slideshow={"slide_type": "fragment"}
agreement = word_map.agreement()
print(f"nearest neighbour in the same group, in all 576 dimensions: {agreement['full']:.0%}")
print(f"nearest neighbour in the same group, on the 2-D map:        {agreement['map']:.0%}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# In the full space almost every word sits next to a member of its own group; on the map, only half do. So read a 2-D map as a rough sketch: **points far apart on the map are far apart in the
# space, but points close on the map may not be close at all**, because the directions that would
# separate them were flattened away.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Try it:** type words, separated by commas. Each is placed on the same map (black stars), and its
# nearest tokens are listed from the full 576-dimensional table, not from the map. Words of several
# tokens get the average of their pieces' vectors. Below the widget is the same for three words, for
# when no Python is running.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
WordMapExplorer(word_map, words="queen, Paris, pizza, seventeen, furious")

# %% slideshow={"slide_type": "fragment"}
extra = ["queen", "Paris", "pizza"]
viz.plot_word_map(word_map, extra=extra, label_every=0, title="Three more words placed on the map")
plt.show()
for word, (x, y) in zip(extra, word_map.place(extra).tolist()):
    near = ", ".join(viz.show_text(t) for t, _ in words.neighbours(word, 5))
    print(f"{word:6} at ({x:+.2f}, {y:+.2f}); nearest tokens: {near}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# A live example of that warning: " Paris" lands away from the countries on the map, although its
# nearest tokens in the full space are " London" and " France".

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Directions that mean something
#
# If similar words have similar vectors, perhaps the *difference* between two vectors means something
# too. The famous test is an **analogy**: "man is to king as woman is to ?". Take king − man + woman,
# number by number (576 subtractions and additions), and look for the nearest token. One detail is
# often left unsaid: studies usually exclude the three question words from the answers, because in
# many models one of them is nearest. We show both.

# %% slideshow={"slide_type": "fragment"}
analogies = [("man", "king", "woman", "queen"), ("man", "woman", "boy", "girl"),
             ("cat", "cats", "dog", "dogs"), ("walk", "walked", "jump", "jumped"),
             ("big", "bigger", "small", "smaller"), ("France", "Paris", "Italy", "Rome"),
             ("France", "French", "Germany", "German"), ("good", "better", "bad", "worse")]
print(f"{'question':30} {'nearest, question words excluded':36} {'rank of the answer':>18}  nearest, nothing excluded")
hits = 0
for a, b, c, answer in analogies:
    target = words.vector(b) - words.vector(a) + words.vector(c)
    best = words.analogy(a, b, c, k=1)[0][0]
    rank = words.rank(target, answer, exclude=(a, b, c))
    hits += rank == 1
    plain = words.neighbours(target, 1)[0][0]
    print(f"{a}:{b} :: {c}:?".ljust(30) + f" {best!r:36} {rank:>18}  {plain!r}")
print(f"\n{hits} of {len(analogies)} answered right (with the question words excluded)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# An honest summary: each grammar-like relation we tried (plural, past tense, comparative, male/female,
# country → language) worked in its single example; the one fact did not (" Rome" is 66th for Italy),
# and an irregular form only nearly (" worse" is 3rd). In this model exclusion changes little: 6 of 8
# are right either way. It removes only the spaced tokens (" Italy"), so another form of a question
# word ("Italy") can still win. With 8 hand-picked questions, analogies are a fragile test.
#
# A sturdier way to find a direction is to average over many examples. Take 12 singular/plural pairs,
# and subtract the centre of the singular group (the average of its vectors, number by number) from
# the centre of the plural group: that is a "plural" direction. Then test it on 12 *other* nouns that were not used to find it.

# %% slideshow={"slide_type": "fragment"}
train_pairs = [("cat", "cats"), ("dog", "dogs"), ("house", "houses"), ("car", "cars"), ("book", "books"),
               ("tree", "trees"), ("bird", "birds"), ("apple", "apples"), ("river", "rivers"),
               ("table", "tables"), ("song", "songs"), ("door", "doors")]
test_pairs = [("horse", "horses"), ("flower", "flowers"), ("window", "windows"), ("girl", "girls"),
              ("cup", "cups"), ("road", "roads"), ("ship", "ships"), ("hand", "hands"), ("star", "stars"),
              ("bottle", "bottles"), ("garden", "gardens"), ("teacher", "teachers")]
singular_centre = unit(words.vectors([s for s, _ in train_pairs])).mean(0)
plural_centre = unit(words.vectors([p for _, p in train_pairs])).mean(0)
plural = plural_centre - singular_centre
before = after = 0
for singular, plural_form in test_pairs:
    start = unit(words.vector(singular))
    before += words.neighbours(start, 1, exclude=[singular])[0][0] == " " + plural_form
    after += words.neighbours(start + plural, 1, exclude=[singular])[0][0] == " " + plural_form
print(f"nearest token (the word itself excluded) is the plural: {before} of {len(test_pairs)} without the direction, "
      f"{after} of {len(test_pairs)} after adding it")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The plural is often the nearest token already (plural forms are close relatives), so the fair
# comparison is with and without the direction: adding it turns several misses into hits, on words it
# never saw. A property like "plural" is a **direction** in the space, shared by many words.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Meaning depends on context
#
# The table has one row per token, so at layer 0 " bank" has the same vector whether the sentence is
# about a river or about money. But the model does not stop at the table: each of its 30 layers
# updates every token's vector using the tokens before it (notebook 03 shows how). So after some
# layers, " bank" could carry its sense. Let us measure, on six sentences for each sense.
#
# **Predict first:** will the two senses drift apart inside the model? If so, early, in the middle,
# or only at the last layers?

# %% slideshow={"slide_type": "fragment"}
river = ["We sat on the bank of the river and watched the water flow past.",
         "The fisherman pulled his boat up onto the muddy bank.",
         "Ducks were sleeping on the grassy bank of the stream.",
         "After the flood, the river bank was covered in mud and branches.",
         "She climbed down the steep bank to fill her bottle at the creek.",
         "Wild flowers grew along the bank where the river bends."]
money = ["She went to the bank to deposit her paycheck.",
         "The bank approved our loan for the new house.",
         "He forgot the password for his online bank account.",
         "The bank raised its interest rates again this year.",
         "I need to stop at the bank to withdraw some cash.",
         "Thieves tried to rob the bank on Main Street last night."]
river_vectors = torch.stack([contextual_vectors(model, smollm2, s, " bank") for s in river])  # (6, 31, 576)
money_vectors = torch.stack([contextual_vectors(model, smollm2, s, " bank") for s in money])
print("shape of one group: (sentences, layers 0-30, width) =", tuple(river_vectors.shape))
print(f"layer 0: all 12 vectors identical? {bool((river_vectors[:, 0] == money_vectors[0, 0]).all() and (money_vectors[:, 0] == money_vectors[0, 0]).all())}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# For each layer we compare every pair of sentences: the average cosine similarity between two " bank"
# vectors of the **same** sense ("within"), and of **different** senses ("across"). Their difference,
# the **separation**, is 0 if the layer cannot tell the senses apart. At each layer the average vector
# of all twelve is subtracted first: every vector at a layer shares a large common part, which would
# make all of them look alike. Three side effects of that subtraction: at layer 0 nothing is left (all
# twelve are the same vector), so the curves start at 0; "across" turns negative whenever the groups
# differ at all, since each group is then measured from the middle between them; and the separation,
# a difference of two cosines, can exceed 1 (up to 2).

# %% slideshow={"slide_type": "fragment"}
separation = sense_separation(river_vectors, money_vectors)
sep = separation["separation"]
viz.plot_layer_curves({"same sense (within)": separation["within"], "different senses (across)": separation["across"],
                       "separation = within − across": sep},
                      ylabel="cosine / separation", title='" bank" in river vs money sentences, layer by layer')
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Where do the senses separate most?
# `sep` is a list of 31 numbers, the separation at layers 0 to 30. Find, with Python, the layer with
# the largest one (the plot gives a rough idea; Python gives the exact layer).

# %% slideshow={"slide_type": "fragment"}
best_layer = ...   # a whole number from 0 to 30

# %% slideshow={"slide_type": "skip"} tags=["solution"]
best_layer = max(range(len(sep)), key=lambda layer: sep[layer])

# %% slideshow={"slide_type": "fragment"}
exercises.check_bank_layer(best_layer, sep)

# %% slideshow={"slide_type": "fragment"}
print("layer:      " + " ".join(f"{layer:5}" for layer in range(0, 31, 3)))
# (+ 0.0 turns a rounded -0.0, which layer 0's zero can be on some machines, into 0.0)
print("separation: " + " ".join(f"{round(float(sep[layer]), 2) + 0.0:5.2f}" for layer in range(0, 31, 3)))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Is a separation of 1.05 a lot? A fair test: split the same twelve sentences into two groups of six
# *at random*, ignoring their sense, and compute the best separation over all layers the same way.
# There are 462 different ways to split them; here are all of them:

# %% slideshow={"slide_type": "fragment"}
both = torch.cat([river_vectors, money_vectors])            # (12, 31, 576): river first, then money
split_best = []
for group in combinations(range(12), 6):
    if 0 not in group:
        continue                                             # each split once (a group and its rest)
    rest = [i for i in range(12) if i not in group]
    split_best.append(max(sense_separation(both[list(group)], both[rest])["separation"]))
print(f"{len(split_best)} splits; the best separation of any split other than river/money: "
      f"{sorted(split_best)[-2]:.2f}; river/money: {max(sep):.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Only the split by meaning reaches 1.05; the best of the 461 other splits stays far below. So for
# these twelve sentences the difference is real: the layers put river " bank" and money " bank" in
# different directions, furthest apart around layer 9, in the first third of the model. (To claim this
# of the model in general, we would need many more sentences and more words with two senses.)
#
# One more check with new sentences: at that layer, which sense's average " bank" is each one closer
# to? (With two groups of equal size, the two averages are exact opposites once the common part is
# removed, so the two scores mirror each other.)

# %% slideshow={"slide_type": "fragment"}
layer = max(range(len(sep)), key=lambda layer: sep[layer])
everything = torch.cat([river_vectors[:, layer], money_vectors[:, layer]])
shared = everything.mean(0)                                   # the common part, removed as above
river_centre = (river_vectors[:, layer] - shared).mean(0)
money_centre = (money_vectors[:, layer] - shared).mean(0)
for sentence in ["The bank was closed on Sunday, so I could not get any money.",
                 "We had a picnic on the bank and dipped our feet in the water."]:
    v = contextual_vectors(model, smollm2, sentence, " bank")[layer] - shared
    to_river, to_money = cosine_similarity(v, river_centre), cosine_similarity(v, money_centre)
    verdict = "river" if to_river > to_money else "money"
    print(f"{sentence!r}\n   river {to_river:+.2f}  money {to_money:+.2f}  -> {verdict}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Whole sentences as vectors
#
# If a token's vector after the layers carries the meaning of its context, then the average of all
# token vectors of a sentence is a vector for the whole sentence: a **sentence embedding**. (We take
# the model's last layer, after its final normalisation.) Here are twelve sentences on four topics.
#
# **Predict first:** will sentences on the same topic be more similar than the others, even when they
# share no words?

# %% slideshow={"slide_type": "fragment"}
sentences = {
    "rain": "It rained all afternoon and the streets were flooded.",
    "sunny": "Tomorrow will be sunny with a light breeze.",
    "fog": "A thick fog covered the valley this morning.",
    "sauce": "Stir the sauce slowly and add a pinch of salt.",
    "bread": "Bake the bread for forty minutes until golden.",
    "onions": "Chop the onions and fry them in butter.",
    "striker": "The striker scored twice in the second half.",
    "penalty": "The goalkeeper saved a penalty in the final minute.",
    "match": "Our team lost the match three goals to one.",
    "laptop": "Restart the laptop to install the software update.",
    "crash": "The program crashed because it ran out of memory.",
    "save": "Save your files before you close the editor.",
}
labels = list(sentences)
X = sentence_embedding(model, smollm2, list(sentences.values()))
raw = cosine_similarity(X, X)
centred = cosine_similarity(X - X.mean(0), X - X.mean(0))
fig, axes = plt.subplots(1, 2, figsize=(15, 6.5))
viz.plot_similarity_heatmap(raw, labels, title="as computed", ax=axes[0])
viz.plot_similarity_heatmap(centred, labels, title="with the average sentence subtracted", ax=axes[1])
plt.show()

# %% slideshow={"slide_type": "fragment"}
topic = torch.arange(12) // 3                 # 0 weather, 1 cooking, 2 football, 3 computers
same = (topic[:, None] == topic[None, :]) & ~torch.eye(12, dtype=torch.bool)
different = topic[:, None] != topic[None, :]
for name, sims in [("as computed", raw), ("average subtracted", centred)]:
    print(f"{name:19} same topic {sims[same].mean():.2f}   different topics {sims[different].mean():.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# As computed, all similarities are high (every sentence vector shares a common part), but the
# same-topic pairs are highest on average, though not for every pair (look at "sunny"). Subtracting
# the average of these twelve sentences makes the four topic blocks stand out (and pushes the other
# similarities below zero, as in section 5). Now the use of this: **search by meaning**. Give a question, find the most similar
# sentence, with no word in common required.
#
# **Predict first:** will all four questions find a sentence on their topic?

# %% slideshow={"slide_type": "fragment"}
mean_sentence = X.mean(0)
for question in ["Who won the football game?", "How do I make dinner?", "Will it be cold outside tomorrow?",
                 "My computer is not working."]:
    q = sentence_embedding(model, smollm2, [question])[0]
    sims = cosine_similarity(X - mean_sentence, q - mean_sentence)
    best = int(sims.argmax())
    print(f"{question!r:38} -> {labels[best]!r:10} {list(sentences.values())[best]!r}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Three of four land on their topic (the weather one shares the word "tomorrow"). "How do I make
# dinner?" lands on "Save your files before you close the editor.", and we cannot say why: with twelve
# sentences one miss proves little. Still, this is the core of **retrieval**: turn documents
# and a question into vectors, and hand the closest documents to the model. Notebook 08 builds a whole question-answering system on it (with a model
# trained for sentence embeddings; averaging a chat model's vectors, as here, is the simple version).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The model's first step is a **table lookup**: each token id picks a row of 576 numbers (its
#   embedding) from a 49,152-row table. The numbers were learned, not written by anyone.
# - **Cosine similarity** compares directions and ignores length (which tracks usage, not meaning).
#   The nearest rows to a word are its other forms and its relatives: " dog" for " cat".
# - A **2-D map** (PCA) shows groups such as numbers, colours and countries, but flattens the rest:
#   96% of words have a same-group nearest neighbour in 576 dimensions, half on the map.
# - **Directions** carry meaning: a plural direction found from 12 pairs works on new nouns; analogies
#   like king − man + woman ≈ queen worked for the grammar-like relations we tried, not for a fact.
# - Inside the model a word's vector **depends on its context**: river and money " bank" are identical
#   at layer 0 and separate most around the layer you found, far more than any random split of the
#   same sentences. Averaged over a sentence, the vectors give
#   **sentence embeddings** that find text by meaning.
#
# **Next:** notebook 03 opens the layers: how **attention** lets each token's vector take in the others.
