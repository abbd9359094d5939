"""What SFT, reward models and DPO all need: chat sequences and their answer log-probabilities.

    seq = chat_sequence(chat_model, "Why is the sky blue?", "Light scatters.", finished=True)
    seq.ids[:seq.n_prompt]      # the chat prompt the model reads
    seq.ids[seq.n_prompt:]      # the answer it is trained on (+ <|im_end|> when it finished)

    frozen = frozen_pass(model, sequences, start_layer=26)
    frozen.ref_logprob          # (N,) log P(answer | prompt), summed over the answer's tokens
    frozen.features             # (N, D) what a reward model reads: the last token's final state
    frozen.hidden[i]            # (T_i, D) the residual stream entering layer 26, so training
                                # the last 4 layers never re-runs the first 26

Only the top layers are trained in notebook 07, and the bottom ones never change, so
their output is computed once here and reused at every training step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..inputs import whole_number
from ..llm.chat import END_OF_TURN
from ..llm.likelihood import token_logprobs
from ..llm.model import Transformer


@dataclass(frozen=True)
class ChatSequence:
    ids: list[int]            # prompt tokens, then answer tokens
    n_prompt: int             # how many of ids belong to the prompt

    def __post_init__(self):
        if not 0 < self.n_prompt < len(self.ids):
            raise ValueError(f"a sequence needs a prompt and at least one answer token; got "
                             f"{self.n_prompt} prompt tokens of {len(self.ids)}")


def chat_sequence(chat_model, prompt: str, answer: str, finished: bool = True) -> ChatSequence:
    """The tokens of one question and answer in the chat format.

    finished=True ends the answer with <|im_end|>, the token by which the model says "I am done";
    an answer cut off at a length limit has none.
    """
    if not isinstance(answer, str) or not answer.strip():
        raise ValueError("the answer is empty: give the text of the assistant's reply")
    prompt_ids = chat_model.encode(chat_model.chat_prompt(prompt))
    answer_ids = chat_model.tokenizer.encode(answer, allow_special=False)
    if finished:
        answer_ids += chat_model.tokenizer.encode(END_OF_TURN)
    return ChatSequence(prompt_ids + answer_ids, len(prompt_ids))


def answer_logprobs(model: Transformer, final: torch.Tensor,
                    sequences: Sequence[ChatSequence]) -> torch.Tensor:
    """log P(answer | prompt) for each sequence (B,), from the last residual stream `final` (B, T, D).

    Only the positions that predict answer tokens go through the 49,152-wide read-out,
    which is where most of the time goes.
    """
    rows, targets, owner = [], [], []
    for b, seq in enumerate(sequences):
        n = len(seq.ids)
        rows.append(final[b, seq.n_prompt - 1:n - 1])              # position t predicts token t + 1
        targets += seq.ids[seq.n_prompt:]
        owner += [b] * (n - seq.n_prompt)
    logits = F.linear(model.norm(torch.cat(rows)), model.embed.weight)  # (answer tokens, V)
    device = logits.device
    picked = token_logprobs(logits, torch.tensor(targets, device=device))       # (answer tokens,)
    total = torch.zeros(len(sequences), dtype=picked.dtype, device=device)
    return total.index_add(0, torch.tensor(owner, device=device), picked)


def pad_right(rows: Sequence[torch.Tensor]) -> torch.Tensor:
    """Tensors (T_i, ...) -> one (B, max T_i, ...) tensor, zero-filled after each row's end."""
    out = rows[0].new_zeros((len(rows), max(len(r) for r in rows), *rows[0].shape[1:]))
    for b, r in enumerate(rows):
        out[b, :len(r)] = r
    return out


@dataclass
class FrozenPass:
    start_layer: int                 # hidden[i] enters this block
    hidden: list[torch.Tensor]       # per sequence (T_i, D)
    ref_logprob: torch.Tensor        # (N,) log P(answer | prompt) under the untouched model
    features: torch.Tensor           # (N, D) final-norm state of each sequence's last token


@torch.inference_mode()
def frozen_pass(model: Transformer, sequences: Sequence[ChatSequence], start_layer: int,
                batch_size: int = 16, progress=None) -> FrozenPass:
    """One pass of the untouched model over every sequence; see the module docstring.

    progress: None, or a callable given (sequences done, total) after each batch.
    """
    if not sequences:
        raise ValueError("give at least one sequence")
    n_layers = model.config.n_layers
    whole_number("start_layer", start_layer, 0, n_layers - 1)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i].ids))   # little padding
    hidden, ref, features = [None] * len(order), torch.zeros(len(order)), [None] * len(order)
    for first in range(0, len(order), batch_size):
        chunk = order[first:first + batch_size]
        batch = [sequences[i] for i in chunk]
        ids = pad_right([torch.tensor(s.ids) for s in batch]).to(model.device)
        out = model(ids, output_hidden_states=True, last_only=True)   # logits of every position not needed
        final = out.hidden_states[-1]
        ref[chunk] = answer_logprobs(model, final, batch).float().cpu()
        for b, (i, seq) in enumerate(zip(chunk, batch, strict=True)):
            n = len(seq.ids)
            hidden[i] = out.hidden_states[start_layer][b, :n].cpu().clone()
            features[i] = model.norm(final[b, n - 1]).float().cpu()
        if progress is not None:
            progress(min(first + batch_size, len(order)), len(order))
    return FrozenPass(start_layer, hidden, ref, torch.stack(features))
