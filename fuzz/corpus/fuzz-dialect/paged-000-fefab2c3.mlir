func.func @paged_step(%q: tensor<8x8x128xbf16>, %w1: tensor<8x128x128xbf16>,
    %b1: tensor<8x128xbf16>, %w2: tensor<8x128x128xbf16>,
    %b2: tensor<8x128xbf16>, %kc: tensor<?x16x2x4x4xi32>,
    %k: tensor<?x16x2x128xbf16>, %v: tensor<?x16x2x128xbf16>,
    %bt: tensor<8x?xi32>, %sl: tensor<8xi32>, %o: tensor<8x8x128xbf16>)
    -> tensor<8x8x128xbf16> {
  %qe = tensor.empty() : tensor<8x8x1x4xi32>
  %qc = spotlight.hash_encode
      ins(%q, %w1, %b1, %w2, %b2 : tensor<8x8x128xbf16>, tensor<8x128x128xbf16>,
          tensor<8x128xbf16>, tensor<8x128x128xbf16>, tensor<8x128xbf16>)
      outs(%qe : tensor<8x8x1x4xi32>)
  %ie = tensor.empty() : tensor<8x2x1024xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<8x8x1x4xi32>, tensor<?x16x2x4x4xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%ie : tensor<8x2x1024xi32>) {budget = 0.02 : f64}
  %r = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<8x8x128xbf16>, tensor<?x16x2x128xbf16>,
          tensor<?x16x2x128xbf16>, tensor<8x2x1024xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%o : tensor<8x8x128xbf16>)
  return %r : tensor<8x8x128xbf16>
}
