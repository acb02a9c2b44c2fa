func.func @spotlight_decode(%q: tensor<1x28x128xbf16>,
    %k: tensor<1x4x?x128xbf16>, %v: tensor<1x4x?x128xbf16>,
    %key_codes: tensor<1x4x?x7x4xi32>,
    %w1: tensor<28x128x128xf32>, %b1: tensor<28x128xf32>,
    %w2: tensor<28x128x128xf32>, %b2: tensor<28x128xf32>,
    %out: memref<1x28x128xbf16>, %selected: memref<1x4x5310xi32>)
    attributes {llvm.emit_c_interface} {
  %qc_init = tensor.empty() : tensor<1x28x1x4xi32>
  %qc = spotlight.hash_encode
      ins(%q, %w1, %b1, %w2, %b2 : tensor<1x28x128xbf16>, tensor<28x128x128xf32>,
          tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>)
      outs(%qc_init : tensor<1x28x1x4xi32>)
  %idx_init = tensor.empty() : tensor<1x4x5310xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %key_codes : tensor<1x28x1x4xi32>, tensor<1x4x?x7x4xi32>)
      outs(%idx_init : tensor<1x4x5310xi32>) {budget = 0.02 : f64}
  %rows = tensor.empty() : tensor<1x4x5310x128xbf16>
  %k_rows = spotlight.sparse_gather
      ins(%k, %idx : tensor<1x4x?x128xbf16>, tensor<1x4x5310xi32>)
      outs(%rows : tensor<1x4x5310x128xbf16>)
  %v_rows = spotlight.sparse_gather
      ins(%v, %idx : tensor<1x4x?x128xbf16>, tensor<1x4x5310xi32>)
      outs(%rows : tensor<1x4x5310x128xbf16>)
  %o_init = tensor.empty() : tensor<1x28x128xbf16>
  %o = spotlight.masked_attention
      ins(%q, %k_rows, %v_rows, %idx : tensor<1x28x128xbf16>,
          tensor<1x4x5310x128xbf16>, tensor<1x4x5310x128xbf16>,
          tensor<1x4x5310xi32>)
      outs(%o_init : tensor<1x28x128xbf16>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x28x128xbf16>, memref<1x28x128xbf16>) -> ()
  bufferization.materialize_in_destination %idx in restrict writable %selected
      : (tensor<1x4x5310xi32>, memref<1x4x5310xi32>) -> ()
  return
}
