func.func @merge_huge_rows(%parts: memref<?x1x1x262144xf32>, %lses: memref<?x1x1xf32>,
    %out: memref<1x1x262144xf32>) {
  spotlight.merge_attention ins(%parts, %lses : memref<?x1x1x262144xf32>, memref<?x1x1xf32>)
      outs(%out : memref<1x1x262144xf32>)
  return
}
