"""Serving many clients: our OpenAI-compatible server against `transformers serve`, on the same weights.

Each server runs in a process of its own with 2 torch threads, one server at a time, so they never
share the cores. Clients are threads of this process using the official openai SDK, streaming with
stream_options.include_usage, greedy (temperature 0), max_tokens N. For 1, 4 and 16 concurrent
clients, each client sends R requests one after another (the chat questions of _common.QUESTIONS,
in turn), and the run reports:

    aggregate tokens/s   completion tokens of all requests / wall time of the whole run
    time to first token  from sending a request to its first piece of text (median and 90th percentile)

Then the load check the issue asks for, on our server: 16 clients x 20 requests, half streamed,
every reply compared with the same request sent alone (no error, no crossed streams).

    python benchmarks/bench_serving.py [--quick] [--new-tokens N] [--requests R] [--no-peer]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _common as C

CONCURRENCY = (1, 4, 16)
TARGET_SCALING = 4.0        # aggregate tokens/s at 16 clients / at 1 client


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def start(command: list[str], port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    import httpx
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[:4]} exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"{command[:4]} did not start within 300 s")


def one_request(client, model: str, question: str, new_tokens: int, stream: bool = True) -> dict:
    messages = [{"role": "system", "content": C.SYSTEM}, {"role": "user", "content": question}]
    sent = time.perf_counter()
    first, text, tokens = None, [], 0
    if not stream:
        reply = client.chat.completions.create(model=model, messages=messages, temperature=0,
                                               max_tokens=new_tokens)
        return {"ttft": None, "text": reply.choices[0].message.content,
                "tokens": reply.usage.completion_tokens}
    for chunk in client.chat.completions.create(model=model, messages=messages, temperature=0,
                                                max_tokens=new_tokens, stream=True,
                                                stream_options={"include_usage": True}):
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter()
            text.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    return {"ttft": (first or time.perf_counter()) - sent, "text": "".join(text), "tokens": tokens}


def run_load(url: str, model: str, clients: int, requests: int, new_tokens: int, streamed=lambda k, r: True):
    import openai

    def client_run(k: int) -> list[dict]:
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=600)
        out = []
        for r in range(requests):
            question = C.QUESTIONS[(k * requests + r) % len(C.QUESTIONS)]
            result = one_request(client, model, question, new_tokens, stream=streamed(k, r))
            out.append(dict(result, question=question))
        return out

    start_time = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for rs in pool.map(client_run, range(clients)) for r in rs]
    wall = time.perf_counter() - start_time
    ttfts = sorted(r["ttft"] for r in results if r["ttft"] is not None)
    tokens = sum(r["tokens"] for r in results)
    return {"clients": clients, "requests": len(results), "wall_s": wall, "tokens": tokens,
            "tok_per_s": tokens / wall,
            "ttft_median_s": statistics.median(ttfts) if ttfts else None,
            "ttft_p90_s": ttfts[int(0.9 * (len(ttfts) - 1))] if ttfts else None, "results": results}


def measure(name: str, command: list[str], port: int, model: str, args, env) -> dict:
    process = start(command, port, env)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        one_request(__import__("openai").OpenAI(base_url=url, api_key="unused"), model, "Hi!", 4)   # warm-up
        runs = [run_load(url, model, c, args.requests, args.new_tokens) for c in CONCURRENCY]
        load = None
        if name == "ours" and not args.quick:
            load = load_check(url, model, args)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {"name": name, "runs": runs, "load": load}


def load_check(url: str, model: str, args) -> dict:
    """16 clients x 20 requests, half streamed; each reply against the same request sent alone."""
    import openai
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=600)
    solo = {q: one_request(client, model, q, args.new_tokens, stream=False)["text"] for q in C.QUESTIONS}
    try:
        run = run_load(url, model, 16, 20, args.new_tokens, streamed=lambda k, r: (k + r) % 2 == 0)
    except Exception as e:                       # any error fails the check; say which
        return {"error": f"{type(e).__name__}: {e}"}
    differ = [r["question"] for r in run["results"] if r["text"] != solo[r["question"]]]
    return {"requests": run["requests"], "errors": 0, "differ_from_solo": len(differ),
            "examples": differ[:3], "wall_s": run["wall_s"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 requests per client, 16 tokens, no load check")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--requests", type=int, default=4, help="requests per client in each run")
    parser.add_argument("--no-peer", action="store_true", help="skip transformers serve")
    args = parser.parse_args()
    if args.quick:
        args.new_tokens, args.requests = 16, 2
    env = dict(os.environ, OMP_NUM_THREADS=str(C.THREADS), LESSON_THREADS=str(C.THREADS), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1")
    from lesson_utils.llm.weights import find_model_file
    gguf = find_model_file()

    measured = []
    port = free_port()
    ours = [sys.executable, "-m", "lesson_utils", "serve", "--port", str(port)]
    measured.append(measure("ours", ours, port, "SmolLM2-135M-Instruct", args, env))
    peer_error = None
    if not args.no_peer:
        port = free_port()
        model = f"{gguf.parent}:{gguf.name}"
        command = [str(Path(sys.executable).with_name("transformers")), "serve", model, "--port", str(port),
                   "--host", "127.0.0.1", "--device", "cpu"]
        try:
            measured.append(measure("transformers serve", command, port, model, args, env))
        except Exception as e:
            peer_error = f"{type(e).__name__}: {str(e)[-800:]}"

    lines = [f"bench_serving: {args.requests} requests per client, max_tokens {args.new_tokens}, greedy, "
             f"streamed; each server in its own process with {C.THREADS} torch threads, one at a time", "",
             f"{'server':<20} {'clients':>7} {'requests':>8} {'tokens':>7} {'wall s':>7} {'tok/s':>7} "
             f"{'TTFT median s':>13} {'TTFT p90 s':>10}"]
    for m in measured:
        for r in m["runs"]:
            lines.append(f"{m['name']:<20} {r['clients']:>7} {r['requests']:>8} {r['tokens']:>7} "
                         f"{r['wall_s']:>7.1f} {r['tok_per_s']:>7.1f} {r['ttft_median_s']:>13.2f} "
                         f"{r['ttft_p90_s']:>10.2f}")
    ours = measured[0]["runs"]
    scaling = ours[-1]["tok_per_s"] / ours[0]["tok_per_s"]
    lines += ["", f"ours, aggregate tokens/s at 16 clients / 1 client: {scaling:.1f}x "
                  f"(goal >= {TARGET_SCALING:.0f}x: {'met' if scaling >= TARGET_SCALING else 'not met'})"]
    if len(measured) > 1:
        ratios = [o["tok_per_s"] / p["tok_per_s"] for o, p in zip(ours, measured[1]["runs"], strict=True)]
        lines.append("ours / transformers serve, aggregate tokens/s: " + ", ".join(
            f"{c} clients {x:.2f}x" for c, x in zip(CONCURRENCY, ratios, strict=True)))
    if peer_error:
        lines.append(f"transformers serve could not be measured: {peer_error}")
    load = measured[0]["load"]
    if load:
        lines.append(f"load check, 16 clients x 20 requests on ours: {load}")
    text = "\n".join(lines)
    print(text)
    for m in measured:
        for r in m["runs"]:
            r.pop("results")
    C.save("serving", {"args": vars(args), "measured": measured, "peer_error": peer_error}, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
