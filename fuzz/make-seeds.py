#!/usr/bin/env python3
"""Writes the seed corpora of the array-reader fuzzers (fuzz/corpus/): a few
tiny valid files per format, made byte by byte (no numpy needed). Rerun only
to change the seeds; the files are committed."""
import json
import os
import struct
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def npy(descr, shape, data, version=1):
    shape_text = "(" + "".join(f"{d}, " for d in shape).rstrip(" ")
    if len(shape) != 1:
        shape_text = shape_text.rstrip(",")
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}), }}"
    length_bytes = 2 if version == 1 else 4
    prefix = 6 + 2 + length_bytes
    total = (prefix + len(header) + 1 + 63) // 64 * 64
    header = header + " " * (total - prefix - len(header) - 1) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + data


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def npz(path, members, compression):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def write(kind, name, data):
    os.makedirs(os.path.join(ROOT, kind), exist_ok=True)
    with open(os.path.join(ROOT, kind, name), "wb") as f:
        f.write(data)


f32 = struct.pack("<6f", 1.5, -2.25, 3.0, 1e-3, -7.0, 42.0)
i64 = struct.pack("<2q", -1, 1 << 40)
f16 = struct.pack("<3H", 0x3C00, 0xBC00, 0x4248)
i32 = struct.pack("<4i", 1, -2, 3, 1 << 30)

write("fuzz-npy", "f32-2x3.npy", npy("<f4", [2, 3], f32))
write("fuzz-npy", "i64-2.npy", npy("<i8", [2], i64))
write("fuzz-npy", "f16-scalar-v2.npy", npy("<f2", [], f16[:2], version=2))
write("fuzz-npy", "u2-3-v3.npy", npy("|u2", [3], f16, version=3))
write("fuzz-npy", "i4-empty.npy", npy("<i4", [0, 4], b""))

write("fuzz-safetensors", "three-dtypes.safetensors", safetensors(
    {"w": ("F32", [2, 3], f32), "b\u00e9": ("BF16", [3], f16),
     "ids": ("I64", [2], i64)}, {"format": "pt"}))
write("fuzz-safetensors", "one-i32.safetensors",
      safetensors({"x": ("I32", [2, 2], i32)}))
write("fuzz-safetensors", "empty.safetensors", safetensors({}))

members = {"w1.npy": npy("<f4", [2, 3], f32), "layer/b.npy": npy("<i8", [2], i64)}
for kind, compression in (("stored", zipfile.ZIP_STORED),
                          ("deflated", zipfile.ZIP_DEFLATED)):
    path = os.path.join(ROOT, "fuzz-npz", kind + ".npz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    npz(path, members, compression)
npz(os.path.join(ROOT, "fuzz-npz", "one-f16.npz"),
    {"h.npy": npy("<f2", [3], f16)}, zipfile.ZIP_DEFLATED)
