"""A minimal .safetensors reader and writer (no dependency beyond torch):
hash weights from spotlight-train, checkpoints for examples/python."""

import json
import math
import os
import struct

import torch

__all__ = ["load_file", "save_file", "load_hash_weights"]

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
           "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
           "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
           "BOOL": torch.bool}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}


def _count(n):
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


def _entry(path, name, info, data_size):
    """The dtype, shape and data offsets of a header entry, checked against
    the data section's `data_size` bytes: a malformed file raises ValueError
    before anything is read or allocated."""
    if not isinstance(info, dict) or \
            not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise ValueError(f"{path}: {name}: an entry holds dtype, shape and "
                         f"data_offsets, got {info!r}")
    dtype = _DTYPES.get(info["dtype"]) if isinstance(info["dtype"], str) \
        else None
    if dtype is None:
        raise ValueError(f"{path}: {name} has unsupported dtype "
                         f"{info['dtype']!r}")
    shape, offsets = info["shape"], info["data_offsets"]
    if not (isinstance(shape, list) and isinstance(offsets, list) and
            len(offsets) == 2 and all(map(_count, shape + offsets))):
        raise ValueError(f"{path}: {name}: bad shape {shape!r} or "
                         f"data_offsets {offsets!r}")
    begin, end = offsets
    nbytes = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
    if end - begin != nbytes:
        raise ValueError(f"{path}: {name}: data_offsets {offsets} do not hold "
                         f"{info['dtype']} {shape} ({nbytes} bytes)")
    if end > data_size:
        raise ValueError(f"{path}: {name} is truncated")
    return dtype, shape, begin, end


def load_file(path, names=None):
    """{name: tensor} of a .safetensors file (all, or those in `names`); a
    malformed file raises ValueError."""
    with open(path, "rb") as f:
        file_size = os.fstat(f.fileno()).st_size
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f"{path}: not a .safetensors file (too short)")
        (size,) = struct.unpack("<Q", raw)
        if size > min(100 * 1024 * 1024, file_size - 8):
            raise ValueError(f"{path}: header of {size} bytes is implausible "
                             f"(the file has {file_size})")
        try:
            header = json.loads(f.read(size))
        except ValueError as e:  # JSON and UTF-8 errors, without the path
            raise ValueError(f"{path}: the header is not JSON: {e}") from None
        if not isinstance(header, dict):
            raise ValueError(f"{path}: the header is not a JSON object")
        base = 8 + size
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__" or (names is not None and
                                          name not in names):
                continue
            dtype, shape, begin, end = _entry(path, name, info,
                                              file_size - base)
            f.seek(base + begin)
            data = bytearray(f.read(end - begin))
            t = torch.frombuffer(data, dtype=dtype) if data else \
                torch.empty(0, dtype=dtype)
            tensors[name] = t.reshape(shape)
    return tensors


def save_file(tensors, path):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous()
        # reshape(-1): view() cannot change the element size of a 0-dim one
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes()
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
