// RUN: spotlight-opt %s --spotlight-reference-to-llvm-pipeline | FileCheck %s
// RUN: spotlight-opt %s --spotlight-reference-to-llvm-pipeline | FileCheck %s --check-prefix=LLVM-ONLY

// The reference pipeline takes a whole decode step (hash the query, select,
// attend) and a dense baseline down to the LLVM dialect for the host.

// Only the llvm dialect (and the builtin module) is left.
// LLVM-ONLY-NOT: spotlight.
// LLVM-ONLY-NOT: linalg.
// LLVM-ONLY-NOT: tensor.
// LLVM-ONLY-NOT: bufferization.
// LLVM-ONLY-NOT: memref.
// LLVM-ONLY-NOT: scf.
// LLVM-ONLY-NOT: affine.
// LLVM-ONLY-NOT: cf.
// LLVM-ONLY-NOT: arith.
// LLVM-ONLY-NOT: math.
// LLVM-ONLY-NOT: func.func
// LLVM-ONLY-NOT: func.return
// LLVM-ONLY-NOT: unrealized_conversion_cast
// bf16 conversions are expanded to integer ops, never soft-float calls.
// LLVM-ONLY-NOT: llvm.call @__
// A function without llvm.emit_c_interface gets no wrapper.
// LLVM-ONLY-NOT: @_mlir_ciface_dense

// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @free(!llvm.ptr)

// Memref arguments are expanded into descriptors (pointer, pointer, offset,
// sizes, strides).
// CHECK-LABEL: llvm.func @decode(
// CHECK-SAME:    %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: i64
// CHECK-SAME:    attributes {llvm.emit_c_interface}
// SiLU of the hash MLP, the popcount of the Hamming score and the softmax.
// CHECK:         llvm.intr.exp(%{{.+}}) : (f32) -> f32
// CHECK:         llvm.intr.ctpop(%{{.+}}) : (i32) -> i32
// CHECK:         llvm.intr.exp(%{{.+}}) : (f32) -> f32
// CHECK:         llvm.call @free
// CHECK:         llvm.return

// The C interface wrapper takes one pointer per memref descriptor and calls
// the expanded function.
// CHECK-LABEL: llvm.func @_mlir_ciface_decode(
// CHECK-SAME:    %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr)
// CHECK-SAME:    attributes {llvm.emit_c_interface}
// CHECK:         llvm.load %{{.+}} : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// CHECK:         llvm.call @decode(
// CHECK-NEXT:    llvm.return

// Dense bf16 baseline: bf16 is loaded and reinterpreted as i16 for the
// widening to f32.
// CHECK-LABEL: llvm.func @dense(
// CHECK-NOT:     attributes {llvm.emit_c_interface}
// CHECK:         llvm.load %{{.+}} : !llvm.ptr -> bf16
// CHECK:         llvm.bitcast %{{.+}} : bf16 to i16
// CHECK:         llvm.intr.exp(%{{.+}}) : (f32) -> f32
// CHECK:         llvm.return

func.func @decode(%q: tensor<1x4x32xf32>, %k: tensor<1x2x?x32xf32>,
                  %v: tensor<1x2x?x32xf32>, %kc: tensor<1x2x?x2x1xi32>,
                  %w1: tensor<4x32x32xf32>, %b1: tensor<4x32xf32>,
                  %w2: tensor<4x32x32xf32>, %b2: tensor<4x32xf32>,
                  %out: memref<1x4x32xf32>) attributes {llvm.emit_c_interface} {
  %qe = tensor.empty() : tensor<1x4x1x1xi32>
  %qc = spotlight.hash_encode
      ins(%q, %w1, %b1, %w2, %b2 : tensor<1x4x32xf32>, tensor<4x32x32xf32>,
          tensor<4x32xf32>, tensor<4x32x32xf32>, tensor<4x32xf32>)
      outs(%qe : tensor<1x4x1x1xi32>)
  %ie = tensor.empty() : tensor<1x2x14xi32>
  %idx = spotlight.hamming_topk group
      ins(%qc, %kc : tensor<1x4x1x1xi32>, tensor<1x2x?x2x1xi32>)
      outs(%ie : tensor<1x2x14xi32>) {budget = 8 : i64, sink = 2 : i64, window = 4 : i64}
  %oe = tensor.empty() : tensor<1x4x32xf32>
  %o = spotlight.sparse_attention
      ins(%q, %k, %v, %idx : tensor<1x4x32xf32>, tensor<1x2x?x32xf32>,
          tensor<1x2x?x32xf32>, tensor<1x2x14xi32>)
      outs(%oe : tensor<1x4x32xf32>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x4x32xf32>, memref<1x4x32xf32>) -> ()
  return
}

func.func @dense(%q: tensor<1x4x32xbf16>, %k: tensor<1x2x?x32xbf16>,
                 %v: tensor<1x2x?x32xbf16>, %out: memref<1x4x32xbf16>) {
  %oe = tensor.empty() : tensor<1x4x32xbf16>
  %o = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x4x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16>)
      outs(%oe : tensor<1x4x32xbf16>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x4x32xbf16>, memref<1x4x32xbf16>) -> ()
  return
}
