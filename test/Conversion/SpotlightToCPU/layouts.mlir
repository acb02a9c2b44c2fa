// RUN: spotlight-opt %s --split-input-file --convert-spotlight-to-cpu --verify-diagnostics | FileCheck %s

// The loops address flat buffers: an operand whose layout they would not
// follow is an error, not a read of the wrong elements. A slice of a tensor
// bufferizes to a strided view of its source (here every other half-row).

func.func @slice_of_keys(%q: tensor<1x2x32xf32>, %kbig: tensor<1x1x8x64xf32>,
    %v: tensor<1x1x8x32xf32>) -> tensor<1x2x32xf32> {
  %k = tensor.extract_slice %kbig[0, 0, 0, 32] [1, 1, 8, 32] [1, 1, 1, 1]
      : tensor<1x1x8x64xf32> to tensor<1x1x8x32xf32>
  %init = tensor.empty() : tensor<1x2x32xf32>
  // expected-error @+1 {{operand #1 has the layout strided<[512, 512, 64, 1], offset: 32>, which convert-spotlight-to-cpu cannot address: copy it into a buffer of identity layout first}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x2x32xf32>,
      tensor<1x1x8x32xf32>, tensor<1x1x8x32xf32>) outs(%init : tensor<1x2x32xf32>)
  return %0 : tensor<1x2x32xf32>
}

// -----

// A pool's token stride is read from its layout only when it is static.
func.func @pool_with_dynamic_strides(%q: memref<2x8x64xf32>,
    %k: memref<?x16x2x64xf32, strided<[?, ?, 64, 1]>>,
    %v: memref<?x16x2x64xf32, strided<[?, ?, 64, 1]>>, %idx: memref<2x2x40xi32>,
    %bt: memref<2x?xi32>, %sl: memref<2xi32>, %o: memref<2x8x64xf32>) {
  // expected-error @+1 {{operand #1 has the layout strided<[?, ?, 64, 1]>, which convert-spotlight-to-cpu cannot address}}
  spotlight.sparse_attention ins(%q, %k, %v, %idx : memref<2x8x64xf32>,
      memref<?x16x2x64xf32, strided<[?, ?, 64, 1]>>,
      memref<?x16x2x64xf32, strided<[?, ?, 64, 1]>>, memref<2x2x40xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>) outs(%o : memref<2x8x64xf32>)
  return
}

// -----

// Not strided at all.
func.func @affine_key_codes(%qc: memref<2x8x1x2xi32>,
    %kc: memref<2x2x?x4x2xi32, affine_map<(a, b, c, d, e) -> (a, b, c, d, e mod 2)>>,
    %out: memref<2x2x40xi32>) {
  // expected-error @+1 {{operand #1 has the layout affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4 mod 2)>, which convert-spotlight-to-cpu cannot address}}
  spotlight.hamming_topk group ins(%qc, %kc : memref<2x8x1x2xi32>,
      memref<2x2x?x4x2xi32, affine_map<(a, b, c, d, e) -> (a, b, c, d, e mod 2)>>)
      outs(%out : memref<2x2x40xi32>) {budget = 20 : i64, sink = 4 : i64, window = 16 : i64}
  return
}

// -----

// One KV head's view of pools of 2 KV heads (what the runtime's KV-head entry
// points take): tokens 2 rows apart, pages 16 tokens apart.
// CHECK-LABEL: func.func @kv_head_view_of_pools
// CHECK-NOT:     spotlight.
// CHECK:         return
func.func @kv_head_view_of_pools(%q: memref<1x4x64xf32>,
    %k: memref<?x16x1x64xf32, strided<[2048, 128, 64, 1], offset: ?>>,
    %v: memref<?x16x1x64xf32, strided<[2048, 128, 64, 1], offset: ?>>,
    %idx: memref<1x1x40xi32>, %bt: memref<1x?xi32>, %sl: memref<1xi32>,
    %o: memref<1x4x64xf32>) {
  spotlight.sparse_attention ins(%q, %k, %v, %idx : memref<1x4x64xf32>,
      memref<?x16x1x64xf32, strided<[2048, 128, 64, 1], offset: ?>>,
      memref<?x16x1x64xf32, strided<[2048, 128, 64, 1], offset: ?>>,
      memref<1x1x40xi32>)
      pages(%bt, %sl : memref<1x?xi32>, memref<1xi32>) outs(%o : memref<1x4x64xf32>)
  return
}

// -----

// The same view with pages that do not follow each other (page stride other
// than page_size tokens).
func.func @kv_head_view_with_gaps(%q: memref<1x4x64xf32>,
    %k: memref<?x16x1x64xf32, strided<[4096, 128, 64, 1], offset: ?>>,
    %v: memref<?x16x1x64xf32, strided<[2048, 128, 64, 1], offset: ?>>,
    %idx: memref<1x1x40xi32>, %bt: memref<1x?xi32>, %sl: memref<1xi32>,
    %o: memref<1x4x64xf32>) {
  // expected-error @+1 {{operand #1 has the layout strided<[4096, 128, 64, 1], offset: ?>, which convert-spotlight-to-cpu cannot address}}
  spotlight.sparse_attention ins(%q, %k, %v, %idx : memref<1x4x64xf32>,
      memref<?x16x1x64xf32, strided<[4096, 128, 64, 1], offset: ?>>,
      memref<?x16x1x64xf32, strided<[2048, 128, 64, 1], offset: ?>>,
      memref<1x1x40xi32>)
      pages(%bt, %sl : memref<1x?xi32>, memref<1xi32>) outs(%o : memref<1x4x64xf32>)
  return
}

// -----

// A static empty batch next to a dynamic dimension flattens to a dynamic
// size (collapse_shape would infer a static 0 and reject it).
// CHECK-LABEL: func.func @empty_batch
// CHECK-NOT:     spotlight.
func.func @empty_batch(%qc: tensor<0x8x1x2xi32>, %kc: tensor<0x2x?x4x2xi32>,
    %init: tensor<0x2x40xi32>) -> tensor<0x2x40xi32> {
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<0x8x1x2xi32>, tensor<0x2x?x4x2xi32>)
      outs(%init : tensor<0x2x40xi32>) {budget = 20 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<0x2x40xi32>
}
