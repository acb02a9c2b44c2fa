func.func @softmax_over_heads(%s: tensor<1x2x8xf32>) -> tensor<1x2x8xf32> {
  %se = tensor.empty() : tensor<1x2x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<1x2x8xf32>) outs(%se : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  return %p : tensor<1x2x8xf32>
}
