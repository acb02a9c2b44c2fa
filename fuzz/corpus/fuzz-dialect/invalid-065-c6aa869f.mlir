func.func @hamming_topk_fraction_budget_m_below_the_minimum_with_non_default_attributes(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x8x10xi32>) {
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>) outs(%init : tensor<1x8x10xi32>) {budget = 0.1 : f64, sink = 1 : i64, window = 8 : i64, min_budget = 2 : i64}
  return
}
