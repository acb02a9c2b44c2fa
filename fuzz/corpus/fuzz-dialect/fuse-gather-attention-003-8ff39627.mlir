func.func @different_indices(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %i0: tensor<1x2x16xi32>, %i1: tensor<1x2x16xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x2x16x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %i0 : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %i1 : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e : tensor<1x2x16x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %i0 : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}
