"""Spotlight: hashing-based sparse attention for LLM decoding, from PyTorch.

    import spotlight, torch
    dec = spotlight.SparseDecoder(query_heads=28, kv_heads=4, head_dim=128,
                                  page_size=16, weights=w, dtype=torch.bfloat16,
                                  budget=0.02, sink=4, window=64, mode="group",
                                  device="cpu")
    k_cache, v_cache, code_cache = dec.new_cache(num_pages)
    dec.write(keys, values, slot_mapping, k_cache, v_cache, code_cache)
    out, indices = dec.decode(query, k_cache, v_cache, code_cache,
                              block_table, seq_lens)
    out = dec.dense(query, k_cache, v_cache, block_table, seq_lens)

The same steps are torch.ops.spotlight.{paged_write, paged_decode,
paged_select, paged_decode_dense} (see spotlight.ops). docs/Python.md has
the details.
"""

from ._runtime import SpotlightError, library_path
from ._artifacts import cache_dir, compiler_path
from .decoder import (SparseDecoder, artifact_spec, compile_artifact,
                      default_hash_weights)
from .safetensors import load_hash_weights
from . import ops as _ops

_ops.register()

__all__ = ["SparseDecoder", "SpotlightError", "default_hash_weights",
           "artifact_spec", "compile_artifact",
           "load_hash_weights", "library_path", "compiler_path", "cache_dir"]
