"""Write the project's small English corpus with the real model itself.

    python scripts/make_corpus.py            # ~15 min on 2 CPU cores; writes assets/corpus/stories.txt

The notebooks need plain English text to train on (a BPE tokenizer in 01, a tiny GPT
in 06) and may download nothing, so the project makes its own: SmolLM2-135M-Instruct
writes short children's stories and simple explanations from prompts built out of
the lists below. Sampling is seeded, so a re-run on the same machine writes the same
file; the committed file is the one the notebooks use.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from pathlib import Path

import lesson_utils  # noqa: F401  (sets the CPU thread policy before torch loads)
from lesson_utils.llm.chat_model import load_chat_model

HEROES = ["a small fox", "a shy robot", "an old fisherman", "a girl named Mia", "a brave snail",
          "a lost puppy", "a boy named Tom", "a clever crow", "a sleepy bear", "a young baker",
          "a tiny dragon", "a curious cat", "a grandmother", "a lonely whale", "a kind farmer",
          "a rabbit named Pip"]
WISHES = ["wants to see the sea", "is afraid of the dark", "finds a strange key",
          "loses a red balloon", "learns to share", "makes a new friend", "wants to fly",
          "plants a garden", "gets lost in the forest", "builds a boat", "helps a neighbour",
          "waits for the snow", "finds a map", "cannot sleep", "bakes a cake for the king",
          "hears a song at night"]
TOPICS = ["rain", "rainbows", "bees", "volcanoes", "the moon", "bread", "bicycles", "the heart",
          "trees", "magnets", "clouds", "seeds", "the ocean tides", "thunder", "bridges", "fire",
          "ice", "the sun", "ants", "maps", "clocks", "soap", "birds flying", "teeth",
          "electricity", "sound", "shadows", "fish breathing", "snow", "the wind", "money", "paper"]


def prompts(n_stories: int, n_explanations: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pairs = list(itertools.product(HEROES, WISHES))
    rng.shuffle(pairs)
    stories = [f"Write a short story for young children about {hero} who {wish}."
               for hero, wish in pairs[:n_stories]]
    explanations = [f"Explain to a ten-year-old how {topic} work{'s' if not topic.endswith('s') else ''}."
                    if i % 2 == 0 else f"Tell a child three interesting facts about {topic}."
                    for i, topic in enumerate(itertools.islice(itertools.cycle(TOPICS), n_explanations))]
    return stories + explanations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=224)
    parser.add_argument("--explanations", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=320)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path("assets/corpus/stories.txt"))
    args = parser.parse_args()

    lm = load_chat_model()
    todo = prompts(args.stories, args.explanations, args.seed)
    texts, start = [], time.perf_counter()
    for first in range(0, len(todo), args.batch):
        batch = [lm.chat_prompt(p) for p in todo[first:first + args.batch]]
        outs = lm.generate_batch(batch, max_new_tokens=args.max_new_tokens, temperature=0.8,
                                 top_p=0.95, seed=args.seed + first)
        # A reply cut off by max_new_tokens ends mid-sentence: keep it up to its last full stop.
        for out in outs:
            text = out.text.strip()
            if len(out.ids) == args.max_new_tokens and "." in text:
                text = text[:text.rindex(".") + 1]
            texts.append(text)
        print(f"{len(texts)}/{len(todo)} texts, {time.perf_counter() - start:.0f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(texts)} texts, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
