func.func @paged_step(%k: tensor<?x4x128xbf16>, %v: tensor<?x4x128xbf16>,
    %codes: tensor<?x4x7x4xi32>, %slots: tensor<?xi32>,
    %kp: tensor<?x16x4x128xbf16>, %vp: tensor<?x16x4x128xbf16>,
    %cp: tensor<?x16x4x7x4xi32>, %q: tensor<8x28x128xbf16>,
    %qc: tensor<8x28x1x4xi32>, %bt: tensor<8x?xi32>, %sl: tensor<8xi32>,
    %ie: tensor<8x4x?xi32>, %oe: tensor<8x28x128xbf16>)
    -> (tensor<8x28x128xbf16>, tensor<8x28x128xbf16>) {
  %kp2, %vp2, %cp2 = spotlight.cache_write
      ins(%k, %v, %codes, %slots : tensor<?x4x128xbf16>, tensor<?x4x128xbf16>,
          tensor<?x4x7x4xi32>, tensor<?xi32>)
      outs(%kp, %vp, %cp : tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>,
           tensor<?x16x4x7x4xi32>)
  %idx = spotlight.hamming_topk group
      ins(%qc, %cp2 : tensor<8x28x1x4xi32>, tensor<?x16x4x7x4xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%ie : tensor<8x4x?xi32>) {budget = 0.02 : f64}
  %o = spotlight.sparse_attention
      ins(%q, %kp2, %vp2, %idx : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>,
          tensor<?x16x4x128xbf16>, tensor<8x4x?xi32>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%oe : tensor<8x28x128xbf16>)
  %d = spotlight.decode_attention
      ins(%q, %kp2, %vp2 : tensor<8x28x128xbf16>, tensor<?x16x4x128xbf16>,
          tensor<?x16x4x128xbf16>)
      pages(%bt, %sl : tensor<8x?xi32>, tensor<8xi32>)
      outs(%oe : tensor<8x28x128xbf16>)
  return %o, %d : tensor<8x28x128xbf16>, tensor<8x28x128xbf16>
}
