// RUN: spotlight-opt %s -split-input-file -eliminate-empty-tensors \
// RUN:   -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   -canonicalize | FileCheck %s

// Every spotlight op bufferizes in place: the memref form of the op writes
// its init buffer (a function argument here), with no allocation and no copy,
// and that buffer is the result.

// CHECK-LABEL: func.func @hash_encode
// CHECK-SAME:    (%[[X:.+]]: memref<1x8x64xf32>, %[[W1:.+]]: memref<8x64x64xf32>, %[[B1:.+]]: memref<8x64xf32>, %[[W2:.+]]: memref<8x64x64xf32>, %[[B2:.+]]: memref<8x64xf32>, %[[INIT:.+]]: memref<1x8x1x2xi32>) -> memref<1x8x1x2xi32>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
// CHECK:         spotlight.hash_encode ins(%[[X]], %[[W1]], %[[B1]], %[[W2]], %[[B2]] : memref<1x8x64xf32>, memref<8x64x64xf32>, memref<8x64xf32>, memref<8x64x64xf32>, memref<8x64xf32>) outs(%[[INIT]] : memref<1x8x1x2xi32>)
// CHECK-NOT:     memref.copy
// CHECK:         return %[[INIT]] : memref<1x8x1x2xi32>
func.func @hash_encode(%x: tensor<1x8x64xf32>, %w1: tensor<8x64x64xf32>,
                       %b1: tensor<8x64xf32>, %w2: tensor<8x64x64xf32>,
                       %b2: tensor<8x64xf32>, %init: tensor<1x8x1x2xi32>)
    -> tensor<1x8x1x2xi32> {
  %0 = spotlight.hash_encode
      ins(%x, %w1, %b1, %w2, %b2 : tensor<1x8x64xf32>, tensor<8x64x64xf32>,
          tensor<8x64xf32>, tensor<8x64x64xf32>, tensor<8x64xf32>)
      outs(%init : tensor<1x8x1x2xi32>)
  return %0 : tensor<1x8x1x2xi32>
}

// -----

// CHECK-LABEL: func.func @hamming_topk
// CHECK-SAME:    (%[[QC:.+]]: memref<1x8x1x2xi32>, %[[KC:.+]]: memref<1x2x?x4x2xi32>, %[[INIT:.+]]: memref<1x2x88xi32>) -> memref<1x2x88xi32>
// CHECK-NOT:     memref.alloc
// CHECK:         spotlight.hamming_topk group ins(%[[QC]], %[[KC]] : memref<1x8x1x2xi32>, memref<1x2x?x4x2xi32>) outs(%[[INIT]] : memref<1x2x88xi32>) {budget = 20 : i64}
// CHECK-NOT:     memref.copy
// CHECK:         return %[[INIT]] : memref<1x2x88xi32>
func.func @hamming_topk(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>,
                        %init: tensor<1x2x88xi32>) -> tensor<1x2x88xi32> {
  %0 = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%init : tensor<1x2x88xi32>) {budget = 20 : i64}
  return %0 : tensor<1x2x88xi32>
}

// -----

// CHECK-LABEL: func.func @sparse_gather
// CHECK-SAME:    (%[[K:.+]]: memref<1x2x?x64xbf16>, %[[IDX:.+]]: memref<1x2x88xi32>, %[[INIT:.+]]: memref<1x2x88x64xbf16>) -> memref<1x2x88x64xbf16>
// CHECK-NOT:     memref.alloc
// CHECK:         spotlight.sparse_gather ins(%[[K]], %[[IDX]] : memref<1x2x?x64xbf16>, memref<1x2x88xi32>) outs(%[[INIT]] : memref<1x2x88x64xbf16>)
// CHECK-NOT:     memref.copy
// CHECK:         return %[[INIT]] : memref<1x2x88x64xbf16>
func.func @sparse_gather(%k: tensor<1x2x?x64xbf16>, %idx: tensor<1x2x88xi32>,
                         %init: tensor<1x2x88x64xbf16>)
    -> tensor<1x2x88x64xbf16> {
  %0 = spotlight.sparse_gather
      ins(%k, %idx : tensor<1x2x?x64xbf16>, tensor<1x2x88xi32>)
      outs(%init : tensor<1x2x88x64xbf16>)
  return %0 : tensor<1x2x88x64xbf16>
}

// -----

// CHECK-LABEL: func.func @sparse_attention
// CHECK-SAME:    (%[[Q:.+]]: memref<1x8x64xf16>, %[[K:.+]]: memref<1x2x?x64xf16>, %[[V:.+]]: memref<1x2x?x64xf16>, %[[IDX:.+]]: memref<1x2x88xi32>, %[[INIT:.+]]: memref<1x8x64xf16>) -> memref<1x8x64xf16>
// CHECK-NOT:     memref.alloc
// CHECK:         spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : memref<1x8x64xf16>, memref<1x2x?x64xf16>, memref<1x2x?x64xf16>, memref<1x2x88xi32>) outs(%[[INIT]] : memref<1x8x64xf16>) {scale = 1.250000e-01 : f32}
// CHECK-NOT:     memref.copy
// CHECK:         return %[[INIT]] : memref<1x8x64xf16>
func.func @sparse_attention(%q: tensor<1x8x64xf16>, %k: tensor<1x2x?x64xf16>,
                            %v: tensor<1x2x?x64xf16>, %idx: tensor<1x2x88xi32>,
                            %init: tensor<1x8x64xf16>) -> tensor<1x8x64xf16> {
  %0 = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf16>, tensor<1x2x?x64xf16>,
          tensor<1x2x?x64xf16>, tensor<1x2x88xi32>)
      outs(%init : tensor<1x8x64xf16>) {scale = 0.125 : f32}
  return %0 : tensor<1x8x64xf16>
}

// -----

// CHECK-LABEL: func.func @decode_attention
// CHECK-SAME:    (%[[Q:.+]]: memref<2x8x64xf32>, %[[K:.+]]: memref<2x2x?x64xf32>, %[[V:.+]]: memref<2x2x?x64xf32>, %[[INIT:.+]]: memref<2x8x64xf32>) -> memref<2x8x64xf32>
// CHECK-NOT:     memref.alloc
// CHECK:         spotlight.decode_attention ins(%[[Q]], %[[K]], %[[V]] : memref<2x8x64xf32>, memref<2x2x?x64xf32>, memref<2x2x?x64xf32>) outs(%[[INIT]] : memref<2x8x64xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         return %[[INIT]] : memref<2x8x64xf32>
func.func @decode_attention(%q: tensor<2x8x64xf32>, %k: tensor<2x2x?x64xf32>,
                            %v: tensor<2x2x?x64xf32>, %init: tensor<2x8x64xf32>)
    -> tensor<2x8x64xf32> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<2x8x64xf32>, tensor<2x2x?x64xf32>,
          tensor<2x2x?x64xf32>)
      outs(%init : tensor<2x8x64xf32>)
  return %0 : tensor<2x8x64xf32>
}

// -----

// A decode step: each `tensor.empty` init becomes one allocation that the op
// writes (its contents are never read, so nothing initializes or copies it),
// and the results chain through those buffers; `materialize_in_destination`
// into the caller's output lets empty-tensor elimination hand that buffer to
// the last op directly.
// CHECK-LABEL: func.func @decode_step
// CHECK-SAME:    (%[[QC:.+]]: memref<1x8x1x2xi32>, %[[KC:.+]]: memref<1x2x?x4x2xi32>, %[[Q:.+]]: memref<1x8x64xf32>, %[[K:.+]]: memref<1x2x?x64xf32>, %[[V:.+]]: memref<1x2x?x64xf32>, %[[OUT:.+]]: memref<1x8x64xf32>)
// CHECK:         %[[IDX:.+]] = memref.alloc() {{.*}} : memref<1x2x88xi32>
// CHECK-NEXT:    spotlight.hamming_topk group ins(%[[QC]], %[[KC]] : {{.*}}) outs(%[[IDX]] : memref<1x2x88xi32>)
// CHECK-NOT:     memref.alloc
// CHECK-NEXT:    spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : {{.*}}) outs(%[[OUT]] : memref<1x8x64xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @decode_step(%qc: tensor<1x8x1x2xi32>, %kc: tensor<1x2x?x4x2xi32>,
                       %q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>,
                       %v: tensor<1x2x?x64xf32>, %out: memref<1x8x64xf32>) {
  %i0 = tensor.empty() : tensor<1x2x88xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x8x1x2xi32>, tensor<1x2x?x4x2xi32>)
      outs(%i0 : tensor<1x2x88xi32>) {budget = 20 : i64}
  %o0 = tensor.empty() : tensor<1x8x64xf32>
  %o = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>,
          tensor<1x2x?x64xf32>, tensor<1x2x88xi32>)
      outs(%o0 : tensor<1x8x64xf32>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x8x64xf32>, memref<1x8x64xf32>) -> ()
  return
}
