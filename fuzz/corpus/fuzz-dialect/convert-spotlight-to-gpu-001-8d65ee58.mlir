func.func @topk_head(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x1x2xi32>) -> tensor<1x8x?xi32> {
  %c2 = arith.constant 2 : index
  %n = tensor.dim %kc, %c2 : tensor<1x2x?x1x2xi32>
  %init = tensor.empty(%n) : tensor<1x8x?xi32>
  %0 = spotlight.hamming_topk head ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x1x2xi32>) outs(%init : tensor<1x8x?xi32>) {budget = 2.000000e-02 : f64}
  return %0 : tensor<1x8x?xi32>
}
