"""spotlight.safetensors: the round trip of every dtype and shape (0-dim and
empty included), and malformed files refused with a ValueError."""

import json
import struct

import pytest
import torch

from spotlight import safetensors


def test_round_trip(tmp_path):
    tensors = {
        "w1": torch.randn(3, 5, 7), "b1": torch.randn(5).bfloat16(),
        "scalar": torch.randn(()), "half": torch.randn(()).half(),
        "count": torch.randint(-9, 9, (), dtype=torch.int64),
        "flag": torch.tensor(True), "empty": torch.zeros(2, 0, 4),
        "bytes": torch.randint(0, 255, (11,), dtype=torch.uint8),
        "strided": torch.randn(4, 6).t(),
    }
    path = tmp_path / "t.safetensors"
    safetensors.save_file(tensors, path)
    back = safetensors.load_file(path)
    assert back.keys() == tensors.keys()
    for name, t in tensors.items():
        assert back[name].dtype == t.dtype and torch.equal(back[name], t), name
    assert safetensors.load_file(path, {"scalar"}).keys() == {"scalar"}


def write(path, header, data=b""):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


def entry(dtype="F32", shape=(1,), offsets=(0, 4)):
    return {"w": {"dtype": dtype, "shape": list(shape),
                  "data_offsets": list(offsets)}}


@pytest.mark.parametrize("header,data,words", [
    (entry(offsets=(0, 10 ** 13), shape=(25 * 10 ** 11,)), b"", "truncated"),
    (entry(offsets=(0, 10 ** 13)), b"\0" * 4, "do not hold"),
    (entry(shape=(3,)), b"\0" * 4, "do not hold"),
    (entry(offsets=(8, 4)), b"\0" * 12, "do not hold"),
    (entry(offsets=(-4, 0)), b"\0" * 4, "data_offsets"),
    (entry(shape=(-1,)), b"\0" * 4, "bad shape"),
    (entry(shape=(1.5,)), b"\0" * 4, "bad shape"),
    (entry(dtype=["F32"]), b"\0" * 4, "unsupported dtype"),
    (entry(dtype="F8"), b"\0" * 4, "unsupported dtype"),
    ({"w": 3}, b"", "entry holds"),
    ({"w": {"dtype": "F32", "shape": [1]}}, b"\0" * 4, "entry holds"),
    ([1, 2], b"", "not a JSON object"),
    (b"{nope", b"", "not JSON"),
    (b"\xff\xfe", b"", "not JSON"),
])
def test_malformed_file(tmp_path, header, data, words):
    path = write(tmp_path / "bad.safetensors", header, data)
    with pytest.raises(ValueError, match=words):
        safetensors.load_file(path)


def test_header_past_the_end(tmp_path):
    path = tmp_path / "short.safetensors"
    path.write_bytes(struct.pack("<Q", 1000) + b"{}")
    with pytest.raises(ValueError, match="header of 1000 bytes"):
        safetensors.load_file(path)
    path.write_bytes(b"\0" * 5)
    with pytest.raises(ValueError, match="too short"):
        safetensors.load_file(path)
