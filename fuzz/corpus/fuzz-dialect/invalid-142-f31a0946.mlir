func.func @attention_dynamic_head_dim(%q: tensor<1x8x?xf32>, %k: tensor<1x2x?x?xf32>, %v: tensor<1x2x?x?xf32>, %o: tensor<1x8x?xf32>) -> tensor<1x8x?xf32> {
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x8x?xf32>, tensor<1x2x?x?xf32>, tensor<1x2x?x?xf32>) outs(%o : tensor<1x8x?xf32>)
  return %0 : tensor<1x8x?xf32>
}
