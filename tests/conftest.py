"""Shared fixtures: our model and tokenizer, and the Hugging Face reference, each loaded once.

transformers is the reference implementation for the tests only; the notebooks never
import it. Fixtures that need it skip when it is not installed.
"""

from __future__ import annotations

import os

# OpenMP threads that spin while they wait make PyTorch up to 10 times slower when other
# processes share the CPU (CI runners, a laptop with a notebook open); waiting passively
# costs next to nothing when the cores are free. Read once, when torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest  # noqa: E402
import torch  # noqa: E402

from lesson_utils.llm.chat_model import ChatModel  # noqa: E402
from lesson_utils.llm.tokenizers import get_tokenizer  # noqa: E402
from lesson_utils.llm.weights import find_model_file, gguf_reader, load_transformer  # noqa: E402
from lesson_utils.session import threads_from_environment  # noqa: E402

torch.set_num_threads(threads_from_environment())      # 2, or LESSON_THREADS


@pytest.fixture(scope="session")
def model():
    """Our SmolLM2-135M-Instruct Transformer, float32, on the CPU."""
    return load_transformer(device="cpu")


@pytest.fixture(scope="session")
def tokenizer():
    return get_tokenizer("smollm2")


@pytest.fixture(scope="session")
def lm(model, tokenizer):
    """The model and tokenizer together, as the notebooks use them (load_chat_model)."""
    return ChatModel(model, tokenizer)


@pytest.fixture(scope="session")
def ref_model():
    """transformers' LlamaForCausalLM read from the same GGUF file (eager attention,
    so that it can return attention weights)."""
    transformers = pytest.importorskip("transformers")
    path = find_model_file()
    ref = transformers.AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=torch.float32, attn_implementation="eager")
    return ref.eval()


@pytest.fixture(scope="session")
def smollm2_reference():
    """SmolLM2's real tokenizer pipeline, built with Hugging Face's `tokenizers` straight from the
    GGUF file's vocabulary and merges: each numeric character cut out on its own
    (Digits(individual_digits=True)), then GPT-2's byte-level pattern, then byte-pair merges.

    That is what the file's `tokenizer.ggml.pre = smollm` names (SmolLM2's tokenizer.json has the
    same two pre-tokenizers). transformers' GGUF loader ignores that field and uses GPT-2's pattern
    alone, which keeps a space in front of a numeral (" ½" stays one piece), so it is not the
    reference for tokenization."""
    pytest.importorskip("tokenizers")
    from tokenizers import AddedToken, Tokenizer, decoders, models
    from tokenizers import pre_tokenizers as pre

    reader = gguf_reader(find_model_file())

    def strings(key):
        field = reader.fields[key]
        return [bytes(field.parts[i]).decode("utf-8") for i in field.data]

    assert strings("tokenizer.ggml.pre") == ["smollm"], "the file names another pre-tokenizer"
    tokens = strings("tokenizer.ggml.tokens")
    kinds = reader.fields["tokenizer.ggml.token_type"]
    control = [t for t, i in zip(tokens, kinds.data, strict=True) if int(kinds.parts[i][0]) == 3]
    merges = [tuple(m.split(" ")) for m in strings("tokenizer.ggml.merges")]
    reference = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    reference.pre_tokenizer = pre.Sequence([pre.Digits(individual_digits=True),
                                            pre.ByteLevel(add_prefix_space=False, use_regex=True)])
    reference.decoder = decoders.ByteLevel()
    reference.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in control])
    return reference


@pytest.fixture(scope="session")
def ref_tokenizer():
    transformers = pytest.importorskip("transformers")
    path = find_model_file()
    return transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


@pytest.fixture
def echo_model():
    """Stands in for ChatModel: its reply repeats the system message (what SmolLM2 often does)
    when the prompt asks for the password, and is "Hello!" otherwise."""
    return EchoModel()


class EchoModel:
    def chat_prompt(self, prompt, system=None):
        return f"{system}|{prompt}"

    def generate(self, prompt, max_new_tokens, temperature, seed):
        class Out:
            text = prompt.split("|")[0] if "password" in prompt.split("|")[1] else "Hello!"
        return Out()
