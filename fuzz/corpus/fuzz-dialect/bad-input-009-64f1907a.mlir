func.func @unknown_op(%k: tensor<1x2x?x64xf32>) {
  %0 = spotlight.hamming_top_k group ins(%k : tensor<1x2x?x64xf32>)
  return
}
