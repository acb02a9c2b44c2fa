func.func @decode_step(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
    %v: tensor<1x2x?x64xf32>, %kc: tensor<1x2x?x4x2xi32>,
    %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>,
    %w2: tensor<8x64x64xf32>, %b2: tensor<8x64xf32>)
    -> (tensor<1x8x64xf32>, tensor<1x2x30xi32>) {
  %e = tensor.empty() : tensor<1x8x1x2xi32>
  %qc = spotlight.hash_encode
      ins(%q, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%e : tensor<1x8x1x2xi32>)
  %ie = tensor.empty() : tensor<1x2x30xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%ie : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  %oe = tensor.empty() : tensor<1x8x64xf32>
  %o = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>,
          tensor<1x2x?x64xf32>, tensor<1x2x30xi32>)
      outs(%oe : tensor<1x8x64xf32>)
  return %o, %idx : tensor<1x8x64xf32>, tensor<1x2x30xi32>
}
