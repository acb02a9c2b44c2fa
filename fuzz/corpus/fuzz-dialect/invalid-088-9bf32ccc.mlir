func.func @sparse_gather_zero_kv_heads(%cache: tensor<1x0x?x64xf32>, %idx: tensor<1x0x88xi32>, %init: tensor<1x0x88x64xf32>) {
  %0 = spotlight.sparse_gather ins(%cache, %idx : tensor<1x0x?x64xf32>, tensor<1x0x88xi32>) outs(%init : tensor<1x0x88x64xf32>)
  return
}
