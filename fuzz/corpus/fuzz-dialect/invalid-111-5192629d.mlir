func.func @sparse_attention_s_neither_kh_nor_qh(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %idx: tensor<1x4x30xi32>, %init: tensor<1x8x64xf32>) {
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x4x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}
