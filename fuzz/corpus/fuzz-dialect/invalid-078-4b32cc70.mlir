func.func @score_topk_batch(%s: tensor<2x2x?xi32>, %h: tensor<3x1x2x257xi32>, %l: tensor<2xi32>, %i: tensor<2x2x88xi32>) {
  %0 = spotlight.score_topk ins(%s, %h : tensor<2x2x?xi32>, tensor<3x1x2x257xi32>) lens(%l : tensor<2xi32>) outs(%i : tensor<2x2x88xi32>) {budget = 20 : i64}
  return
}
