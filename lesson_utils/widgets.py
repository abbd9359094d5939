"""Thin ipywidgets front ends. The numbers they show come from tested functions.

Each widget keeps what it last computed in an attribute (`rows`, `reply`), so a
test can change a control as a user would and check what the widget now shows.
"""

from __future__ import annotations

import time

import ipywidgets as w
import matplotlib.pyplot as plt

from . import viz
from .attention import attention_record
from .bpe import tokens_after_each_merge
from .generation import next_token_logits
from .sampling import sample_next, sampling_view
from .token_economy import TokenSpan, text_stats, token_spans


class _Widget:
    """Shared by every widget here: Jupyter shows `self.box`, the widget's layout."""

    box: w.Box

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


class NextTokenExplorer(_Widget):
    """Type a prompt, see the model's most likely next tokens as bars."""

    def __init__(self, lm, prompt: str = "The capital of France is", k: int = 10):
        self.lm = lm
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.k = w.IntSlider(value=k, min=3, max=20, description="Top k:", continuous_update=False)
        self.out = w.Output()
        self.message = w.HTML()
        self.rows: list[dict] = []
        self.seconds = 0.0                    # how long the last redraw took
        self._probs_for: tuple[str, object] | None = None     # (prompt, its next-token probabilities)
        self.prompt.observe(self.update, names="value")
        self.k.observe(self.update, names="value")
        self.box = w.VBox([self.prompt, self.k, self.message, self.out])
        self.update()

    def update(self, change=None) -> None:
        start = time.perf_counter()
        try:
            self.rows = self.lm.top_tokens(self._next_token_probs(), self.k.value)
            self.message.value = ""
        except (ValueError, TypeError) as e:
            self.rows = []
            self.message.value = f"<b>⚠ {_escape(str(e))}</b>"
        self._after_rows()
        with self.out:
            self.out.clear_output(wait=True)
            if self.rows:
                viz.plot_next_tokens(self.rows, title=f"After: {self.prompt.value[-50:]!r}")
                plt.show()
        self.seconds = time.perf_counter() - start

    def _next_token_probs(self):
        """The model's distribution after the prompt; computed once per prompt, so that moving the
        Top k slider only redraws the chart (one forward pass is ~100 ms on 2 cores)."""
        prompt = self.prompt.value
        if self._probs_for is None or self._probs_for[0] != prompt:
            self._probs_for = (prompt, self.lm.next_token_probs(prompt))
        return self._probs_for[1]

    def _after_rows(self) -> None:
        """Hook for subclasses, run after the rows are computed and before the chart is drawn."""


class ChatBox(_Widget):
    """Ask the real model a question under a chosen system message."""

    def __init__(self, lm, systems: dict[str, str], question: str = "What is the capital of France?",
                 max_new_tokens: int = 60):
        self.lm, self.systems, self.max_new_tokens = lm, systems, max_new_tokens
        self.question = w.Textarea(value=question, description="You:", layout=w.Layout(width="95%"))
        self.system = w.Dropdown(options=list(systems), description="System:")
        self.ask = w.Button(description="Ask", button_style="primary")
        self.answer = w.HTML()
        self.reply = ""
        self.ask.on_click(self.on_ask)
        self.box = w.VBox([self.system, self.question, self.ask, self.answer])

    def on_ask(self, button=None) -> None:
        try:
            self.reply = self.lm.chat(self.question.value, system=self.systems[self.system.value],
                                      max_new_tokens=self.max_new_tokens)
            self.answer.value = f"<b>SmolLM2:</b> {_escape(self.reply)}"
        except (ValueError, TypeError) as e:
            self.reply = ""
            self.answer.value = f"<b>⚠ {_escape(str(e))}</b>"



def _escape(text: str) -> str:
    import html
    return html.escape(text).replace("\n", "<br>")


class TokenHighlighter(_Widget):
    """Type text, see it cut into tokens by the tokenizer you choose."""

    def __init__(self, tokenizers: dict, text: str = "Hello world! Tokenizers cut text into pieces."):
        self.tokenizers = tokenizers
        self.text = w.Textarea(value=text, description="Text:", continuous_update=True,
                               layout=w.Layout(width="95%", height="90px"))
        self.tokenizer = w.Dropdown(options=list(tokenizers), description="Tokenizer:")
        self.whitespace = w.Checkbox(value=False, description="show spaces (␣) and newlines (↵)")
        self.summary = w.HTML()
        self.tokens = w.HTML()
        self.spans: list = []
        for control in (self.text, self.tokenizer, self.whitespace):
            control.observe(self.update, names="value")
        self.box = w.VBox([self.tokenizer, self.text, self.whitespace, self.summary, self.tokens])
        self.update()

    def update(self, change=None) -> None:
        tokenizer = self.tokenizers[self.tokenizer.value]
        self.spans = token_spans(tokenizer, self.text.value)
        stats = text_stats(tokenizer, self.text.value)
        self.summary.value = (f"<b>{stats.tokens} tokens</b> for {stats.characters} characters: "
                              f"{stats.chars_per_token:.2f} characters per token")
        self.tokens.value = viz.token_html(self.spans, show_whitespace=self.whitespace.value)



class MergeStepper(_Widget):
    """Step through a trained BPE's merges and watch a text's token count fall."""

    def __init__(self, bpe, text: str, step: int = 0):
        self.bpe, self.text = bpe, text
        self._strings = bpe.to_tokenizer().token_strings     # id -> text; "<0x..>" for part of a character
        self.curve = tokens_after_each_merge(bpe, text)          # computed once; the slider only reads it
        self._merges = list(bpe.merges.items())
        self.step = w.IntSlider(value=step, min=0, max=len(self._merges), description="Merges:",
                                continuous_update=False, layout=w.Layout(width="80%"))
        self.play = w.Play(min=0, max=len(self._merges), step=1, interval=300)
        w.jslink((self.play, "value"), (self.step, "value"))
        self.summary = w.HTML()
        self.tokens = w.HTML()
        self.out = w.Output()
        self.ids: list[int] = []
        self.step.observe(self.update, names="value")
        self.box = w.VBox([w.HBox([self.play, self.step]), self.summary, self.tokens, self.out])
        self.update()

    def update(self, change=None) -> None:
        n = self.step.value
        self.ids = self.bpe.encode(self.text, n_merges=n)
        if n:
            (a, b), new_id = self._merges[n - 1]
            a, b, new = (viz.show_text(s) for s in self._strings([a, b, new_id]))
            latest = f"merge {n}: {a!r} + {b!r} → {new!r} (id {new_id})"
        else:
            latest = "no merges yet: one token per byte"
        self.summary.value = f"<b>{len(self.ids)} tokens</b> (from {self.curve[0]} bytes). {_escape(latest)}"
        spans = [TokenSpan(i, s) for i, s in zip(self.ids, self._strings(self.ids), strict=True)]
        self.tokens.value = viz.token_html(spans, show_whitespace=True, show_ids=False)
        with self.out:
            self.out.clear_output(wait=True)
            viz.plot_merge_curve(self.curve, n)
            plt.show()



class WordMapExplorer(_Widget):
    """Type words, see them placed on the map of meaning with their nearest tokens."""

    def __init__(self, word_map, words: str = "queen, Paris, pizza", k: int = 6):
        self.word_map, self.k = word_map, k
        self.words = w.Text(value=words, description="Words:", continuous_update=False,
                            placeholder="words separated by commas", layout=w.Layout(width="95%"))
        self.neighbour_list = w.HTML()
        self.out = w.Output()
        self.placed: list[str] = []
        self.neighbours: dict[str, list] = {}
        self.words.observe(self.update, names="value")
        self.box = w.VBox([self.words, self.neighbour_list, self.out])
        self.update()

    def update(self, change=None) -> None:
        typed = [t.strip() for t in self.words.value.split(",") if t.strip()]
        vectors = self.word_map.word_vectors
        self.placed = typed
        self.neighbours = {t: vectors.neighbours(t, self.k) for t in typed}
        lines = []
        for t in typed:
            pieces = vectors.pieces(t)
            note = f" ({pieces} tokens, averaged)" if pieces > 1 else ""
            near = ", ".join(f"{viz.show_text(s)!r} {c:.2f}" for s, c in self.neighbours[t])
            lines.append(f"<b>{_escape(t)}</b>{note}: {_escape(near)}")
        self.neighbour_list.value = ("<br>".join(lines) or "Type some words, separated by commas.")
        with self.out:
            self.out.clear_output(wait=True)
            viz.plot_word_map(self.word_map, extra=typed)
            plt.show()



class AttentionViewer(_Widget):
    """Choose a prompt, a layer, a head and a token; see the real attention weights."""

    def __init__(self, model, tokenizer, prompt: str = "The cat sat on the mat because it was tired.",
                 layer: int = 16, head: int = 0):
        self._record_of = lambda text: attention_record(model, tokenizer, text)
        n_layers, n_heads = model.config.n_layers, model.config.n_heads
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.layer = w.IntSlider(value=layer, min=0, max=n_layers - 1, description="Layer:",
                                 continuous_update=False)
        self.head = w.IntSlider(value=head, min=0, max=n_heads - 1, description="Head:",
                                continuous_update=False)
        self.token = w.Dropdown(description="Token:")
        self.looks_at = w.HTML()
        self.out = w.Output()
        self.record = None
        self.row: list = []
        self.prompt.observe(self._new_prompt, names="value")
        for control in (self.layer, self.head, self.token):
            control.observe(self.update, names="value")
        self.box = w.VBox([self.prompt, w.HBox([self.layer, self.head]), self.token, self.looks_at, self.out])
        self._new_prompt()

    def _new_prompt(self, change=None) -> None:
        try:
            self.record = self._record_of(self.prompt.value)       # one forward pass; sliders reuse it
        except (ValueError, TypeError) as e:
            self.record, self.row = None, []
            self.looks_at.value = f"<b>⚠ {_escape(str(e))}</b>"
            return
        options = [(f"{i}: {viz.show_text(t)}", i) for i, t in enumerate(self.record.tokens)]
        self._refilling = True                 # new options fire change events: draw once, below
        self.token.options = options
        self.token.value = len(options) - 1    # the last token, the one about to predict
        self._refilling = False
        self.update()

    def update(self, change=None) -> None:
        if self.record is None or self.token.value is None or getattr(self, "_refilling", False):
            return
        position = self.token.value
        self.row = self.record.row(self.layer.value, self.head.value, position)
        ranked = sorted(enumerate(self.row), key=lambda item: -item[1][1])[:5]
        self.looks_at.value = (f"<b>{_escape(viz.show_text(self.record.tokens[position]))!s}</b> looks at: "
                               + ", ".join(f"{_escape(viz.show_text(t))} ({p:.2f})" for _, (t, p) in ranked))
        with self.out:
            self.out.clear_output(wait=True)
            viz.plot_attention(self.record.weights[self.layer.value, self.head.value], self.record.tokens,
                               title=f"layer {self.layer.value}, head {self.head.value}", row=position)
            plt.show()



class NextTokenStepper(NextTokenExplorer):
    """Generation one step at a time: the explorer's bars, plus a button per top token that appends
    it, and undo."""

    def __init__(self, lm, prompt: str = "The capital of France is", k: int = 10, choices: int = 5):
        self.choices = choices
        self.buttons = w.HBox()
        self.undo = w.Button(description="Undo", icon="undo", tooltip="remove the last appended token")
        self.history: list[str] = []          # the prompts before each append, for undo
        self.undo.on_click(self.on_undo)
        super().__init__(lm, prompt, k)
        self.box.children = (self.prompt, self.k, w.HTML("Click a token to append it:"), self.buttons,
                             self.undo, self.message, self.out)

    def _after_rows(self) -> None:
        # Tokens holding part of a character ("<0xF0>") cannot be typed into a text box: no button.
        whole = [r for r in self.rows if not r["text"].startswith("<0x")][: self.choices]
        buttons = []
        for row in whole:
            button = w.Button(description=f"{viz.show_text(row['text'])}  {row['p']:.2f}",
                              layout=w.Layout(width="auto"))
            button.on_click(lambda _, text=row["text"]: self.append(text))
            buttons.append(button)
        self.buttons.children = buttons
        self.undo.disabled = not self.history

    def append(self, text: str) -> None:
        self.history.append(self.prompt.value)
        self.prompt.value = self.prompt.value + text          # fires update()

    def on_undo(self, button=None) -> None:
        if self.history:
            self.prompt.value = self.history.pop()


class SamplingLab(_Widget):
    """Temperature, top-k and top-p on the real model's logits for one prompt, redrawn live."""

    def __init__(self, lm, prompt: str = "Once upon a time, there was a", temperature: float = 1.0,
                 show: int = 12, seed: int = 0):
        import torch
        self.lm, self.show = lm, show
        self._generator = torch.Generator().manual_seed(seed)
        self.prompt = w.Text(value=prompt, description="Prompt:", continuous_update=False,
                             layout=w.Layout(width="95%"))
        self.temperature = w.FloatSlider(value=temperature, min=0.0, max=3.0, step=0.05,
                                         description="Temperature:", readout_format=".2f")
        self.top_k = w.IntSlider(value=0, min=0, max=50, description="Top k:",
                                 tooltip="0 = no top-k filter")
        self.top_p = w.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="Top p:")
        self.sample_button = w.Button(description="Sample 20", icon="random")
        self.readout = w.HTML()
        self.bars = w.HTML()
        self.samples = w.HTML()
        self.view: dict = {}
        self.drawn: list[str] = []
        self.seconds = 0.0
        self.prompt.observe(self._new_prompt, names="value")
        for control in (self.temperature, self.top_k, self.top_p):
            control.observe(self.update, names="value")
        self.sample_button.on_click(self.sample)
        self.box = w.VBox([self.prompt, self.temperature, self.top_k, self.top_p, self.readout, self.bars,
                           self.sample_button, self.samples])
        self._new_prompt()

    def settings(self) -> dict:
        return {"temperature": self.temperature.value, "top_k": self.top_k.value or None,
                "top_p": self.top_p.value if self.top_p.value < 1 else None}

    def _new_prompt(self, change=None) -> None:
        try:
            self.logits = next_token_logits(self.lm.model, self.lm.encode(self.prompt.value)).cpu()
        except (ValueError, TypeError) as e:
            self.logits, self.view = None, {}
            self.readout.value = f"<b>⚠ {_escape(str(e))}</b>"
            self.bars.value = ""
            return
        self.update()

    def update(self, change=None) -> None:
        if self.logits is None:
            return
        start = time.perf_counter()
        self.view = sampling_view(self.logits, show=self.show, **self.settings())
        labels = self.lm.tokenizer.token_strings(self.view["ids"])
        self.readout.value = (f"entropy: {self.view['entropy_original']:.2f} bits → "
                              f"<b>{self.view['entropy_reshaped']:.2f} bits</b>; tokens that can still be "
                              f"drawn: <b>{self.view['n_kept']:,}</b> of {len(self.logits):,}")
        self.bars.value = viz.sampling_html(self.view, labels)
        self.seconds = time.perf_counter() - start

    def sample(self, button=None) -> None:
        if self.logits is None:
            return
        ids = [int(sample_next(self.logits[None], generator=self._generator, **self.settings())[0])
               for _ in range(20)]
        self.drawn = self.lm.tokenizer.token_strings(ids)
        self.samples.value = "20 draws: " + " · ".join(_escape(repr(viz.show_text(t))) for t in self.drawn)

