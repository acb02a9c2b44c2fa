func.func @attention_no_query_heads(%q: tensor<1x0x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %i: tensor<1x2x5xi32>, %o: tensor<1x0x64xf32>) -> tensor<1x0x64xf32> {
  %0 = spotlight.sparse_attention ins(%q, %k, %v, %i : tensor<1x0x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x5xi32>) outs(%o : tensor<1x0x64xf32>)
  return %0 : tensor<1x0x64xf32>
}
