"""Train the longer-trained tiny GPT that notebook 06 loads (assets/tiny_gpt/checkpoint.pt).

    python scripts/train_tiny_gpt.py            # ~4 minutes on 2 CPU cores

The data and tokenizer are made exactly as in the notebook (lesson_utils.scratch.pretraining.
prepare_corpus on assets/corpus/stories.txt); the model is larger and trains longer than
the notebook can afford. The file keeps the weights from the step with the lowest
validation loss (training longer only memorises this small corpus: the validation loss
rises again); training.json keeps the whole curve. Seeded: a re-run on the same machine
gives the same file.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

import lesson_utils  # noqa: F401  (thread policy before torch work)
from lesson_utils.assets import load_corpus
from lesson_utils.scratch.pretraining import prepare_corpus
from lesson_utils.scratch.tiny_gpt import TinyConfig, TinyGPT, batches, evaluate, save_tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("assets/tiny_gpt/checkpoint.pt"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    data = prepare_corpus(load_corpus())
    train, val = torch.tensor(data.train_ids), torch.tensor(data.val_ids)
    config = TinyConfig(vocab_size=data.tokenizer.n_vocab, context=64, dim=args.dim, n_layers=args.layers,
                        n_heads=4)
    torch.manual_seed(args.seed)
    model = TinyGPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    def warmup_then_cosine(step):
        return min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / args.steps))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_then_cosine)
    stream = batches(train, 32, config.context, torch.Generator().manual_seed(args.seed))
    curve, start, best = [], time.perf_counter(), None
    for step in range(1, args.steps + 1):
        x, y = next(stream)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 250 == 0 or step == args.steps:
            curve.append({"step": step, "train": round(float(loss.detach()), 4),
                          "val": round(evaluate(model, val, 64), 4)})
            print(curve[-1], f"{time.perf_counter() - start:.0f} s", flush=True)
            if best is None or curve[-1]["val"] < best["val"]:
                best = {"step": step, "val": curve[-1]["val"],
                        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": config.__dict__, "state_dict": best["state_dict"], "step": best["step"]}, args.out)
    (args.out.parent / "training.json").write_text(json.dumps(
        {"steps": args.steps, "seed": args.seed, "batch": 32, "lr": 3e-3, "n_params": model.n_params(),
         "best_step": best["step"], "best_val": best["val"], "seconds": round(time.perf_counter() - start),
         "curve": curve}, indent=1) + "\n")
    save_tokenizer(data.tokenizer, args.out.parent / "tokenizer.json")       # the model reads its ids
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) and its tokenizer.json")


if __name__ == "__main__":
    main()
