func.func @sparse_attention_output_element_type_follows_the_query(%q: tensor<1x8x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x30xi32>, %init: tensor<1x8x64xf32>) {
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x30xi32>) outs(%init : tensor<1x8x64xf32>)
  return
}
