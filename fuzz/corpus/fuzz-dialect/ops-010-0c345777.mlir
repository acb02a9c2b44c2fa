func.func @hamming_topk_head_fraction_static(%qc: tensor<1x4x1x1xi32>,
    %kc: tensor<1x4x?x1x1xi32>, %init: tensor<1x4x12xi32>) -> tensor<1x4x12xi32> {
  %0 = spotlight.hamming_topk head
      ins(%qc, %kc : tensor<1x4x1x1xi32>, tensor<1x4x?x1x1xi32>)
      outs(%init : tensor<1x4x12xi32>)
      {budget = 1.0 : f64, sink = 1 : i64, window = 8 : i64, min_budget = 3 : i64}
  return %0 : tensor<1x4x12xi32>
}
