// RUN: spotlight-opt %s --split-input-file --convert-spotlight-to-cpu --verify-diagnostics

// The CPU lowering unrolls the query heads of a KV head and keeps their rows
// on the stack: a group the verifier accepts but no machine could hold is an
// error, not a compiler out of memory (found by fuzz-dialect: 2^20 heads
// aborted spotlight-opt with "LLVM ERROR: out of memory").

func.func @group_too_large(%q: tensor<1x1048576x32xbf16>, %k: tensor<?x2x64x32xf32>,
    %v: tensor<?x2x64x32xf32>, %idx: tensor<1x2x8xi32>,
    %init: tensor<1x1048576x32xbf16>) -> tensor<1x1048576x32xbf16> {
  // expected-error @+2 {{has no CPU lowering for 524288 query heads of dimension 32 per KV head (at most 131072 elements)}}
  // expected-error @+1 {{failed to legalize}}
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x1048576x32xbf16>, tensor<?x2x64x32xf32>,
          tensor<?x2x64x32xf32>, tensor<1x2x8xi32>)
      outs(%init : tensor<1x1048576x32xbf16>)
  return %0 : tensor<1x1048576x32xbf16>
}

// -----

// A head dimension of 0 does not hide a huge group.
func.func @huge_group_of_empty_heads(%q: tensor<1x4611686018427387904x0xf32>,
    %k: tensor<1x2x?x0xf32>, %v: tensor<1x2x?x0xf32>,
    %init: tensor<1x4611686018427387904x0xf32>) -> tensor<1x4611686018427387904x0xf32> {
  // expected-error @+2 {{has no CPU lowering for 2305843009213693952 query heads of dimension 0 per KV head}}
  // expected-error @+1 {{failed to legalize}}
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4611686018427387904x0xf32>, tensor<1x2x?x0xf32>,
          tensor<1x2x?x0xf32>)
      outs(%init : tensor<1x4611686018427387904x0xf32>)
  return %0 : tensor<1x4611686018427387904x0xf32>
}

// -----

// Rows of no elements would be vectors of no lanes: a head dimension of 0
// is an error, not a crash (found by fuzz-dialect: f32 queries over bf16
// pools segfaulted the lowering).
func.func @empty_head_dim(%q: memref<2x8x0xf32>, %k: memref<?x?x2x0xbf16>,
    %v: memref<?x?x2x0xbf16>, %idx: memref<2x2x30xi32>, %bt: memref<2x?xi32>,
    %sl: memref<2xi32>, %out: memref<2x8x0xf32>) {
  // expected-error @+2 {{has no CPU lowering for a head dimension of 0}}
  // expected-error @+1 {{failed to legalize}}
  spotlight.sparse_attention
      ins(%q, %k, %v, %idx : memref<2x8x0xf32>, memref<?x?x2x0xbf16>,
          memref<?x?x2x0xbf16>, memref<2x2x30xi32>)
      pages(%bt, %sl : memref<2x?xi32>, memref<2xi32>)
      outs(%out : memref<2x8x0xf32>)
  return
}

// -----

// merge_attention works on rows of D lanes: none of no lanes, none too
// large to compile.
func.func @merge_empty_rows(%parts: memref<2x1x8x0xf32>, %lses: memref<2x1x8xf32>,
    %out: memref<1x8x0xbf16>) {
  // expected-error @+2 {{has no CPU lowering for a head dimension of 0 (1 to 131072)}}
  // expected-error @+1 {{failed to legalize}}
  spotlight.merge_attention ins(%parts, %lses : memref<2x1x8x0xf32>, memref<2x1x8xf32>)
      outs(%out : memref<1x8x0xbf16>)
  return
}

// -----

func.func @merge_huge_rows(%parts: memref<?x1x1x262144xf32>, %lses: memref<?x1x1xf32>,
    %out: memref<1x1x262144xf32>) {
  // expected-error @+2 {{has no CPU lowering for a head dimension of 262144 (1 to 131072)}}
  // expected-error @+1 {{failed to legalize}}
  spotlight.merge_attention ins(%parts, %lses : memref<?x1x1x262144xf32>, memref<?x1x1xf32>)
      outs(%out : memref<1x1x262144xf32>)
  return
}
