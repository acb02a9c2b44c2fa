"""torch.ops.spotlight.*: the paged steps as torch operators.

Registered through torch.library (PyTorch 1.13 and 2.x), with the pools the
step writes declared mutated in the schema (`Tensor(a!)`), so a model can
call them inside its forward and torch knows what changes. The first
argument is a SparseDecoder's `handle`:

    torch.ops.spotlight.paged_write(dec.handle, keys, values, slot_mapping,
                                    k_cache, v_cache, code_cache)
    out, indices = torch.ops.spotlight.paged_decode(
        dec.handle, query, k_cache, v_cache, code_cache, block_table, seq_lens)
    torch.ops.spotlight.paged_decode.out(..., out=out, indices=indices)
    indices = torch.ops.spotlight.paged_select(
        dec.handle, query, code_cache, block_table, seq_lens)
    out = torch.ops.spotlight.paged_decode_dense(
        dec.handle, query, k_cache, v_cache, block_table, seq_lens)
"""

import torch

from .decoder import lookup

SCHEMAS = {
    "paged_write":
        "paged_write(int decoder, Tensor keys, Tensor values, "
        "Tensor slot_mapping, Tensor(a!) k_cache, Tensor(b!) v_cache, "
        "Tensor(c!) code_cache) -> ()",
    "paged_decode":
        "paged_decode(int decoder, Tensor query, Tensor k_cache, "
        "Tensor v_cache, Tensor code_cache, Tensor block_table, "
        "Tensor seq_lens) -> (Tensor out, Tensor indices)",
    "paged_decode.out":
        "paged_decode.out(int decoder, Tensor query, Tensor k_cache, "
        "Tensor v_cache, Tensor code_cache, Tensor block_table, "
        "Tensor seq_lens, *, Tensor(a!) out, Tensor(b!) indices) -> "
        "(Tensor(a!) out, Tensor(b!) indices)",
    "paged_select":
        "paged_select(int decoder, Tensor query, Tensor code_cache, "
        "Tensor block_table, Tensor seq_lens) -> Tensor",
    "paged_decode_dense":
        "paged_decode_dense(int decoder, Tensor query, Tensor k_cache, "
        "Tensor v_cache, Tensor block_table, Tensor seq_lens) -> Tensor",
}


def paged_write(decoder, keys, values, slot_mapping, k_cache, v_cache,
                code_cache):
    lookup(decoder)._write(keys, values, slot_mapping, k_cache, v_cache,
                           code_cache)


def paged_decode(decoder, query, k_cache, v_cache, code_cache, block_table,
                 seq_lens):
    d = lookup(decoder)
    out, indices = d._outputs(query)
    d._decode(query, k_cache, v_cache, code_cache, block_table, seq_lens, out,
              indices)
    return out, indices


def paged_decode_out(decoder, query, k_cache, v_cache, code_cache,
                     block_table, seq_lens, *, out, indices):
    lookup(decoder)._decode(query, k_cache, v_cache, code_cache, block_table,
                            seq_lens, out, indices)
    return out, indices


def paged_select(decoder, query, code_cache, block_table, seq_lens):
    d = lookup(decoder)
    _, indices = d._outputs(query, with_out=False)
    d._select(query, code_cache, block_table, seq_lens, indices)
    return indices


def paged_decode_dense(decoder, query, k_cache, v_cache, block_table,
                       seq_lens):
    d = lookup(decoder)
    out, _ = d._outputs(query, with_indices=False)
    d._dense(query, k_cache, v_cache, block_table, seq_lens, out)
    return out


KERNELS = {
    "paged_write": paged_write,
    "paged_decode": paged_decode,
    "paged_decode.out": paged_decode_out,
    "paged_select": paged_select,
    "paged_decode_dense": paged_decode_dense,
}

# Kept across importlib.reload: collecting the Library would deregister the
# ops, and torch.ops would still answer for the stale ones.
_library = globals().get("_library")


def register():
    """Defines the ops once per process (a second import, or a reload of
    this module, is a no-op)."""
    global _library
    if _library is not None:
        return
    library = torch.library.Library("spotlight", "DEF")
    for name, schema in SCHEMAS.items():
        library.define(schema)
    # One Python kernel per backend; it checks that every tensor is on the
    # decoder's device, so a mixed call fails with a message, never a crash.
    for name, kernel in KERNELS.items():
        for key in ("CPU", "CUDA"):
            library.impl(name, kernel, key)
    _library = library
