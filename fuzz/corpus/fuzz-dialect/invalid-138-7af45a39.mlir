func.func @hamming_topk_mode_property_that_is_not_a_selection_mode(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = 1 : i32}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x88xi32>
  return
}
