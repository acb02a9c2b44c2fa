func.func @missing_segment_sizes(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %init: tensor<1x8x64xf32>) {
  %0 = "spotlight.decode_attention"(%q, %k, %k, %init) : (tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return
}
