func.func @hamming_scores_contiguous_tokens(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x100x4x2xi32>, %r: tensor<1x2xi32>, %s: tensor<1x2x99xi32>, %h: tensor<1x2x257xi32>) {
  %0:2 = spotlight.hamming_scores group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x100x4x2xi32>) ranges(%r : tensor<1x2xi32>) outs(%s, %h : tensor<1x2x99xi32>, tensor<1x2x257xi32>)
  return
}
