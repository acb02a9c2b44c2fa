// RUN: spotlight-opt %s -split-input-file --convert-spotlight-to-gpu --verify-diagnostics

// One launch covers a whole batch on a GPU: the token split of one
// sequence's scan over CPU cores has no GPU lowering (a CUDA artifact holds
// none of its entry points; spotlight-compile drops them from a module
// generated for the CPU).
func.func @scores(%qc: memref<1x8x1x2xi32>, %kc: memref<?x16x2x4x2xi32>,
    %bt: memref<1x?xi32>, %sl: memref<1xi32>, %r: memref<1x2xi32>,
    %s: memref<1x2x?xi32>, %h: memref<1x2x257xi32>) {
  // expected-error @+1 {{'spotlight.hamming_scores' op has no GPU lowering: it is a step of the CPU runtime's token split (convert-spotlight-to-cpu); select with spotlight.hamming_topk}}
  spotlight.hamming_scores group
      ins(%qc, %kc : memref<1x8x1x2xi32>, memref<?x16x2x4x2xi32>)
      pages(%bt, %sl : memref<1x?xi32>, memref<1xi32>)
      ranges(%r : memref<1x2xi32>)
      outs(%s, %h : memref<1x2x?xi32>, memref<1x2x257xi32>)
  return
}

// -----

// Nor does the token split of its attention: one launch splits every item.
func.func @partial(%q: memref<1x8x64xbf16>, %kp: memref<?x16x2x64xbf16>,
    %bt: memref<1x?xi32>, %sl: memref<1xi32>, %o: memref<1x8x64xf32>,
    %lse: memref<1x8xf32>) {
  // expected-error @+1 {{'spotlight.partial_decode_attention' op has no GPU lowering: it is a step of the CPU runtime's token split (convert-spotlight-to-cpu); attend with spotlight.decode_attention}}
  spotlight.partial_decode_attention
      ins(%q, %kp, %kp : memref<1x8x64xbf16>, memref<?x16x2x64xbf16>, memref<?x16x2x64xbf16>)
      pages(%bt, %sl : memref<1x?xi32>, memref<1xi32>)
      outs(%o, %lse : memref<1x8x64xf32>, memref<1x8xf32>)
  return
}
