"""A look inside the model file itself: what a GGUF file holds and how 4-bit numbers work.

Used by notebook 00 to show that an LLM is, first of all, a file of numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .weights import find_model_file, gguf_reader

Q4_1_BLOCK = 32      # numbers per Q4_1 block; each block stores a scale, an offset and 32 4-bit codes


@dataclass
class TensorInfo:
    name: str
    kind: str                   # storage type: F32, Q8_0 or Q4_1
    shape: tuple[int, ...]      # (rows, columns), as the model uses it
    n_params: int
    n_bytes: int


def describe_model_file(path: Path | None = None) -> dict:
    """The file's size, its metadata (architecture settings) and a row per tensor."""
    path = Path(path) if path else find_model_file()
    reader = gguf_reader(path)
    metadata = {}
    for key, field in reader.fields.items():
        if key.startswith(("general.", "llama.")):
            value = field.contents()
            metadata[key] = value
    tensors = [TensorInfo(t.name, t.tensor_type.name, tuple(int(n) for n in reversed(t.shape)),
                          int(t.n_elements), int(t.n_bytes)) for t in reader.tensors]
    return {"file_name": path.name, "file_bytes": path.stat().st_size, "metadata": metadata,
            "tensors": tensors, "kinds": Counter(t.kind for t in tensors),
            "n_params": sum(t.n_params for t in tensors)}


def raw_q4_1_block(tensor_name: str = "blk.0.attn_q.weight", path: Path | None = None) -> bytes:
    """The first 20 bytes of a Q4_1 tensor: one block of 32 numbers."""
    reader = gguf_reader(Path(path) if path else find_model_file())
    tensor = next((t for t in reader.tensors if t.name == tensor_name), None)
    if tensor is None:
        raise ValueError(f"no tensor named {tensor_name!r} in the file")
    if tensor.tensor_type.name != "Q4_1":
        raise ValueError(f"{tensor_name} is stored as {tensor.tensor_type.name}, not Q4_1")
    return bytes(np.asarray(tensor.data).reshape(-1)[:20])


def decode_q4_1_block(block: bytes) -> np.ndarray:
    """20 bytes -> 32 float32 numbers: value = scale * code + offset, code in 0..15.

    Bytes 0-1: scale (float16); bytes 2-3: offset (float16); bytes 4-19: 32 codes of
    4 bits, two per byte (low halves are numbers 0-15, high halves numbers 16-31).
    """
    if len(block) != 20:
        raise ValueError(f"a Q4_1 block is 20 bytes, got {len(block)}")
    scale, offset = np.frombuffer(block[:4], dtype=np.float16).astype(np.float32)
    packed = np.frombuffer(block[4:], dtype=np.uint8)
    codes = np.concatenate([packed & 0x0F, packed >> 4])       # (32,) integers 0..15
    return scale * codes.astype(np.float32) + offset
