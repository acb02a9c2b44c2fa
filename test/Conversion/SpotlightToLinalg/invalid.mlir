// RUN: spotlight-opt %s -split-input-file -verify-diagnostics --convert-spotlight-to-linalg

// The reference follows any strided layout (group mode regroups the query
// codes [B, QH, 1, W] as [B, KH, G, 1, W] in their own layout), but no other.
func.func @topk_query_codes_not_strided(
    %qc: memref<1x8x1x2xi32, affine_map<(d0, d1, d2, d3) -> (d0, d1 mod 8, d2, d3)>>,
    %kc: memref<1x2x?x4x2xi32>, %out: memref<1x2x30xi32>) {
  // expected-error @+1 {{operand #0 has the layout affine_map<(d0, d1, d2, d3) -> (d0, d1 mod 8, d2, d3)>, which convert-spotlight-to-linalg cannot address}}
  spotlight.hamming_topk group
      ins(%qc, %kc : memref<1x8x1x2xi32, affine_map<(d0, d1, d2, d3) -> (d0, d1 mod 8, d2, d3)>>, memref<1x2x?x4x2xi32>)
      outs(%out : memref<1x2x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return
}

// -----

// The token split's steps are the CPU runtime's; the reference selects with
// hamming_topk.
func.func @score_topk_has_no_reference(%s: memref<1x2x?xi32>,
    %h: memref<2x1x2x257xi32>, %l: memref<1xi32>, %i: memref<1x2x88xi32>) {
  // expected-error @+1 {{'spotlight.score_topk' op has no reference lowering: it is a step of the CPU runtime's token split (convert-spotlight-to-cpu); select with spotlight.hamming_topk}}
  spotlight.score_topk ins(%s, %h : memref<1x2x?xi32>, memref<2x1x2x257xi32>)
      lens(%l : memref<1xi32>) outs(%i : memref<1x2x88xi32>) {budget = 20 : i64}
  return
}

// -----

// The reference attends with decode_attention (the runtime's token split
// of the attention is the CPU's).
func.func @merge_has_no_reference(%parts: memref<2x1x8x64xf32>,
    %lses: memref<2x1x8xf32>, %o: memref<1x8x64xbf16>) {
  // expected-error @+1 {{'spotlight.merge_attention' op has no reference lowering: it is a step of the CPU runtime's token split (convert-spotlight-to-cpu); attend with spotlight.decode_attention}}
  spotlight.merge_attention ins(%parts, %lses : memref<2x1x8x64xf32>, memref<2x1x8xf32>)
      outs(%o : memref<1x8x64xbf16>)
  return
}
