func.func @hamming_topk_result_differs_from_init(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>, %init: tensor<1x2x88xi32>) {
  %0 = "spotlight.hamming_topk"(%qc, %kc, %init) <{budget = 20 : i64, mode = #spotlight<mode group>, operandSegmentSizes = array<i32: 1, 1, 0, 0, 1>}> : (tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>, tensor<1x2x88xi32>) -> tensor<1x2x89xi32>
  return
}
