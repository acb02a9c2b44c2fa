func.func @unranked_operand(%k: tensor<*xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<*xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}
