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

Each op also has a fake kernel (shapes and element types only), so meta
tensors, FakeTensor, make_fx and torch.compile can trace a model that calls
them; the decoder must be alive while tracing, as it gives the geometry.
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


# -- fake kernels -------------------------------------------------------------
# The outputs' shapes and element types, no data read or written: what torch
# runs on meta tensors (device="meta"), under FakeTensor, make_fx and
# torch.compile (vLLM traces its model so). Registered for the Meta key, or as
# the op's fake implementation where torch has torch.library.register_fake
# (impl_abstract before 2.4). The real kernels allocate their outputs through
# them, so both give the same shapes (SparseDecoder._output_shapes).

def paged_write_fake(decoder, keys, values, slot_mapping, k_cache, v_cache,
                     code_cache):
    lookup(decoder)  # a freed decoder fails while tracing too
    # No result: the pools are written in place (declared in the schema).


def paged_decode_fake(decoder, query, k_cache, v_cache, code_cache,
                      block_table, seq_lens):
    return lookup(decoder)._outputs(query)


def paged_decode_out_fake(decoder, query, k_cache, v_cache, code_cache,
                          block_table, seq_lens, *, out, indices):
    lookup(decoder)._check_outputs("spotlight::paged_decode.out", query, out,
                                   indices)
    return out, indices


def paged_select_fake(decoder, query, code_cache, block_table, seq_lens):
    _, indices = lookup(decoder)._outputs(query, with_out=False)
    return indices


def paged_decode_dense_fake(decoder, query, k_cache, v_cache, block_table,
                            seq_lens):
    out, _ = lookup(decoder)._outputs(query, with_indices=False)
    return out


# -- the kernels (CPU, CUDA) --------------------------------------------------
def paged_write(decoder, keys, values, slot_mapping, k_cache, v_cache,
                code_cache):
    lookup(decoder)._write(keys, values, slot_mapping, k_cache, v_cache,
                           code_cache)


def paged_decode(decoder, query, k_cache, v_cache, code_cache, block_table,
                 seq_lens):
    out, indices = paged_decode_fake(decoder, query, k_cache, v_cache,
                                     code_cache, block_table, seq_lens)
    lookup(decoder)._decode(query, k_cache, v_cache, code_cache, block_table,
                            seq_lens, out, indices)
    return out, indices


def paged_decode_out(decoder, query, k_cache, v_cache, code_cache,
                     block_table, seq_lens, *, out, indices):
    lookup(decoder)._decode(query, k_cache, v_cache, code_cache, block_table,
                            seq_lens, out, indices)
    return out, indices


def paged_select(decoder, query, code_cache, block_table, seq_lens):
    indices = paged_select_fake(decoder, query, code_cache, block_table,
                                seq_lens)
    lookup(decoder)._select(query, code_cache, block_table, seq_lens, indices)
    return indices


def paged_decode_dense(decoder, query, k_cache, v_cache, block_table,
                       seq_lens):
    out = paged_decode_dense_fake(decoder, query, k_cache, v_cache,
                                  block_table, seq_lens)
    lookup(decoder)._dense(query, k_cache, v_cache, block_table, seq_lens, out)
    return out


KERNELS = {
    "paged_write": paged_write,
    "paged_decode": paged_decode,
    "paged_decode.out": paged_decode_out,
    "paged_select": paged_select,
    "paged_decode_dense": paged_decode_dense,
}

FAKE_KERNELS = {
    "paged_write": paged_write_fake,
    "paged_decode": paged_decode_fake,
    "paged_decode.out": paged_decode_out_fake,
    "paged_select": paged_select_fake,
    "paged_decode_dense": paged_decode_dense_fake,
}


def _has_autograd_meta_fallback():
    """Whether torch passes ops without autograd kernels through the
    AutogradMeta key (2.x does; 1.13 does not, and refuses such an op on
    meta tensors before it reaches the Meta kernel)."""
    try:
        return torch._C._dispatch_has_backend_fallback(
            torch._C.DispatchKey.AutogradMeta)
    except (AttributeError, TypeError, RuntimeError):
        return True


def _register_fake(library, name, kernel):
    """The fake kernel of spotlight::name: torch.library.register_fake
    (torch >= 2.4) or impl_abstract (2.1-2.3), which also serve the Meta key;
    else (1.13, 2.0) a Meta kernel. Where torch has no AutogradMeta fallback
    the same kernel serves that key too (these ops have no gradient)."""
    register = getattr(torch.library, "register_fake", None) or \
        getattr(torch.library, "impl_abstract", None)
    if register is not None:
        qualname = f"{library.ns}::{name}"
        try:  # tied to the library's lifetime where torch takes lib=
            register(qualname, kernel, lib=library)
        except TypeError:
            register(qualname, kernel)
    else:
        library.impl(name, kernel, "Meta")
    if not _has_autograd_meta_fallback():
        library.impl(name, kernel, "AutogradMeta")


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
    for name, kernel in FAKE_KERNELS.items():
        _register_fake(library, name, kernel)
    _library = library
