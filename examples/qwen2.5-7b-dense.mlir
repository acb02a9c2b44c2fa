// The dense decode attention of Qwen2.5-7B (QH = 28, KH = 4, D = 128, bf16):
// what a frontend has before Spotlight.
//
//   spotlight-opt --spotlight-sparsify-attention="budget=64" examples/qwen2.5-7b-dense.mlir
//
// turns it into the sparse step: hash_encode of the query, hamming_topk over
// key codes and sparse_attention, with the hash weights and the key codes
// as new arguments (marked spotlight.hash_weight / spotlight.key_codes; the
// module gets spotlight.wants_key_codes).
func.func @spotlight_decode_dense(%q: tensor<1x28x128xbf16>,
    %k: tensor<1x4x?x128xbf16>, %v: tensor<1x4x?x128xbf16>,
    %out: memref<1x28x128xbf16>) attributes {llvm.emit_c_interface} {
  %o_init = tensor.empty() : tensor<1x28x128xbf16>
  %o = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x28x128xbf16>, tensor<1x4x?x128xbf16>,
          tensor<1x4x?x128xbf16>)
      outs(%o_init : tensor<1x28x128xbf16>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x28x128xbf16>, memref<1x28x128xbf16>) -> ()
  return
}
