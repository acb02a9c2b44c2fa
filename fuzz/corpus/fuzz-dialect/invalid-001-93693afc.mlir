func.func @score_topk_has_no_reference(%s: memref<1x2x?xi32>,
    %h: memref<2x1x2x257xi32>, %l: memref<1xi32>, %i: memref<1x2x88xi32>) {
  spotlight.score_topk ins(%s, %h : memref<1x2x?xi32>, memref<2x1x2x257xi32>)
      lens(%l : memref<1xi32>) outs(%i : memref<1x2x88xi32>) {budget = 20 : i64}
  return
}
