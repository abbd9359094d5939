"""BPE training speed: lesson_utils.scratch.bpe.train_bpe against the naive trainer, side by side.

    .venv/bin/python benchmarks/bench_bpe.py            # about 5 minutes
    .venv/bin/python benchmarks/bench_bpe.py --quick    # a smoke run on a slice of the corpus

Both trainers learn on the project's corpus (assets/corpus/stories.txt) and must
produce identical merges; the report gives merges per second for each and the ratio.
The naive trainer recounts every pair of the whole text after every merge; the fast
one counts each distinct chunk once and updates only the chunks a merge touched.
Also: encoding speed of our Python encoder against tiktoken running the same merges.
"""

from __future__ import annotations

import _common as C

from lesson_utils.assets import load_corpus
from lesson_utils.scratch.bpe import train_bpe, train_bpe_naive


def main() -> None:
    args = C.quick_args(__doc__, "a 40,000-character slice, smaller vocabularies")
    say = C.Report()
    corpus = load_corpus()
    if args.quick:
        corpus = corpus[:40_000]
    sizes = (300, 512) if args.quick else (512, 1024)
    fast_only = (1024, 2048) if args.quick else (2048, 4096)

    probe = train_bpe(corpus[:1000], 257)
    chunks = probe.chunks(corpus)
    say(f"corpus: {len(corpus):,} characters, {len(corpus.encode()):,} bytes, {len(chunks):,} chunks, "
        f"{len(set(chunks)):,} distinct")
    say()
    say(f"{'vocab':>6} {'merges':>7} {'fast s':>8} {'naive s':>8} {'fast merges/s':>14} "
        f"{'naive merges/s':>15} {'speed-up':>9} {'same merges':>12}")
    rows = []
    for vocab_size in sizes:
        fast_s, fast, _ = C.quiet_timed(train_bpe, corpus, vocab_size)
        naive_s, naive, _ = C.quiet_timed(train_bpe_naive, corpus, vocab_size, max_tries=2)
        n = len(fast.merges)
        same = list(fast.merges.items()) == list(naive.merges.items())
        row = {"vocab_size": vocab_size, "merges": n, "fast_s": round(fast_s, 3),
               "naive_s": round(naive_s, 2),
               "fast_merges_per_s": round(n / fast_s), "naive_merges_per_s": round(n / naive_s, 1),
               "speedup": round(naive_s / fast_s, 1), "same_merges": same}
        rows.append(row)
        say(f"{vocab_size:>6} {n:>7} {fast_s:>8.3f} {naive_s:>8.2f} {n / fast_s:>14,.0f} "
            f"{n / naive_s:>15,.1f} "
            f"{naive_s / fast_s:>8.0f}x {str(same):>12}")
    for vocab_size in fast_only:
        fast_s, fast, _ = C.quiet_timed(train_bpe, corpus, vocab_size)
        n = len(fast.merges)
        rows.append({"vocab_size": vocab_size, "merges": n, "fast_s": round(fast_s, 3),
                     "fast_merges_per_s": round(n / fast_s)})
        say(f"{vocab_size:>6} {n:>7} {fast_s:>8.3f} {'-':>8} {n / fast_s:>14,.0f} {'(not run)':>15}")

    bpe = train_bpe(corpus, sizes[-1])
    tok = bpe.to_tokenizer()
    bpe._cache.clear()
    ours_s, ids, _ = C.quiet_timed(bpe.encode, corpus)
    tik_s, tik_ids, _ = C.quiet_timed(tok.encode, corpus)
    mb = len(corpus.encode()) / 1e6
    round_trip = bpe.decode(ids) == corpus
    say()
    say(f"encoding the corpus with {bpe.n_vocab} tokens: ours {ours_s:.2f} s ({mb / ours_s:.2f} MB/s), "
        f"tiktoken {tik_s:.3f} s ({mb / tik_s:.1f} MB/s), same ids: {ids == tik_ids}, "
        f"round trip exact: {round_trip}, {len(corpus.encode()) / len(ids):.2f} bytes per token")
    encode = {"vocab_size": bpe.n_vocab, "ours_s": round(ours_s, 3), "tiktoken_s": round(tik_s, 4),
              "same_ids": ids == tik_ids, "round_trip": round_trip,
              "bytes_per_token": round(len(corpus.encode()) / len(ids), 3)}
    C.save("bpe", {"machine": C.machine_info(), "corpus_chars": len(corpus), "chunks": len(chunks),
                   "distinct_chunks": len(set(chunks)), "training": rows, "encoding": encode},
           say.text, quick=args.quick)


if __name__ == "__main__":
    main()
