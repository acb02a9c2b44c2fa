func.func @memref_init(%k: tensor<1x2x?x64xf32>, %idx: tensor<1x2x88xi32>, %init: memref<1x2x88x64xf32>) {
  %0 = "spotlight.sparse_gather"(%k, %idx, %init) : (tensor<1x2x?x64xf32>, tensor<1x2x88xi32>, memref<1x2x88x64xf32>) -> memref<1x2x88x64xf32>
  return
}
