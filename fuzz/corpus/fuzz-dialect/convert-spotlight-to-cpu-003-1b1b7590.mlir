func.func @hamming_topk_head(%qc: tensor<1x8x1x2xi32>,
    %kc: tensor<1x2x?x1x2xi32>, %init: tensor<1x8x?xi32>) -> tensor<1x8x?xi32> {
  %0 = spotlight.hamming_topk head
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x1x2xi32>)
      outs(%init : tensor<1x8x?xi32>) {budget = 0.25 : f64, min_budget = 8 : i64}
  return %0 : tensor<1x8x?xi32>
}
