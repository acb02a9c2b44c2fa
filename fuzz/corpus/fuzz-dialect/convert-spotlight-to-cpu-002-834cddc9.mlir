func.func @hamming_topk_shared_padded(%qc: tensor<1x7x1x4xi32>,
    %kc: tensor<1x1x?x1x4xi32>, %init: tensor<1x1x30xi32>) -> tensor<1x1x30xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x7x1x4xi32>, tensor<1x1x?x1x4xi32>)
      outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x1x30xi32>
}
