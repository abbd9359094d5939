"""The lessons' model from a terminal: `python -m lesson_utils COMMAND ...`.

    python -m lesson_utils doctor                                   # is everything installed?
    python -m lesson_utils tokenize "Hello world"                   # 2 tokens: 'Hello' ' world'
    python -m lesson_utils next-token "The capital of France is"    # ' Paris' 77%, ...
    python -m lesson_utils generate "Once upon a time"
    python -m lesson_utils chat --system "Answer in one sentence."
    python -m lesson_utils install-slides-extension                 # widgets in RISE slides

Every command reads its inputs as raw text, with the escapes \\n (newline) and \\t
(tab) turned into the characters, so that a chat prompt fits on one line:
"<|im_start|>user\\nHi<|im_end|>\\n<|im_start|>assistant\\n". With --json each input
gives one JSON object on its own line of stdout; messages go to stderr.

Exit codes: 0 done, 1 something is not installed, 2 bad input (the message says
what to change).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys

PROG = "python -m lesson_utils"
CHAT_INTRO = ("Chatting with SmolLM2-135M-Instruct. Type /quit, or end the input "
              "(Ctrl-D; Ctrl-Z Enter on Windows).")

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


class UsageError(Exception):
    """The command line itself is wrong (unknown option, missing argument, bad number)."""


def unescape(text: str) -> str:
    r"""Turn the escapes \n, \t and \\ into newline, tab and backslash; leave other text alone.

    "user\\nHi" (backslash, n) -> "user\nHi" (a real newline); "C:\\dir" stays as it is.
    """
    return re.sub(r"\\([nt\\])", lambda m: _ESCAPES[m.group(1)], text)


# ---------------------------------------------------------------- the command line

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line and exit code 2 (set in main), instead of argparse's usage dump.
        raise UsageError(f"{message}; see `{self.prog} --help`")


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number such as 0.7, got {text!r}") from None


def _add_sampling_options(parser: argparse.ArgumentParser, max_new_tokens: int) -> None:
    parser.add_argument("--max-new-tokens", type=_whole_number, default=max_new_tokens, metavar="N",
                        help=f"stop after N new tokens (default {max_new_tokens})")
    parser.add_argument("--temperature", type=_number, default=0.0, metavar="T",
                        help="0 (the default) always takes the most likely token; "
                             "higher values sample more freely")
    parser.add_argument("--top-k", type=_whole_number, metavar="K",
                        help="sample only among the K most likely tokens")
    parser.add_argument("--top-p", type=_number, metavar="P",
                        help="sample only among the most likely tokens that together hold "
                             "probability P, 0 < P <= 1")
    parser.add_argument("--seed", type=_integer, metavar="S",
                        help="seed of the random draws: the same seed gives the same text")


# tokenizers.TOKENIZER_NAMES, written out so that building the parser (for `doctor` too) imports neither
# tiktoken nor regex; tests/admin/test_cli.py holds the two equal.
TOKENIZERS = ("smollm2", "cl100k_base")


def build_parser() -> argparse.ArgumentParser:
    escapes = ("In the text arguments the two characters \\n become a newline and \\t a tab "
               "(\\\\n keeps a backslash and n). Each argument is one input: quote text that has spaces. "
               "Start with -- when a text begins with '-'.")
    parser = _Parser(prog=PROG, description="Try SmolLM2-135M-Instruct, the lessons' model, from a terminal.",
                     epilog=escapes)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("doctor", help="check that Python, the packages and the model are installed",
                        description="Check Python, the pinned packages, the model file and the weight "
                                    "cache; print the command that fixes each problem.")

    commands.add_parser("install-slides-extension", help="let widgets draw in jupyterlab-rise slides",
                        description="Copy the small JupyterLab extension that lets ipywidgets draw in "
                                    "jupyterlab-rise slides into this environment (see "
                                    "lesson_utils/admin/slides.py). `python3 tasks.py setup` runs it.")

    p = commands.add_parser("tokenize", help="split text into tokens", epilog=escapes,
                            description="Show the token ids and token strings of each TEXT.")
    p.add_argument("--tokenizer", default="smollm2", choices=TOKENIZERS,
                   help="smollm2 (the model's own, the default) or cl100k_base (GPT-4's)")
    p.add_argument("--json", action="store_true", help='print {"ids": [...], "tokens": [...]} per TEXT')
    p.add_argument("texts", nargs="+", metavar="TEXT")

    p = commands.add_parser("next-token", help="the most likely next tokens after a prompt", epilog=escapes,
                            description="The probabilities of the tokens that could come right after "
                                        "each PROMPT.")
    p.add_argument("--top", type=_whole_number, default=10, metavar="K", help="how many tokens (default 10)")
    p.add_argument("--json", action="store_true",
                   help='print {"top": [{"id": ..., "text": ..., "p": ...}, ...]} per PROMPT')
    p.add_argument("prompts", nargs="+", metavar="PROMPT")

    p = commands.add_parser("generate", help="continue a prompt", epilog=escapes,
                            description="Continue each PROMPT, written as raw text (a chat prompt "
                                        "includes its special tokens). Each PROMPT is generated on its "
                                        "own, so its result does not depend on the others.")
    _add_sampling_options(p, max_new_tokens=64)
    p.add_argument("--json", action="store_true",
                   help='print {"ids": [new token ids], "text": ...} per PROMPT')
    p.add_argument("prompts", nargs="+", metavar="PROMPT")

    p = commands.add_parser("chat", help="talk with the model (type /quit to end)",
                            description="Chat line by line. Each line you type is one message; the "
                                        "whole conversation is sent every time, and the oldest turns "
                                        "are dropped when it no longer fits in the 8192-token window.")
    p.add_argument("--system", metavar="TEXT", help="a system message, e.g. 'Answer in one sentence.'")
    _add_sampling_options(p, max_new_tokens=256)

    p = commands.add_parser("serve", help="an OpenAI-compatible HTTP API for the model (Ctrl-C stops it)",
                            description="Serve the model at http://HOST:PORT/v1 (POST "
                                        "/v1/chat/completions, GET /v1/models, GET /health), for the openai "
                                        "SDK or any HTTP client. See lesson_utils/api/server.py.")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1: this computer only; any other needs "
                        "--api-key)")
    p.add_argument("--port", type=_whole_number, default=8000, help="default 8000")
    p.add_argument("--api-key", metavar="KEY", help="answer only requests with Authorization: Bearer KEY")
    p.add_argument("--fast", action="store_true", help="run the 4-bit weights (faster, near-equal output)")
    p.add_argument("--max-batch", type=_whole_number, default=16, metavar="N",
                   help="at most N requests decoded together (default 16)")
    p.add_argument("--max-waiting", type=_whole_number, default=64, metavar="N",
                   help="at most N requests waiting; more get 429 (default 64)")
    p.add_argument("--timeout", type=_number, default=120.0, metavar="S",
                   help="a request still running after S seconds gets 504 (default 120)")
    p.add_argument("--fault-rate", type=_number, default=0.0, metavar="P",
                   help="fail this share of requests on purpose, with 429, 500 or a stalled stream (for "
                        "practising retries; default 0)")
    p.add_argument("--fault-seed", type=_integer, default=0, metavar="S", help="which requests fail")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (0 done, 1 not installed, 2 bad input)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")     # a console that cannot show a character
        except (AttributeError, ValueError):
            pass
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except SystemExit as e:                          # --help
        return e.code if isinstance(e.code, int) else 0
    except UsageError as e:
        return _error(e, 2)
    except (ValueError, TypeError) as e:             # lesson_utils explains what to change
        return _error(e, 2)
    except (FileNotFoundError, ImportError) as e:    # the model file or a package is missing
        return _error(f"{e} (`{PROG} doctor` checks the whole installation)", 1)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:                          # e.g. `... | head -1`
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1


def _error(message, code: int) -> int:
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    return code


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@functools.cache
def _load_model():
    """The chat model, loaded once per process (the first load ever builds the cache, ~10 s)."""
    from ..llm.chat_model import load_chat_model
    return load_chat_model(progress=_progress)


def _prompts(texts: list[str]) -> list[str]:
    prompts = [unescape(t) for t in texts]
    for i, p in enumerate(prompts, 1):
        if not p:
            raise ValueError(f"prompt {i} is empty: give some text, e.g. \"Once upon a time\"")
    return prompts


def _settings(args) -> dict:
    from ..llm.sampling import check_sampling_args
    check_sampling_args(args.temperature, args.top_k, args.top_p)
    return {"max_new_tokens": args.max_new_tokens, "temperature": args.temperature,
            "top_k": args.top_k, "top_p": args.top_p, "seed": args.seed}


def _print_json(obj) -> None:
    print(json.dumps(obj), flush=True)


# ---------------------------------------------------------------- the commands

def cmd_doctor(args) -> int:
    from .doctor import report, run_checks
    checks = run_checks()
    print(report(checks))
    return 0 if all(c.ok for c in checks) else 1


def cmd_tokenize(args) -> int:
    from ..llm.tokenizers import get_tokenizer
    tokenizer = get_tokenizer(args.tokenizer)
    for text in map(unescape, args.texts):
        ids = tokenizer.encode(text)
        tokens = tokenizer.token_strings(ids)
        if args.json:
            _print_json({"ids": ids, "tokens": tokens})
            continue
        print(f"{text!r}: {len(ids)} token{'' if len(ids) == 1 else 's'} ({tokenizer.name})")
        for token_id, token in zip(ids, tokens, strict=True):
            print(f"  {token_id:>6}  {token!r}")
    return 0


def cmd_next_token(args) -> int:
    prompts = _prompts(args.prompts)
    lm = _load_model()
    for prompt in prompts:
        top = lm.top_next_tokens(prompt, k=args.top)
        if args.json:
            _print_json({"top": top})
            continue
        print(f"after {prompt!r}:")
        for t in top:
            print(f"  {100 * t['p']:6.2f}%  {t['text']!r:<16} (id {t['id']})")
    return 0


def cmd_generate(args) -> int:
    settings = _settings(args)
    prompts = _prompts(args.prompts)
    lm = _load_model()
    for i, prompt in enumerate(prompts, 1):
        if args.json:
            out = lm.generate(prompt, **settings)
            _print_json({"ids": out.ids, "text": out.text})
            continue
        if len(prompts) > 1:
            print(f"--- {i}: {prompt!r}")
        for piece in lm.stream(prompt, **settings):
            print(piece, end="", flush=True)
        print()
    return 0


def cmd_chat(args) -> int:
    from ..llm.chat import drop_oldest_turns
    settings = _settings(args)
    system = [{"role": "system", "content": unescape(args.system)}] if args.system is not None else []
    lm = _load_model()
    window = lm.model.config.context_length
    budget = window - settings["max_new_tokens"]
    if budget < 1:
        raise ValueError(f"--max-new-tokens must leave room for the conversation in the {window}-token "
                         "window; ask for fewer")

    def count_tokens(text):
        return len(lm.tokenizer.encode(text))

    interactive = sys.stdin.isatty()
    if interactive:
        print(CHAT_INTRO, file=sys.stderr)
    turns: list[dict] = []
    while True:
        if interactive:
            print("you> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line or line.strip() == "/quit":
            return 0
        text = unescape(line.rstrip("\r\n"))
        if not text.strip():
            continue
        try:
            messages, dropped = drop_oldest_turns(system + turns + [{"role": "user", "content": text}],
                                                  count_tokens, budget)
        except ValueError:                     # this message alone is too long: skip it, go on
            _error(f"your message does not fit in the {budget} tokens left for the conversation; write a "
                   "shorter one (or ask for fewer --max-new-tokens)", 2)
            continue
        if dropped:
            print(f"(the conversation no longer fits in the {window}-token window: dropped the "
                  f"oldest {dropped} message{'s' if dropped > 1 else ''})", file=sys.stderr)
        if interactive:
            print("bot> ", end="", flush=True)
        reply = []
        for piece in lm.stream(lm.chat_prompt(messages), **settings):
            print(piece, end="", flush=True)
            reply.append(piece)
        print(flush=True)
        turns = messages[len(system):] + [{"role": "assistant", "content": "".join(reply)}]


def cmd_serve(args) -> int:
    from ..api.server import Faults, serve
    from ..llm.chat_model import load_chat_model
    faults = Faults(rate=args.fault_rate, seed=args.fault_seed) if args.fault_rate else None
    if args.timeout <= 0:
        raise UsageError("--timeout: must be a number of seconds > 0")
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.api_key:
        raise UsageError(f"--host {args.host} lets other computers reach the model; give --api-key KEY too")
    lm = load_chat_model(progress=_progress, fast=args.fast)
    print(f"serving {lm!r} at http://{args.host}:{args.port}/v1 (Ctrl-C stops it)", file=sys.stderr,
          flush=True)
    serve(lm, host=args.host, port=args.port, api_key=args.api_key, max_batch=args.max_batch,
          max_waiting=args.max_waiting, timeout_seconds=args.timeout, faults=faults)
    return 0


def cmd_install_slides_extension(args) -> int:
    from . import slides
    if slides.is_installed():
        print(f"the slides extension is up to date in {slides.installed_folder()}")
        return 0
    try:
        folder = slides.install()
    except PermissionError as e:
        return _error(f"cannot write {e.filename}: run this as the user who installed the environment "
                      "(on a shared server, with sudo)", 1)
    print(f"installed {folder}; restart JupyterLab (stop it and start it again) to load it")
    return 0


COMMANDS = {"doctor": cmd_doctor, "tokenize": cmd_tokenize, "next-token": cmd_next_token,
            "generate": cmd_generate, "chat": cmd_chat, "serve": cmd_serve,
            "install-slides-extension": cmd_install_slides_extension}
