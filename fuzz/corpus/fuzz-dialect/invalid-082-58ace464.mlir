func.func @sparse_gather_indices_rank(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88x1xi32>, %init: tensor<1x2x88x64xf32>) {
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88x1xi32>) outs(%init : tensor<1x2x88x64xf32>)
  return
}
