func.func @score_topk_fraction(%scores: tensor<2x2x?xi32>,
    %hists: tensor<3x2x2x257xi32>, %sl: tensor<2xi32>,
    %init: tensor<2x2x?xi32>) -> tensor<2x2x?xi32> {
  %0 = spotlight.score_topk ins(%scores, %hists : tensor<2x2x?xi32>, tensor<3x2x2x257xi32>)
      lens(%sl : tensor<2xi32>) outs(%init : tensor<2x2x?xi32>) {budget = 0.02 : f64}
  return %0 : tensor<2x2x?xi32>
}
