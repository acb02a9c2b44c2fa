func.func @budget_leaves_tokens_out(%q: tensor<1x8x64xf32>, %k: tensor<1x2x89x64xf32>, %v: tensor<1x2x89x64xf32>, %qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x89x4x2xi32>, %init: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %e = tensor.empty() : tensor<1x2x88xi32>
  %idx = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x89x4x2xi32>) outs(%e : tensor<1x2x88xi32>) {budget = 20 : i64}
  %o = spotlight.sparse_attention ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x89x64xf32>, tensor<1x2x89x64xf32>, tensor<1x2x88xi32>) outs(%init : tensor<1x8x64xf32>)
  return %o : tensor<1x8x64xf32>
}
