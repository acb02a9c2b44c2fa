// RUN: spotlight-opt %s --spotlight-sparsify-attention | FileCheck %s
// RUN: spotlight-opt %s --spotlight-sparsify-attention="budget=32 sink=2 window=8 mode=head code-heads=kv" | FileCheck %s --check-prefix=HEAD
// RUN: spotlight-opt %s --spotlight-sparsify-attention --verify-diagnostics -o /dev/null
// RUN: not spotlight-opt %s --spotlight-sparsify-attention=mode=rows 2>&1 | FileCheck %s --check-prefix=BAD-MODE
// RUN: not spotlight-opt %s --spotlight-sparsify-attention=budget=9223372036854775807 2>&1 | FileCheck %s --check-prefix=HUGE-BUDGET
// RUN: spotlight-opt %s --spotlight-sparsify-attention --spotlight-fuse-gather-attention --spotlight-reference-to-llvm-pipeline | FileCheck %s --check-prefix=LOWERED

// The module records that its functions now take key codes.
// CHECK:       module attributes {spotlight.wants_key_codes}
// BAD-MODE:    error: mode must be group or head, got 'rows'
// The index rows (sink + window + budget slots) and the op's attributes are
// i32: a budget past that is an option error, not a wrapped shape.
// HUGE-BUDGET: error: budget + sink + window must be at most 2147483647, got 9223372036854775807 + 4 + 64

// Qwen2.5-7B geometry (QH = 28, KH = 4, D = 128): CH = QH, G = 7 codes per
// key, one set per KV head of 4 + 64 + 64 slots.
// CHECK-LABEL: func.func @dense_step
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x28x128xbf16>, %[[K:.+]]: tensor<1x4x?x128xbf16>, %[[V:.+]]: tensor<1x4x?x128xbf16>, %[[INIT:.+]]: tensor<1x28x128xbf16>,
// CHECK-SAME:     %[[W1:.+]]: tensor<28x128x128xf32> {spotlight.hash_weight = "w1"}, %[[B1:.+]]: tensor<28x128xf32> {spotlight.hash_weight = "b1"},
// CHECK-SAME:     %[[W2:.+]]: tensor<28x128x128xf32> {spotlight.hash_weight = "w2"}, %[[B2:.+]]: tensor<28x128xf32> {spotlight.hash_weight = "b2"},
// CHECK-SAME:     %[[KC:[a-z0-9]+]]: tensor<1x4x?x7x4xi32> {spotlight.key_codes})
// CHECK:         %[[QC:.+]] = spotlight.hash_encode ins(%[[Q]], %[[W1]], %[[B1]], %[[W2]], %[[B2]] : {{.*}}) outs(%{{.+}} : tensor<1x28x1x4xi32>)
// CHECK:         %[[IDX:.+]] = spotlight.hamming_topk group ins(%[[QC]], %[[KC]] : tensor<1x28x1x4xi32>, tensor<1x4x?x7x4xi32>) outs(%{{.+}} : tensor<1x4x132xi32>) {budget = 64 : i64}{{$}}
// CHECK:         %[[O:.+]] = spotlight.sparse_attention ins(%[[Q]], %[[K]], %[[V]], %[[IDX]] : {{.*}}) outs(%[[INIT]] : tensor<1x28x128xbf16>)
// CHECK-NOT:     spotlight.decode_attention
// CHECK:         return %[[O]]
// HEAD-LABEL: func.func @dense_step
// HEAD-SAME:     tensor<4x128x128xf32> {spotlight.hash_weight = "w1"}
// HEAD-SAME:     %[[KC:[a-z0-9]+]]: tensor<1x4x?x1x4xi32> {spotlight.key_codes}
// HEAD:          spotlight.hamming_topk{{ +}}head ins(%{{.+}}, %[[KC]] : tensor<1x28x1x4xi32>, tensor<1x4x?x1x4xi32>) outs(%{{.+}} : tensor<1x28x42xi32>) {budget = 32 : i64, sink = 2 : i64, window = 8 : i64}
// LOWERED:       llvm.func @dense_step
func.func @dense_step(%q: tensor<1x28x128xbf16>, %k: tensor<1x4x?x128xbf16>, %v: tensor<1x4x?x128xbf16>, %init: tensor<1x28x128xbf16>) -> tensor<1x28x128xbf16> {
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<1x28x128xbf16>, tensor<1x4x?x128xbf16>, tensor<1x4x?x128xbf16>) outs(%init : tensor<1x28x128xbf16>)
  return %o : tensor<1x28x128xbf16>
}

// A dynamic batch: the index and code inits take it from the query.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:         %[[B:.+]] = tensor.dim %{{.+}}, %{{.+}} : tensor<?x4x64xf32>
// CHECK:         tensor.empty(%[[B]]) : tensor<?x4x1x2xi32>
// CHECK:         spotlight.hamming_topk group ins(%{{.+}}, %{{.+}} : tensor<?x4x1x2xi32>, tensor<?x2x?x2x2xi32>)
func.func @dynamic_batch(%q: tensor<?x4x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %init: tensor<?x4x64xf32>) -> tensor<?x4x64xf32> {
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<?x4x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) outs(%init : tensor<?x4x64xf32>)
  return %o : tensor<?x4x64xf32>
}

// Not matched: a private function may have callers whose calls would break.
// CHECK-LABEL: func.func private @private_step
// CHECK:         spotlight.decode_attention
func.func private @private_step(%q: tensor<1x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  // expected-remark @+1 {{not sparsified: its function is not a public definition}}
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<1x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x4x64xf32>)
  return %o : tensor<1x4x64xf32>
}

// Not matched: bufferized (memref) attention.
// CHECK-LABEL: func.func @bufferized_step
// CHECK:         spotlight.decode_attention
func.func @bufferized_step(%q: memref<1x4x64xf32>, %k: memref<1x2x?x64xf32>, %v: memref<1x2x?x64xf32>, %out: memref<1x4x64xf32>) {
  // expected-remark @+1 {{not sparsified: it is bufferized (the pass works on tensors)}}
  spotlight.decode_attention ins(%q, %k, %v : memref<1x4x64xf32>, memref<1x2x?x64xf32>, memref<1x2x?x64xf32>) outs(%out : memref<1x4x64xf32>)
  return
}

// Not matched: inside a region, not directly in the function body.
// CHECK-LABEL: func.func @nested_step
// CHECK:         scf.execute_region
// CHECK:           spotlight.decode_attention
func.func @nested_step(%q: tensor<1x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %r = scf.execute_region -> tensor<1x4x64xf32> {
    // expected-remark @+1 {{not sparsified: it is not directly in a func.func body}}
    %o = spotlight.decode_attention ins(%q, %k, %v : tensor<1x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x4x64xf32>)
    scf.yield %o : tensor<1x4x64xf32>
  }
  return %r : tensor<1x4x64xf32>
}

// Not matched: a paged cache (its key-code pool must come from the caller).
// CHECK-LABEL: func.func @paged_step
// CHECK-SAME:    (%{{[^:]+}}: tensor<2x4x64xf32>, %{{[^:]+}}: tensor<?x16x2x64xf32>, %{{[^:]+}}: tensor<?x16x2x64xf32>, %{{[^:]+}}: tensor<2x?xi32>, %{{[^:]+}}: tensor<2xi32>, %{{[^:]+}}: tensor<2x4x64xf32>) -> tensor<2x4x64xf32>
// CHECK:         spotlight.decode_attention {{.*}} pages(
func.func @paged_step(%q: tensor<2x4x64xf32>, %kp: tensor<?x16x2x64xf32>, %vp: tensor<?x16x2x64xf32>, %bt: tensor<2x?xi32>, %sl: tensor<2xi32>, %init: tensor<2x4x64xf32>) -> tensor<2x4x64xf32> {
  // expected-remark @+1 {{spotlight-sparsify-attention: not sparsified: it reads a paged cache}}
  %o = spotlight.decode_attention ins(%q, %kp, %vp : tensor<2x4x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>) pages(%bt, %sl : tensor<2x?xi32>, tensor<2xi32>) outs(%init : tensor<2x4x64xf32>)
  return %o : tensor<2x4x64xf32>
}

// Not matched: a function with a caller in the module (the new arguments
// would leave the call short of operands).
// CHECK-LABEL: func.func @called_step
// CHECK:         spotlight.decode_attention
func.func @called_step(%q: tensor<1x4x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  // expected-remark @+1 {{not sparsified: its function is called in this module (the pass adds the hash weights and key codes as arguments)}}
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<1x4x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) outs(%init : tensor<1x4x64xf32>)
  return %o : tensor<1x4x64xf32>
}
func.func @caller(%q: tensor<1x4x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %o = func.call @called_step(%q, %k, %v, %init) : (tensor<1x4x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}
