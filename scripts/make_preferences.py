"""Make the answer pairs of notebook 07's preference set (assets/preferences/pairs.jsonl).

    python scripts/make_preferences.py          # ~6 minutes on 2 CPU cores

For every question in assets/preferences/prompts.txt, SmolLM2-135M-Instruct writes six
answers (temperature 0.7, top-p 0.9, at most 48 tokens): three under the model's usual
system message and three under a system message asking for a short answer. Asking for
brevity is only a way to get answers that differ; the model follows it loosely. One
answer of each kind makes the pair (the first, in a seeded random order, that the taste
below can decide, else the first), and the two are put in a random order as "a" and "b".

Each pair gets a *proposed* label from the project's taste (see assets/preferences/README.md):
an answer that finishes beats one cut off at 48 tokens, and of two finished answers the
shorter wins. Pairs where both answers are cut off get no proposal. Every pair was then
read against the whole taste (see the README there for who read them); `overrides.json`
holds the labels that differ from the proposal and the labels of the undecided pairs,
each with the reason, and this script applies them.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import lesson_utils  # noqa: F401  (thread policy before torch work)
from lesson_utils.llm.chat_model import load_chat_model

FOLDER = Path("assets/preferences")
BRIEF_SYSTEM = "Answer in one short sentence."
MAX_NEW_TOKENS = 48
SAMPLES = 3               # answers per system message and question
TEST_FROM = 100          # questions 0..99 are for training, the rest are held out


def proposed_label(a: dict, b: dict) -> str | None:
    """'a', 'b' or None (no proposal) for two answers {"finished": bool, "tokens": int}."""
    if a["finished"] != b["finished"]:
        return "a" if a["finished"] else "b"
    if a["finished"] and a["tokens"] != b["tokens"]:
        return "a" if a["tokens"] < b["tokens"] else "b"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    prompts = (FOLDER / "prompts.txt").read_text(encoding="utf-8").splitlines()
    model = load_chat_model(progress=None)
    answers = {}
    for system in (None, BRIEF_SYSTEM):
        texts = [model.chat_prompt(p, system=system) for p in prompts]
        for sample in range(SAMPLES):
            for start in range(0, len(texts), args.batch):
                seed = args.seed + 1000 * sample + start
                outs = model.generate_batch(texts[start:start + args.batch], max_new_tokens=MAX_NEW_TOKENS,
                                            temperature=0.7, top_p=0.9, seed=seed)
                for i, out in enumerate(outs, start):
                    answers[system, i, sample] = {"text": out.text.strip(), "tokens": len(out.ids),
                                                  "finished": len(out.ids) < MAX_NEW_TOKENS}
            print(f"{system or 'default'}: sample {sample + 1}/{SAMPLES}", flush=True)

    overrides_path = FOLDER / "overrides.json"
    overrides = json.loads(overrides_path.read_text()) if overrides_path.exists() else {}
    order = random.Random(args.seed)
    with open(FOLDER / "pairs.jsonl", "w", encoding="utf-8") as f:
        for i, prompt in enumerate(prompts):
            options = [[answers[None, i, s], answers[BRIEF_SYSTEM, i, t]]
                       for s in range(SAMPLES) for t in range(SAMPLES)]
            order.shuffle(options)
            pair = next((o for o in options if proposed_label(*o)), options[0])
            order.shuffle(pair)
            a, b = pair
            label = proposed_label(a, b)
            reason = "finished beats cut off" if a["finished"] != b["finished"] else "shorter finished answer"
            if str(i) in overrides:
                label, reason = overrides[str(i)]["label"], overrides[str(i)]["reason"]
            row = {"id": i, "prompt": prompt, "a": a["text"], "b": b["text"],
                   "a_finished": a["finished"], "b_finished": b["finished"],
                   "label": label, "reason": reason if label else "undecided",
                   "split": "train" if i < TEST_FROM else "test"}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(prompts)} pairs to {FOLDER / 'pairs.jsonl'}")


if __name__ == "__main__":
    main()
