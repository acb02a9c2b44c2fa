func.func @topk_query_codes_not_strided(
    %qc: memref<1x8x1x2xi32, affine_map<(d0, d1, d2, d3) -> (d0, d1 mod 8, d2, d3)>>,
    %kc: memref<1x2x?x4x2xi32>, %out: memref<1x2x30xi32>) {
  spotlight.hamming_topk group
      ins(%qc, %kc : memref<1x8x1x2xi32, affine_map<(d0, d1, d2, d3) -> (d0, d1 mod 8, d2, d3)>>, memref<1x2x?x4x2xi32>)
      outs(%out : memref<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}
