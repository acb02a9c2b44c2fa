func.func @paged_sparse(%q: tensor<2x8x64xbf16>, %k: tensor<?x16x2x64xbf16>,
    %v: tensor<?x16x2x64xbf16>, %idx: tensor<2x2x?xi32>, %bt: tensor<2x?xi32>,
    %sl: tensor<2xi32>, %init: tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<2x8x64xbf16>, tensor<?x16x2x64xbf16>,
          tensor<?x16x2x64xbf16>, tensor<2x2x?xi32>)
      pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>)
      outs(%init : tensor<2x8x64xbf16>)
  return %0 : tensor<2x8x64xbf16>
}
