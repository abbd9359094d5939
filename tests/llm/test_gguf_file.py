import numpy as np
import pytest
from gguf.quants import dequantize

from lesson_utils.llm.gguf_file import decode_q4_1_block, describe_model_file, raw_q4_1_block
from lesson_utils.llm.weights import find_model_file, gguf_reader


@pytest.fixture(scope="module")
def info():
    return describe_model_file()


def test_description_of_the_file(info):
    assert info["n_params"] == 134_515_008
    assert info["kinds"] == {"Q4_1": 210, "F32": 61, "Q8_0": 1}
    assert info["metadata"]["llama.block_count"] == 30
    embed = next(t for t in info["tensors"] if t.name == "token_embd.weight")
    assert embed.shape == (49152, 576)


def test_hand_decoded_block_equals_gguf_dequantize():
    reader = gguf_reader(find_model_file())
    tensor = next(t for t in reader.tensors if t.name == "blk.3.ffn_up.weight")
    want = dequantize(tensor.data, tensor.tensor_type).reshape(-1)[:32]
    got = decode_q4_1_block(raw_q4_1_block("blk.3.ffn_up.weight"))
    np.testing.assert_array_equal(got, want)


def test_decode_q4_1_worked_example():
    # scale 0.5, offset -1: code 0 -> -1.0, code 15 -> 6.5; low nibbles first, then high ones
    block = np.array([0.5, -1.0], dtype=np.float16).tobytes() + bytes([0xF0] + [0] * 15)
    values = decode_q4_1_block(block)
    assert values[0] == -1.0 and values[16] == 6.5 and values.shape == (32,)


def test_bad_block_and_tensor_names():
    with pytest.raises(ValueError, match="20 bytes"):
        decode_q4_1_block(b"\x00" * 19)
    with pytest.raises(ValueError, match="no tensor named"):
        raw_q4_1_block("blk.99.attn_q.weight")
    with pytest.raises(ValueError, match="Q8_0"):
        raw_q4_1_block("token_embd.weight")
