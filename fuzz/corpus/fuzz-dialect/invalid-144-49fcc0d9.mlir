func.func @topk_no_query_heads(%qc: tensor<1x0x1x2xi32>, %kc: tensor<1x2x?x1x2xi32>, %init: tensor<1x2x30xi32>) -> tensor<1x2x30xi32> {
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x0x1x2xi32>, tensor<1x2x?x1x2xi32>) outs(%init : tensor<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x2x30xi32>
}
