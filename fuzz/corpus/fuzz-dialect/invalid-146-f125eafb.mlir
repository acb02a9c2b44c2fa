func.func @hamming_topk_dynamic_query_code_dim(%qc: tensor<1x8x?x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x?x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return
}
