"""The server's one model, shared: requests that arrive together are decoded together, a step at a time.

    engine = Engine(lm)                      # starts a thread that owns the model
    engine.submit(job)                       # job.emit(event) is then called from that thread
    engine.close()

Each decode step runs the model once for every reply in the batch (one matrix product per layer for
all of them, which is what makes serving many clients cheaper than serving them one by one), then
picks each reply's next token with that reply's own settings: its temperature, top_p, seed (its own
random generator), grammar and stop sequences. Prompts of different lengths are padded on the left
and masked, so each reply sees the probabilities it would see alone.

A batch starts once no new request has arrived for gather_seconds (at most max_gather_seconds after
the first), with the requests waiting then (up to max_batch); requests that arrive while it runs wait
for the next one. At most max_waiting requests wait; beyond that, submit() refuses
with 429 and Retry-After. A job that is cancelled (its client went away) or past its deadline leaves
the batch at the next step.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..llm.chat_model import ChatModel
from ..llm.model import KVCache
from ..llm.sampling import sampling_distribution
from .constrained import Constraint
from .protocol import APIError


@dataclass
class TokenInfo:
    """One generated token and its log-probability under the model (before temperature or grammar)."""

    token: str
    bytes: list[int]
    logprob: float
    top: list[tuple[str, list[int], float]]  # the top_logprobs most likely tokens


@dataclass
class Delta:  # new text of the reply (may be "" when only logprobs are new)
    text: str
    tokens: list[TokenInfo]


@dataclass
class Finished:
    reason: str  # "stop" or "length"
    completion_tokens: int


@dataclass
class Failed:
    error: APIError


@dataclass
class Job:
    prompt: list[int]
    max_tokens: int
    emit: Callable[[object], None]  # receives Delta, then Finished or Failed; from the engine thread
    temperature: float = 1.0
    top_p: float | None = None
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    top_logprobs: int | None = None  # None: no logprobs; 0: the chosen token's only
    constraint: Constraint | None = None
    deadline: float = float("inf")  # time.monotonic() after which the job fails with 504
    cancelled: bool = False  # set by the server when the client goes away

    def cancel(self) -> None:
        self.cancelled = True


class Engine:
    def __init__(
        self, lm: ChatModel, max_batch: int = 16, max_waiting: int = 64, gather_seconds: float = 0.02,
        max_gather_seconds: float = 0.25,
    ):
        self.lm, self.max_batch, self.max_waiting = lm, max_batch, max_waiting
        self.gather_seconds, self.max_gather_seconds = gather_seconds, max_gather_seconds
        self.waiting: deque[Job] = deque()
        self.running = 0  # jobs in the batch being decoded
        self.batches = 0  # how many batches have run (the tests read it)
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="lesson-utils-engine", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        with self._wake:
            if self._closed:
                raise APIError(503, "the server is shutting down", code="shutting_down")
            if len(self.waiting) >= self.max_waiting:
                raise APIError(
                    429,
                    f"{len(self.waiting)} requests are already waiting; try again shortly",
                    code="queue_full",
                    headers={"Retry-After": "1"},
                )
            self.waiting.append(job)
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=30)
        for job in list(self.waiting):
            job.emit(
                Failed(APIError(503, "the server shut down before this request ran", code="shutting_down"))
            )

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self.waiting and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
            self._gather()
            with self._wake:
                batch = [self.waiting.popleft() for _ in range(min(self.max_batch, len(self.waiting)))]
            batch = [job for job in batch if _still_wanted(job)]
            if not batch:
                continue
            self.running, self.batches = len(batch), self.batches + 1
            try:
                self._decode(batch)
            except Exception as e:  # a bug must not leave clients waiting forever
                for job in batch:
                    job.emit(
                        Failed(
                            APIError(500, f"the model failed: {type(e).__name__}: {e}", code="engine_error")
                        )
                    )
            finally:
                self.running = 0

    def _gather(self) -> None:
        """Let requests sent together arrive together: wait while they keep coming.

        Sixteen threads that send at once reach the server over some tens of milliseconds; starting
        at the first would decode it alone and make the other fifteen wait for it to finish."""
        until = time.monotonic() + self.max_gather_seconds
        seen = -1
        while len(self.waiting) != seen and len(self.waiting) < self.max_batch and time.monotonic() < until:
            seen = len(self.waiting)
            time.sleep(self.gather_seconds)

    @torch.inference_mode()
    def _decode(self, jobs: list[Job]) -> None:
        model, tokenizer = self.lm.model, self.lm.tokenizer
        device, B = model.device, len(jobs)
        longest = max(len(job.prompt) for job in jobs)
        ids = torch.zeros((B, longest), dtype=torch.long, device=device)
        mask = torch.zeros((B, longest), dtype=torch.long, device=device)
        for row, job in enumerate(jobs):
            ids[row, longest - len(job.prompt) :] = torch.tensor(job.prompt)
            mask[row, longest - len(job.prompt) :] = 1
        ragged = bool((mask == 0).any())
        steps = max(job.max_tokens for job in jobs)
        cache = KVCache(
            model.config, B, min(longest + steps, model.config.context_length), model.dtype, device
        )
        replies = [Reply(job, tokenizer, self.lm.stop_ids) for job in jobs]
        logits = model(ids, cache=cache, attention_mask=mask if ragged else None, last_only=True).logits[
            :, -1
        ]
        active = list(range(B))  # rows of the batch still decoding, by reply index
        while active:
            if self._closed:                           # shutting down: end the replies still running
                for index in active:
                    replies[index].end(Failed(APIError(503, "the server shut down during this request",
                                                       code="shutting_down")))
                return
            new = [replies[index].step(logits[row]) for row, index in enumerate(active)]
            still = [i for i, index in enumerate(active) if not replies[index].over]
            if not still:
                return
            if len(still) < len(active):
                keep = torch.zeros(len(active), dtype=torch.bool, device=device)
                keep[still] = True
                cache.keep_rows(keep)
                mask = mask[keep]
            active = [active[i] for i in still]
            tokens = torch.tensor([[new[i]] for i in still], dtype=torch.long, device=device)
            if ragged:
                mask = torch.cat([mask, torch.ones((len(active), 1), dtype=mask.dtype, device=device)], dim=1)
            logits = model(
                tokens, cache=cache, attention_mask=mask if ragged else None, last_only=True
            ).logits[:, -1]


def _still_wanted(job: Job) -> bool:
    if job.cancelled:
        return False
    if time.monotonic() > job.deadline:
        job.emit(Failed(_timeout()))
        return False
    return True


def _timeout() -> APIError:
    return APIError(
        504,
        "the request took longer than the server's time limit; ask for fewer tokens or "
        "try again when the server is less busy",
        code="timeout",
    )


class Reply:
    """One job's reply as it grows: picks its tokens, turns them into text, and ends it."""

    def __init__(self, job: Job, tokenizer, stop_ids):
        self.job, self.tokenizer, self.stop_ids = job, tokenizer, set(stop_ids)
        self.generator = (
            torch.Generator(device="cpu").manual_seed(job.seed % 2**63) if job.seed is not None else None
        )
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text, self.sent = "", 0  # the reply so far, and how much of it was emitted
        self.count, self.over = 0, False
        self.pending: list[TokenInfo] = []

    def step(self, logits: torch.Tensor) -> int:
        """Pick the next token from this row's logits (V,), emit what it adds; returns the token."""
        job = self.job
        if job.cancelled:
            self.over = True
            return 0
        if time.monotonic() > job.deadline:
            return self.end(Failed(_timeout()))
        logits = logits.float()
        allowed = job.constraint.mask(logits) if job.constraint is not None else logits
        if job.temperature == 0:
            token = int(allowed.argmax())
        else:
            probs = sampling_distribution(allowed.cpu(), job.temperature, None, job.top_p)
            token = int(torch.multinomial(probs, 1, generator=self.generator))
        if token in self.stop_ids:
            return self._finish("stop", token)
        self.count += 1
        if job.top_logprobs is not None:
            self.pending.append(self._info(logits, token))
        if job.constraint is not None:
            job.constraint.take(token)
        self.text += self.decoder.decode(self.tokenizer.token_bytes(token))
        if self._hit_stop_sequence():
            return token
        if job.constraint is not None and job.constraint.done():
            return self._finish("stop", token)
        if self.count >= job.max_tokens:
            return self._finish("length", token)
        self._send(len(self.text) - self._held_back())
        return token

    def _info(self, logits: torch.Tensor, token: int) -> TokenInfo:
        logprobs = logits.log_softmax(-1)
        top = []
        if self.job.top_logprobs:
            best = logprobs.topk(self.job.top_logprobs)
            top = [
                self._describe(i, v) for i, v in zip(best.indices.tolist(), best.values.tolist(), strict=True)
            ]
        text, raw, value = self._describe(token, float(logprobs[token]))
        return TokenInfo(text, raw, value, top)

    def _describe(self, token: int, logprob: float) -> tuple[str, list[int], float]:
        raw = self.tokenizer.token_bytes(token)
        return raw.decode("utf-8", errors="replace"), list(raw), logprob

    def _hit_stop_sequence(self) -> bool:
        """End the reply before the first stop sequence in it, if one has appeared."""
        found = [i for i in (self.text.find(s) for s in self.job.stop) if i >= 0]
        if not found:
            return False
        self.text = self.text[: min(found)]
        self._finish("stop", None, flush=False)
        return True

    def _held_back(self) -> int:
        """How many characters at the end could be the start of a stop sequence: not sent yet."""
        hold = 0
        for s in self.job.stop:
            for n in range(min(len(s) - 1, len(self.text)), hold, -1):
                if self.text.endswith(s[:n]):
                    hold = n
                    break
        return hold

    def _send(self, upto: int) -> None:
        if upto > self.sent or self.pending:
            self.job.emit(Delta(self.text[self.sent : upto], self.pending))
            self.sent, self.pending = max(upto, self.sent), []

    def _finish(self, reason: str, token: int | None, flush: bool = True) -> int:
        if flush:  # a character left half-written by the last token
            self.text += self.decoder.decode(b"", final=True)
        self._send(len(self.text))
        return self.end(Finished(reason, self.count), token)

    def end(self, event, token: int | None = 0) -> int:
        self.over = True
        self.job.emit(event)
        return token or 0
