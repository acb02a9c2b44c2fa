func.func @hamming_topk_group_single_key_code(%qc: tensor<2x8x1x4xi32>,
    %kc: tensor<2x2x?x1x4xi32>, %init: tensor<2x2x5xi32>) -> tensor<2x2x5xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<2x8x1x4xi32>, tensor<2x2x?x1x4xi32>)
      outs(%init : tensor<2x2x5xi32>) {budget = 5 : i64, sink = 0 : i64, window = 0 : i64}
  return %0 : tensor<2x2x5xi32>
}
