func.func @sparse_gather_with_a_missing_operand(%cache: tensor<1x2x?x64xf32>, %init: tensor<1x2x88x64xf32>) {
  %0 = "spotlight.sparse_gather"(%cache, %init) : (tensor<1x2x?x64xf32>, tensor<1x2x88x64xf32>) -> tensor<1x2x88x64xf32>
  return
}
