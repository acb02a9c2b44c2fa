func.func @sets_neither_kh_nor_qh(%q: tensor<1x4x64xf32>, %k: tensor<1x1x?x64xf32>, %v: tensor<1x1x?x64xf32>, %idx: tensor<1x2x?xi32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %c2 = arith.constant 2 : index
  %m = tensor.dim %idx, %c2 : tensor<1x2x?xi32>
  %e = tensor.empty(%m) : tensor<1x2x?x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<1x1x?x64xf32>, tensor<1x2x?xi32>) outs(%e : tensor<1x2x?x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<1x1x?x64xf32>, tensor<1x2x?xi32>) outs(%e : tensor<1x2x?x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : tensor<1x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?xi32>) outs(%init : tensor<1x4x64xf32>)
  return %o : tensor<1x4x64xf32>
}
