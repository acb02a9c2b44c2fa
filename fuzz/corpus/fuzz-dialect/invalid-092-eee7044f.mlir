func.func @sparse_gather_init_head_dim(%cache: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: tensor<1x2x88x128xf32>) {
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x2x?x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x2x88x128xf32>)
  return
}
