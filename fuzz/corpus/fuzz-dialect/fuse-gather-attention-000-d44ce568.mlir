func.func @fuse_group(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x2x16xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e0 = tensor.empty() : tensor<1x2x16x64xf32>
  %e1 = tensor.empty() : tensor<1x2x16x64xf32>
  %kg = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e0 : tensor<1x2x16x64xf32>)
  %vg = spotlight.sparse_gather ins(%v, %idx : tensor<1x2x?x64xf32>, tensor<1x2x16xi32>) outs(%e1 : tensor<1x2x16x64xf32>)
  %o = spotlight.masked_attention ins(%q, %kg, %vg, %idx : tensor<1x8x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16xi32>) outs(%init : tensor<1x8x64xf32>) {scale = 0.125 : f32}
  return %o : tensor<1x8x64xf32>
}
