func.func @fewer_types_than_operands(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x64xf32>) {
  %0 = spotlight.sparse_gather ins(%k, %idx : tensor<1x2x?x64xf32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}
