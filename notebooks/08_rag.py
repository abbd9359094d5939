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
# # 08 · Retrieval-augmented generation: answering from your own documents
#
# SmolLM2 has never heard of your college, your product or your company's rules. Ask it anyway and it
# answers, fluently and wrongly. **Retrieval-augmented generation** (RAG) fixes that without any
# training: find the passages that hold the answer, put them in the prompt, and ask the model to
# answer from them.
#
# **You will see that**
# 1. without the documents the model **hallucinates** on (almost) every question of our set;
# 2. documents are cut into **chunks**, and the size and overlap of the cut change what can be found;
# 3. **lexical search** (BM25, written out here: matching words) and **dense search** (embeddings:
#    matching meaning) rank chunks differently, and *hit rate* and *MRR* measure which ranking is better;
# 4. a prompt with **numbered sources** lifts the model's accuracy from (almost) zero to about half, and every
#    answer comes with the passages it was given, so a reader can check it;
# 5. RAG fails in recognisable ways: the right chunk is not found, extra text costs without helping,
#    or two documents disagree.
#
# **Time:** about 50 minutes. **Builds on:** notebooks 01 (tokens), 02 (embeddings, cosine similarity)
# and 05 (hallucination).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# One call fixes the random seeds, the number of CPU threads and the plot style, and says whether a
# GPU is used. Then the real model is loaded.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
import lesson_utils  # first, before torch: it sets how PyTorch's CPU threads wait  # noqa: F401
import functools
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import HTML, display

from lesson_utils import exercises
from lesson_utils.llm import load_chat_model
from lesson_utils.inside import PCAMap
from lesson_utils.applications import (BM25, DenseIndex, build_prompt, chunk_documents, chunk_text,
                                       is_correct, load_knowledge_base, load_questions, retrieval_metrics,
                                       search, top_k, words)
from lesson_utils.session import describe_device, setup
from lesson_utils.ui import ChunkingViewer, RetrievalExplorer, results_html, viz

device = setup(seed=0)
lm = load_chat_model(device=device)
model, tokenizer = lm.model, lm.tokenizer

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · A knowledge base the model has never seen
#
# The project's knowledge base (`assets/knowledge/`) was written for this notebook: 24 pages of the
# student handbook of *Thornfield College*, a college that does not exist, and 10 pages of the manual of
# the *Nimbus 3*, an e-bike that does not exist either. Nothing in them can be in SmolLM2's training
# data. With them come 37 questions, each with its answer and the document that holds it.

# %% slideshow={"slide_type": "fragment"}
docs = load_knowledge_base()
questions = load_questions()
doc_by_id = {d.id: d for d in docs}
print(f"{len(docs)} documents, {sum(len(words(d.text)) for d in docs):,} words; {len(questions)} questions")
print(f"\n{docs[2].title}\n{docs[2].text}")
print(f"\nexample question: {questions[5].question!r}  answer: {questions[5].answers[0]!r}  "
      f"(in {questions[5].doc})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Predict first:** how many of the 37 questions will the model answer right *without* the documents?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (greedy replies can change on another CPU: they are shown, and the asserts check what the text says)
def answer_all(prompts, max_new_tokens=40, batch=40):
    """Greedy replies of the model to a list of conversations, `batch` at a time (long prompts need memory)."""
    replies = []
    for first in range(0, len(prompts), batch):
        outs = lm.generate_batch([lm.chat_prompt(p) for p in prompts[first:first + batch]],
                                 max_new_tokens=max_new_tokens)
        replies += [o.text.strip() for o in outs]
    return replies


closed_book = answer_all([build_prompt(q.question, []) for q in questions])
closed_right = [is_correct(a, q.answers) for a, q in zip(closed_book, questions)]
print(f"right without the documents: {sum(closed_right)} of {len(questions)}")
hedges = ("don't know", "do not know", "not sure", "no information", "cannot", "can't")
admits = [any(h in a.lower() for h in hedges) for a in closed_book]
print(f"replies that admit not knowing: {sum(admits)}\n")
for q, a in list(zip(questions, closed_book))[:4]:
    print(f"Q: {q.question}\n   model: {a!r}\n   truth: {q.answers[0]!r}\n")
assert sum(closed_right) <= 3, (f"without the documents the model got {sum(closed_right)} of "
                                f"{len(questions)} right; the text says none or almost none")
assert sum(admits) <= 3, (f"{sum(admits)} closed-book replies admit not knowing; the text says none or "
                          "almost none do")
assert not any(closed_right[:4]) and not any(admits[:4]), \
    "one of the four replies shown is right or admits not knowing; the text says all four are invented"

# %% [markdown] slideshow={"slide_type": "fragment"}
# None, or almost none (the count is printed above). And the replies hardly ever admit not knowing:
# above, the model invents a founder, a mascot, a principal and an answer about "Thaw", in the same
# confident tone it uses for facts it does know (notebook 05). It has no way to tell its
# knowledge from its guesses. Everything below is about giving it the text to read instead.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Chunking
#
# A prompt has room for a few passages, not for a whole library, so documents are cut into
# **chunks** and only the best few chunks go into the prompt. Two settings matter:
# - **size**: small chunks are precise (the answer is not diluted by other text) but may cut a fact
#   in half; big chunks keep context but cost prompt space and blur the search.
# - **overlap**: each chunk repeats the last few words of the one before, so a short fact cut at a
#   boundary (shorter than the overlap) still appears whole in one of them. Longer sentences can
#   still be split, as the example below shows.
#
# ### Exercise 1 · Chunk with overlap
# Write `my_chunks(word_list, size, overlap)`: cut a list of words into lists of `size` words, each new
# chunk starting `size − overlap` words after the previous one, and stop once a chunk reaches the last
# word. For example `["a", "b", "c", "d", "e"]`, size 2, overlap 1 gives `[a b] [b c] [c d] [d e]`.

# %% slideshow={"slide_type": "fragment"}
def my_chunks(word_list, size, overlap):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_chunks(word_list, size, overlap):
    chunks, start = [], 0
    while True:
        chunks.append(word_list[start:start + size])
        if start + size >= len(word_list):
            return chunks
        start += size - overlap


# %% slideshow={"slide_type": "fragment"}
exercises.check_chunking(my_chunks)

# %% [markdown] slideshow={"slide_type": "subslide"}
# `lesson_utils.applications.rag.chunk_text` does the same and also remembers where each chunk starts and ends in
# the text, so the viewer below can colour them. Move the sliders: each chunk is underlined in its own
# colour, and words shared by two chunks (the overlap) sit on grey.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
ChunkingViewer(docs[2].text, size=30, overlap=10)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The same document at size 30, overlap 10 (a static copy of the viewer):

# %% slideshow={"slide_type": "fragment"}
example_chunks = chunk_text(docs[2].text, size=30, overlap=10)
display(HTML(viz.chunk_html(docs[2].text, example_chunks)))
for c in example_chunks:
    print(f"chunk {c.index}: {c.text!r}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Look at chunks 2 and 3: the sentence about late returns ("A late return costs 20 pence per item per
# day, up to a maximum of 5 pounds per item.") is longer than the overlap, so neither chunk holds all
# of it. Chunks are cut blindly every so many words, so a chunk alone may not even say what it is
# about ("Students may borrow up to 12 items…": which library?). `chunk_documents` therefore starts every chunk with
# its document's title, a cheap and common fix.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Lexical search: BM25
#
# The oldest good idea in search: a chunk is relevant when it contains the question's words, and
# **rare** words count most ("Thaw" tells you far more than "the"). BM25, the standard formula since
# the 1990s, scores a chunk c for a question q as
#
# $$\text{score}(q, c) = \sum_{w \in q} \text{idf}(w)\cdot\frac{\text{tf}(w, c)\,(k_1 + 1)}{\text{tf}(w, c) + k_1\left(1 - b + b\,\frac{|c|}{\text{avg}|c|}\right)},
# \qquad \text{idf}(w) = \log\left(1 + \frac{N - n(w) + 0.5}{n(w) + 0.5}\right)$$
#
# - tf(w, c): how often word w occurs in chunk c. The fraction grows with tf but levels off (k₁ = 1.5
#   sets how fast), so repeating a word ten times does not make a chunk ten times better.
# - |c| / avg|c|: the chunk's length against the average; b = 0.75 makes long chunks need more matches.
# - idf(w), the *inverse document frequency*: N chunks in all, n(w) of them contain w. A word in few
#   chunks gets a large idf. (The + 0.5 keeps the fraction finite for a word in every chunk, and the
#   1 + inside the log keeps idf positive; this is the variant used by the Lucene search library.)
# - Words are compared exactly, after lower-casing: this BM25 does no *stemming*, so "weigh" and
#   "weighs" are different words, and it keeps common words such as "how" and "does".
#
# ### Exercise 2 · The idf
# Write `my_idf(n_chunks, n_holding)`. Before running it: which gets the higher idf, a word in 1 chunk
# of 100, or a word in all 100?

# %% slideshow={"slide_type": "fragment"}
def my_idf(n_chunks, n_holding):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_idf(n_chunks, n_holding):
    return math.log(1 + (n_chunks - n_holding + 0.5) / (n_holding + 0.5))


# %% slideshow={"slide_type": "fragment"}
exercises.check_idf(my_idf)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The whole score, written out for one question and checked against `lesson_utils.applications.rag.BM25`:

# %% slideshow={"slide_type": "fragment"}
chunks = chunk_documents(docs, size=50, overlap=10)
chunk_words = [words(c.text) for c in chunks]
average_length = sum(map(len, chunk_words)) / len(chunks)


def bm25_score(question, chunk_index, k1=1.5, b=0.75):
    score = 0.0
    for w in set(words(question)):
        holding = sum(w in cw for cw in chunk_words)              # n(w)
        if holding == 0:
            continue                                              # a word no chunk has adds nothing
        tf = chunk_words[chunk_index].count(w)
        length = 1 - b + b * len(chunk_words[chunk_index]) / average_length
        idf = math.log(1 + (len(chunks) - holding + 0.5) / (holding + 0.5))   # Exercise 2's formula
        score += idf * tf * (k1 + 1) / (tf + k1 * length)
    return score


bm25 = BM25([c.text for c in chunks])
question = "When does the Thaw term begin?"
library_scores = bm25.scores(question)
mine = [bm25_score(question, i) for i in range(len(chunks))]
print(f"{len(chunks)} chunks of 50 words (overlap 10); largest difference from the library: "
      f"{max(abs(a - b) for a, b in zip(mine, library_scores)):.1e}")
display(HTML(results_html(search(library_scores, chunks, 3))))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Dense search: embeddings
#
# BM25 is *lexical*: it only sees shared words. *"How much does a colour printed page cost?"* and the
# handbook's *"a colour page 30 pence"* share "colour" and "page", but "cost" and "costs" are different
# words to it. **Dense search** compares meanings instead (*dense* because every chunk becomes a full
# vector of 576 numbers, where a word count is mostly zeros): each chunk and the question
# become vectors (notebook 02's sentence embeddings: SmolLM2's final states, averaged over the tokens,
# minus their mean over all chunks), and the score is the cosine similarity.
#
# **Predict first:** which will find the right document more often on our 37 questions?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
dense = DenseIndex(model, tokenizer, [c.text for c in chunks])
dense_scores = functools.lru_cache(maxsize=None)(dense.scores)     # each question is embedded once
print(f"embedded {len(chunks)} chunks in {time.perf_counter() - start:.1f} s")


# %% [markdown] slideshow={"slide_type": "subslide"}
# Two measures of a ranking over the question set:
# - **hit rate@k**: the share of questions for which a chunk *from the right document* is among the top k;
# - **mean reciprocal rank** (MRR): the mean of 1/rank of the first chunk from the right document, so
#   rank 1 counts 1, rank 2 counts ½, and a miss counts 0.
#
# Both count the right *document*, even if the chunk found is not the one holding the answer. The
# table compares chunk sizes for BM25 (with and without overlap) and the dense and hybrid searches.

# %% slideshow={"slide_type": "fragment"}
def evaluate(score_fn, chunk_list, ks=(1, 3)):
    """Hit rate at each k and MRR of a search function over the question set."""
    # top_k over all chunks = the whole ranking, best first
    ranked = [[chunk_list[i].doc for i in top_k(score_fn(q.question), len(chunk_list))] for q in questions]
    gold = [q.doc for q in questions]
    out = {f"hit@{k}": retrieval_metrics(ranked, gold, k)["hit_rate"] for k in ks}
    out["MRR"] = retrieval_metrics(ranked, gold, 1)["mrr"]
    return out


table = {}
for size, overlap in [(30, 10), (50, 0), (50, 10), (1000, 0)]:
    these = chunk_documents(docs, size, overlap)
    name = "whole documents" if size == 1000 else f"{size} words, overlap {overlap}"
    table[f"BM25, {name} ({len(these)} chunks)"] = evaluate(BM25([c.text for c in these]).scores, these)
print(f"{'':48} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
for name, m in table.items():
    print(f"{name:48} {m['hit@1']:>6.0%} {m['hit@3']:>6.0%} {m['MRR']:>6.2f}")


# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (dense scores are float32 sums: another CPU can swap two near-tied chunks and move a rate by a
# question, so these rows are shown, and the asserts check what the text says)
def hybrid_scores(question):
    """Both rankings combined: each chunk gets 1/(60 + rank) from each method (reciprocal rank fusion).

    The 60 flattens the differences between ranks, so no single ranking dominates; tied scores share
    a rank (1 + the number of chunks that scored higher).
    """
    fused = np.zeros(len(chunks))
    for scores in (bm25.scores(question), dense_scores(question)):
        ranks = 1 + (scores[None, :] > scores[:, None]).sum(1)
        fused += 1 / (60 + ranks)
    return fused


table[f"dense, 50 words, overlap 10 ({len(chunks)} chunks)"] = evaluate(dense_scores, chunks)
table[f"hybrid, 50 words, overlap 10 ({len(chunks)} chunks)"] = evaluate(hybrid_scores, chunks)
print(f"{'':48} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
for name, m in table.items():
    if not name.startswith("BM25"):                               # the BM25 rows are printed above
        print(f"{name:48} {m['hit@1']:>6.0%} {m['hit@3']:>6.0%} {m['MRR']:>6.2f}")
lexical, dense_m, hybrid_m = (table[f"{method}, 50 words, overlap 10 ({len(chunks)} chunks)"]
                              for method in ("BM25", "dense", "hybrid"))
assert lexical["hit@1"] - dense_m["hit@1"] >= 0.3 and lexical["MRR"] - dense_m["MRR"] >= 0.2, (
    f"the text says BM25 beats dense search by far, but here hit@1 is {lexical['hit@1']:.0%} against "
    f"{dense_m['hit@1']:.0%} and MRR {lexical['MRR']:.2f} against {dense_m['MRR']:.2f}")
assert lexical["hit@1"] - hybrid_m["hit@1"] >= 0.1 and hybrid_m["MRR"] < lexical["MRR"], (
    f"the text says the hybrid search drags BM25 down, but here hit@1 is {hybrid_m['hit@1']:.0%} against "
    f"BM25's {lexical['hit@1']:.0%} and MRR {hybrid_m['MRR']:.2f} against {lexical['MRR']:.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Here BM25 wins by far. Our questions reuse the documents' rare words (Thaw, Quillan, Rushmoor, E-12),
# which is BM25's home ground, and SmolLM2 is a chat model, not an embedding model: its averaged states
# mix topic with style and length. Models trained for embeddings do much better at dense search, and
# real systems often combine both rankings (hybrid search). Here the fusion gives the weak dense
# ranking an equal vote and drags BM25 down. Chunk size and overlap change little, because our
# documents are short (70 to 100 words; at 1,000 words each document is one chunk). Two of BM25's
# misses at rank 1 are by design: for the library hours and the battery temperature, the *outdated*
# document ranks first (section 6).
#
# ### Exercise 3 · Mean reciprocal rank
# Write `my_mrr(ranks)`: `ranks[i]` is the rank (1 = first) of the first right chunk for question i,
# or `None` if it was not retrieved at all.

# %% slideshow={"slide_type": "fragment"}
def my_mrr(ranks):
    ...


# %% slideshow={"slide_type": "skip"} tags=["solution"]
def my_mrr(ranks):
    return sum(1 / r for r in ranks if r is not None) / len(ranks)


# %% slideshow={"slide_type": "fragment"}
exercises.check_mrr(my_mrr)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Explore a search
#
# Type a question, pick the method and k. The map places every chunk by the two directions in which
# the dense vectors vary most (notebook 02's PCA): each grey dot is a chunk, the numbered dots are the
# results, and the star is your question. The map is only a shadow of 576 dimensions, so neighbours
# on it are not always neighbours in the search.

# %% slideshow={"slide_type": "fragment"}
pca = PCAMap(dense.vectors)
chunk_points = pca.place(dense.vectors).numpy()
scorers = {"BM25": bm25.scores, "dense": dense_scores, "hybrid": hybrid_scores}


def place_question(q):
    return pca.place(dense.embed([q]))[0].numpy()


# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
RetrievalExplorer(chunks, scorers, chunk_points, place_question, question=question, k=3)

# %% [markdown] slideshow={"slide_type": "fragment"}
# A static copy for the default question: the top 3 of BM25 (the explorer's default method) and of
# dense search. The first direction of the map mostly separates the college's chunks from the
# e-bike's.

# %% slideshow={"slide_type": "fragment"}
groups = [c.doc.split("_")[0] for c in chunks]
for method in ("BM25", "dense"):
    rows = search(scorers[method](question), chunks, 3)
    viz.plot_retrieval_map(chunk_points, groups, [r["chunk"] for r in rows], place_question(question),
                           title=f"{method}: top 3 for {question!r}")
    plt.show()
    for r in rows:                          # 2 decimals: dense scores differ in the 6th digit across CPUs
        print(f"  {r['rank']}. {r['score']:.2f}  {r['doc']:32}  {r['text'][:60]!r}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Retrieve, then generate
#
# The prompt now carries the top 3 chunks of BM25, numbered, and asks the model to answer from them.
# Here is what the model reads for one question:

# %% slideshow={"slide_type": "fragment"}
K = 3
retrieved = [[chunks[i] for i in top_k(bm25.scores(q.question), K)] for q in questions]
prompts = [build_prompt(q.question, r) for q, r in zip(questions, retrieved)]
print(lm.chat_prompt(prompts[3]))

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (counts of right greedy replies can move by one or two on another CPU; the asserts check the text's claim)
start = time.perf_counter()
with_rag = answer_all(prompts)
rag_seconds = time.perf_counter() - start
rag_right = [is_correct(a, q.answers) for a, q in zip(with_rag, questions)]
found = [q.doc in [c.doc for c in r] for q, r in zip(questions, retrieved)]
print(f"right without retrieval: {sum(closed_right):2} of {len(questions)}")
print(f"right with BM25 top {K}:   {sum(rag_right):2} of {len(questions)}   "
      f"(the right document was retrieved for {sum(found)})")
print(f"right when the document was retrieved: {sum(r for r, f in zip(rag_right, found) if f)} of {sum(found)}")
assert 13 <= sum(rag_right) <= 25 and sum(rag_right) >= sum(closed_right) + 10, (
    f"with the documents {sum(rag_right)} of {len(questions)} answers are right (without them "
    f"{sum(closed_right)}); the text says retrieval lifts the model from (almost) none to about half")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
for i in (0, 7, 18, 33):
    q, a = questions[i], with_rag[i]
    sources = ", ".join(f"[{n}] {c.doc}" for n, c in enumerate(retrieved[i], 1))
    mark = "right" if rag_right[i] else "wrong"
    print(f"Q: {q.question}\n   model ({mark}): {a!r}\n   sources: {sources}\n")

# %% [markdown] slideshow={"slide_type": "fragment"}
# From none (or almost none) right to about half (the counts are printed above). Every answer now
# comes with the passages it was given, so a reader can check it against the text, which no
# closed-book answer allows (the model does not cite source numbers by itself; asking it to is a
# common addition). Several wrong answers copy a name or number from another sentence of the sources
# instead of the one asked for: the next cell lists every wrong answer, shows what it copied, and
# counts them. Retrieval decides what the model *can* know; the model decides how well it reads.

# %% slideshow={"slide_type": "skip"}
# NBVAL_IGNORE_OUTPUT
def copied(reply, question, sources):
    """Numbers and names (capitalised, not the first word) of a reply that its sources hold but the question
    does not."""
    given = set(words(" ".join(c.text for c in sources))) - set(words(question))
    candidates = [w for i, token in enumerate(reply.split()) for w in words(token)
                  if any(ch.isdigit() for ch in w) or (i > 0 and token[:1].isupper())]
    return list(dict.fromkeys(w for w in candidates if w in given))     # each once, in reply order


wrong_retrieved = copying = 0
for q, a, f, r in zip(questions, with_rag, found, retrieved):
    if not is_correct(a, q.answers):
        taken = copied(a, q.question, r)
        print(f"{'(document retrieved)' if f else '(document missed)':21} {q.question}\n{'':21} {a!r}"
              + (f"\n{'':21} copied from the sources: {', '.join(taken)}" if taken else ""))
        wrong_retrieved += f
        copying += f and bool(taken)
print(f"\n{copying} of the {wrong_retrieved} wrong answers whose document was retrieved copy a number or "
      "name from the sources")
assert copying >= 3, (f"only {copying} wrong answers copy a number or name from their sources; the text says "
                      "several do")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Choosing a model: your own scorecard
#
# Published benchmarks say how a model does on other people's questions. Before choosing one for a
# job, score it on yours: what it must do (here, answer from our documents), how fast, and how much
# memory. Run the same cell with another model and the comparison is fair, because the questions,
# the prompts and the machine are the same.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
generated = sum(len(tokenizer.encode(a)) for a in with_rag)
n_params = sum(p.numel() for p in model.parameters())
print(f"SmolLM2-135M-Instruct on this machine ({describe_device(device)}):")
print(f"  answers right, closed book / with retrieval: {sum(closed_right)} / {sum(rag_right)} of {len(questions)}")
print(f"  answering all {len(questions)} questions with retrieval: {rag_seconds:.1f} s, "
      f"{generated / rag_seconds:.0f} generated tokens per second (batched)")
print(f"  memory for the weights: {n_params * 4 / 1e6:.0f} MB as 32-bit numbers")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · How RAG fails
#
# ### The right chunk is not retrieved
# One question of our set already failed this way: *"How much does the Nimbus 3 weigh?"* The manual
# says "weighs", a different word to BM25, and "does" matches "does not" elsewhere. Questions in other
# words than the document's fail more often:

# %% slideshow={"slide_type": "fragment"}
reworded = [("How much must I pay if I bring a book back too late?", "college_03_library"),
            ("How far can I ride on one charge?", "nimbus_02_battery"),
            ("What happens if I cheat?", "college_20_conduct")]
for q, doc in reworded:
    rows = search(bm25.scores(q), chunks, 3)
    print(f"Q: {q}   (the answer is in {doc})")
    for r in rows:
        shared = sorted(set(words(q)) & set(words(r["text"])), key=lambda w: -bm25.idf[w])
        print(f"   {r['rank']}. {r['doc']:32} shared words: {', '.join(f'{w} ({bm25.idf[w]:.1f})' for w in shared)}")
    print()

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (dense ranks come from float32 scores, which another CPU rounds differently: shown, and asserted)
for q, doc in reworded:
    ranking = [chunks[i].doc for i in top_k(dense_scores(q), len(chunks))]
    print(f"dense search's top 3 for {q!r}: {ranking[:3]}\n   {doc} first at rank {ranking.index(doc) + 1}")
    assert doc not in ranking[:3], f"dense search puts {doc} in its top 3 for {q!r}; the text says it does not"

# %% [markdown] slideshow={"slide_type": "fragment"}
# None of the three documents makes either top 3. The shared words (with their idf) show why: BM25
# ranks by words like "how", "if" and "can", which are rare in handbook prose and so get a high idf,
# while the right documents say "late return", "range" and "misconduct". Without stemming and a list
# of common words to ignore (*stop words*), BM25 is easily led off, and SmolLM2's embeddings do not
# connect "cheat" with "misconduct" either. The answer cannot be better than what was retrieved. This is why retrieval is measured
# on its own (section 4), and why production systems use embedding models trained on
# question–passage pairs, which learn that "bring a book back too late" means "late return".
#
# ### Too much context
# More chunks raise the chance that the right one is in the prompt, but the model must then find it
# among more text. **Predict first:** will 6 chunks do better than 3?

# %% slideshow={"slide_type": "fragment"}
results_by_k = {}
for k in (1, 3, 6):
    chosen = [[chunks[i] for i in top_k(bm25.scores(q.question), k)] for q in questions]
    results_by_k[k] = {
        "chosen": chosen,
        "found": sum(q.doc in [c.doc for c in r] for q, r in zip(questions, chosen)),
        "tokens": sum(len(lm.encode(lm.chat_prompt(build_prompt(q.question, r))))
                      for q, r in zip(questions, chosen)) / len(questions)}
print(f"{'chunks':>6} {'document found':>15} {'prompt tokens':>14}")
for k, r in results_by_k.items():
    print(f"{k:>6} {r['found']:>12}/37 {r['tokens']:>14.0f}")

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (counts of right greedy replies can move by one or two on another CPU; the asserts check the text's claims)
for k, r in results_by_k.items():
    # long prompts go 12 at a time: the attention of 37 long prompts at once would need over 1 GB
    prompts_k = [build_prompt(q.question, c) for q, c in zip(questions, r["chosen"])]
    replies = with_rag if k == K else answer_all(prompts_k, batch=40 if k < K else 12)
    r["which"] = {i for i, (a, q) in enumerate(zip(replies, questions)) if is_correct(a, q.answers)}
print(f"{'chunks':>6} {'answers right':>14}")
for k, r in results_by_k.items():
    print(f"{k:>6} {len(r['which']):>11}/37")
same = set.intersection(*(r["which"] for r in results_by_k.values()))
print(f"questions right with every k: {len(same)}")
right_counts = [len(r["which"]) for r in results_by_k.values()]
assert max(right_counts) - min(right_counts) <= 5, (
    f"the number of right answers with 1, 3 and 6 chunks is {right_counts}; the text says it barely moves")
assert min(right_counts) - len(same) >= 4, (
    f"{len(same)} questions are right with every k, out of at least {min(right_counts)} right with each; "
    "the text says far fewer are right at every k (churn)")

# %% [markdown] slideshow={"slide_type": "fragment"}
# More chunks find more documents (33 with one chunk, 36 with three), yet the number of right answers
# barely moves (printed above). And clearly fewer questions are right at every k: each extra passage
# fixes some answers and breaks others, so the totals hide a lot of churn. Six chunks cost about four
# times the prompt of one chunk: four times as many tokens to read for every answer. On our short
# documents the extra text did not clearly lower the total; with longer prompts, studies of larger
# models found that facts in the *middle* of a long context are used less reliably than facts at its
# start or end.
# More context is not free, and not always better.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two documents disagree
# The handbook gives the library's opening hours twice: the original page (closing at 22:00) and a
# later notice (closing at 23:30) that says it replaces them. The e-bike manual does the same with the
# coldest temperature for charging (0 °C, later corrected to 5 °C). What does the model say when both
# versions are in the prompt?

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (greedy replies can change on another CPU: they are shown, and the assert checks the text's claim)
conflicts = [("What time does the Quillan Library close on weekdays?",
              ["college_03_library", "college_04_library_hours_update"]),
             ("Below what temperature should the Nimbus 3 battery not be charged?",
              ["nimbus_02_battery", "nimbus_10_battery_update"])]
cases = []
for q, pair in conflicts:
    scores = bm25.scores(q)
    # from each of the two documents, the chunk that BM25 finds most relevant
    best = {d: chunks[max((i for i, c in enumerate(chunks) if c.doc == d), key=lambda i: scores[i])]
            for d in pair}
    cases += [(q, order, build_prompt(q, [best[d] for d in order])) for order in (pair, pair[::-1])]
answers = {q.question: q.answers for q in questions}
current = []                                                   # does the reply give the newer figure?
for (q, order, _), reply in zip(cases, answer_all([prompt for _, _, prompt in cases])):
    current.append(is_correct(reply, answers[q]))
    print(f"Q: {q}\n   sources in the order {order}\n   model: {reply!r}"
          f"  ({'the newer figure' if current[-1] else 'not the newer figure'})\n")
assert sum(current) <= 2, (f"{sum(current)} of the {len(current)} replies give the newer figure; the text says "
                           "the model does not reliably follow the newer source")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Not reliably: at most half of the four replies above give the newer figure (one greedy run per
# order, so read them as examples, not as a rule). The answer hangs on which passages happen to be in
# the prompt and in which order (section 5 asked the library question with a different set of three
# chunks: compare its reply there), and the new battery notice itself also mentions the old
# "0 degrees". The library notice even says it replaces the old hours, but a small model does not
# weigh such a sentence. The fixes are outside the model: keep a version with every document and drop
# superseded ones before they reach the prompt, or print each source's date in the prompt and tell
# the model to prefer the newest.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Beyond a numpy search
#
# Our dense search multiplies the question's vector with every chunk's vector: 71 × 576 numbers, which
# takes microseconds. Once the number of chunks is large, search time grows roughly in proportion to it:

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
generator = torch.Generator().manual_seed(0)
query = torch.nn.functional.normalize(torch.randn(576, generator=generator), dim=0)
for n in (1_000, 10_000, 100_000):
    store = torch.nn.functional.normalize(torch.randn(n, 576, generator=generator), dim=1)
    (store @ query).topk(5)                                   # warm-up, not timed
    start = time.perf_counter()
    for _ in range(10):
        (store @ query).topk(5)
    print(f"{n:>8,} chunks: {(time.perf_counter() - start) / 10 * 1e3:7.2f} ms per search, "
          f"{store.numel() * 4 / 1e6:6.0f} MB of vectors")

# %% [markdown] slideshow={"slide_type": "fragment"}
# A hundred thousand chunks (about 50,000 documents like ours) are still fine this way. Past millions,
# or with many users at once, one uses a **vector index** (libraries such as FAISS or hnswlib), often
# inside a **vector database**. They add:
# - *approximate* nearest-neighbour search: it visits only a small part of the vectors (for example a
#   graph of neighbours, or a few clusters), trading a little *recall* (the share of the true top k it
#   still finds) for a large speed-up;
# - storage on disk, and adding or deleting documents without rebuilding everything;
# - (vector databases) filters on metadata, such as "only the e-bike manual" or "only the current
#   version", which is how section 6's superseded page would be kept out; and the text, vectors and
#   sources kept together.
#
# None of that changes what you saw here: cut, embed or index, retrieve, put in the prompt, cite.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Without the documents, SmolLM2 answered none or almost none of the 37 questions right, and hardly
#   ever admitted not knowing.
# - Documents are cut into **chunks** (size, overlap); each chunk carries its document's title.
# - **BM25** (rare shared words, written out here) found the right document first for most questions;
#   dense search with SmolLM2's own states did much worse: a chat model is not an embedding model.
#   **Hit rate@k** and **MRR** measure retrieval on its own.
# - With the top 3 chunks as **numbered sources**, about half the answers became right, each shown
#   with the passages it came from.
# - RAG fails when the right chunk is not found, when extra context costs without helping, and when
#   sources disagree; better embeddings (or stemming), and version metadata, are the usual fixes.
#
# **Next:** notebook 09 lets the model call tools, and shows how retrieved text can also carry an
# attack.
