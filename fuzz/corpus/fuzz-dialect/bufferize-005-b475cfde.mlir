func.func @decode_step(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>,
                       %q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
                       %v: tensor<1x2x?x64xf32>, %out: memref<1x8x64xf32>) {
  %i0 = tensor.empty() : tensor<1x2x88xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%i0 : tensor<1x2x88xi32>) {budget = 20 : i64}
  %o0 = tensor.empty() : tensor<1x8x64xf32>
  %o = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>,
          tensor<1x2x?x64xf32>, tensor<1x2x88xi32>)
      outs(%o0 : tensor<1x8x64xf32>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x8x64xf32>, memref<1x8x64xf32>) -> ()
  return
}
