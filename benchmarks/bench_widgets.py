"""How fast the notebooks' widgets redraw (notebook 04's next-token stepper, notebook 05's sampling lab).

    .venv/bin/python benchmarks/bench_widgets.py [--quick]

A redraw = what happens after a user's click or keystroke: the model's forward pass on
the prompt, the top-k list, the bar chart, and its rendering to a PNG image (what the
notebook's inline backend sends to the browser). Measured for a 30-token prompt by
appending tokens with the widget's own buttons, as a user would. Target: 300 ms.
The sampling lab redraws from logits computed once per prompt when a slider moves
(temperature, top-k, top-p): target 50 ms.
"""

from __future__ import annotations

import io
import statistics
import time

import _common as C
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import lesson_utils  # noqa: E402,F401  (thread policy before torch)
from lesson_utils.llm.chat_model import load_chat_model  # noqa: E402
from lesson_utils.ui import NextTokenStepper, SamplingLab  # noqa: E402

TEXT = ("In the small village by the sea, the old fisherman told the children a story about a whale "
        "that sang every night under the bright moon, and the children listened until the fire went out.")
PROMPT_TOKENS = 30


def main() -> None:
    args = C.quick_args(__doc__)
    C.setup_torch()
    say = C.Report()
    lm = load_chat_model(progress=None)
    prompt = lm.tokenizer.decode(lm.tokenizer.encode(TEXT)[:PROMPT_TOKENS])
    n_prompt = len(lm.tokenizer.encode(prompt))

    # plt.show() under Agg draws nothing; render to PNG as the inline backend would.
    def render_png():
        for number in plt.get_fignums():
            plt.figure(number).savefig(io.BytesIO(), format="png")
        plt.close("all")
    plt.show = render_png

    stepper = NextTokenStepper(lm, prompt=prompt, k=10)
    clicks = 5 if args.quick else 20
    totals, model_only = [], []
    for _ in range(clicks):
        C.wait_for_quiet(say)
        start = time.perf_counter()
        stepper.buttons.children[0].click()                  # append the top token: one full redraw
        totals.append(time.perf_counter() - start)
        start = time.perf_counter()
        lm.top_next_tokens(stepper.prompt.value, 10)
        model_only.append(time.perf_counter() - start)
        stepper.undo.click()                                 # back to the 30-token prompt
    med, worst = statistics.median(totals), max(totals)
    say(f"next-token stepper, {n_prompt}-token prompt (+1 appended), {clicks} clicks:")
    say(f"  full redraw (forward + top-k + bar chart + PNG): median {med * 1e3:.0f} ms, "
        f"worst {worst * 1e3:.0f} ms")
    say(f"  of which the model's forward pass and top-k:     median "
        f"{statistics.median(model_only) * 1e3:.0f} ms")
    say(f"  target 300 ms: {'met' if worst <= 0.3 else 'NOT met'} (worst case)")
    lab = SamplingLab(lm, prompt="Once upon a time, there was a")
    moves = []
    grid = zip(range(1, 61), [0, 5, 20, 50] * 15, [1.0, 0.9, 0.5] * 20, strict=True)
    settings = [(t / 20, k, p) for t, k, p in grid]
    C.wait_for_quiet(say)
    for temperature, top_k, top_p in settings:
        for control, value in ((lab.temperature, temperature), (lab.top_k, top_k), (lab.top_p, top_p)):
            if control.value != value:
                control.value = value                        # each change is one redraw
                moves.append(lab.seconds)
    lab_med, lab_worst = statistics.median(moves), max(moves)
    say(f"sampling lab, {len(moves)} slider moves (temperature 0.05-3, top-k 0/5/20/50, top-p 1/0.9/0.5):")
    say(f"  redraw from cached logits: median {lab_med * 1e3:.1f} ms, worst {lab_worst * 1e3:.1f} ms; "
        f"target 50 ms: {'met' if lab_worst <= 0.05 else 'NOT met'} (worst case)")
    C.save("widgets", {"machine": C.machine_info(), "prompt_tokens": n_prompt, "clicks": clicks,
                       "redraw_median_s": med, "redraw_worst_s": worst,
                       "model_median_s": statistics.median(model_only),
                       "sampling_lab_moves": len(moves), "sampling_lab_median_s": lab_med,
                       "sampling_lab_worst_s": lab_worst}, say.text, quick=args.quick)


if __name__ == "__main__":
    main()
