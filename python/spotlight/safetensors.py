"""A minimal .safetensors reader and writer (no dependency beyond torch):
hash weights from spotlight-train, checkpoints for examples/python."""

import json
import struct

import torch

__all__ = ["load_file", "save_file", "load_hash_weights"]

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
           "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
           "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
           "BOOL": torch.bool}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}


def load_file(path, names=None):
    """{name: tensor} of a .safetensors file (all, or those in `names`)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f"{path}: not a .safetensors file (too short)")
        (size,) = struct.unpack("<Q", raw)
        if size > 100 * 1024 * 1024:
            raise ValueError(f"{path}: header of {size} bytes is implausible")
        header = json.loads(f.read(size))
        base = 8 + size
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__" or (names is not None and
                                          name not in names):
                continue
            dtype = _DTYPES.get(info["dtype"])
            if dtype is None:
                raise ValueError(f"{path}: {name} has unsupported dtype "
                                 f"{info['dtype']}")
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            data = bytearray(f.read(end - begin))
            if len(data) != end - begin:
                raise ValueError(f"{path}: {name} is truncated")
            t = torch.frombuffer(data, dtype=dtype) if data else \
                torch.empty(0, dtype=dtype)
            tensors[name] = t.reshape(info["shape"])
    return tensors


def save_file(tensors, path):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous()
        data = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def load_hash_weights(path):
    """w1, b1, w2, b2 of a spotlight-train .safetensors (one layer)."""
    tensors = load_file(path, {"w1", "b1", "w2", "b2"})
    missing = [n for n in ("w1", "b1", "w2", "b2") if n not in tensors]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} tensor(s); "
                         "spotlight-train writes w1, b1, w2, b2")
    return tensors
