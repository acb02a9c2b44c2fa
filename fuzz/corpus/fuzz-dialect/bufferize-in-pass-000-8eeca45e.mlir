func.func @on_tensors(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %out: memref<1x8x64xf32>) {
  %init = tensor.empty() : tensor<1x8x64xf32>
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  bufferization.materialize_in_destination %0 in restrict writable %out : (tensor<1x8x64xf32>, memref<1x8x64xf32>) -> ()
  return
}
