"""The engine on its own: which requests share a batch, and that a batch's replies are their solo replies."""

from __future__ import annotations

import threading
import time

from lesson_utils.api.engine import Engine, Finished, Job


def _jobs(lm, prompts):
    done = threading.Event()
    ends = {}

    def job(k, prompt):
        def emit(event):
            if isinstance(event, Finished):
                ends[k] = event
                if len(ends) == len(prompts):
                    done.set()
        return Job(prompt=lm.encode(lm.chat_prompt(prompt)), max_tokens=2, emit=emit, temperature=0)

    return [job(k, p) for k, p in enumerate(prompts)], ends, done


def test_requests_that_keep_arriving_start_one_batch_together(lm):
    # Eight requests 20 ms apart: each gap is shorter than the quiet period (100 ms), so the engine
    # waits for all of them; a fixed wait after the first would start with only the first few.
    engine = Engine(lm, gather_seconds=0.1, max_gather_seconds=2.0)
    try:
        jobs, ends, done = _jobs(lm, [f"Say the number {n}." for n in range(8)])
        for job in jobs:
            engine.submit(job)
            time.sleep(0.02)
        assert done.wait(120) and len(ends) == 8
        assert engine.batches == 1
    finally:
        engine.close()


def test_a_full_batch_starts_without_waiting_for_the_quiet_period(lm):
    engine = Engine(lm, max_batch=3, gather_seconds=3.0, max_gather_seconds=10.0)
    try:
        jobs, ends, done = _jobs(lm, [f"Say the number {n}." for n in range(3)])
        start = time.monotonic()
        for job in jobs:
            engine.submit(job)
        assert done.wait(120)
        assert time.monotonic() - start < 2.5 and engine.batches == 1
    finally:
        engine.close()
