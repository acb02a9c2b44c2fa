// Hash weights from a .safetensors file (as spotlight-train writes) become
// dense resource constants instead of function arguments.
// RUN: rm -rf %t && mkdir -p %t
// RUN: spotlight-testgen --out-dir %t --b 1 --qh 4 --kh 2 --d 64 --n 8 --code-heads qh --seed 1 > /dev/null
// RUN: spotlight-opt %s --spotlight-sparsify-attention="weights-file=%t/w.safetensors" | FileCheck %s
// RUN: spotlight-opt %s --spotlight-sparsify-attention="weights-file=%t/w.safetensors" --spotlight-reference-to-llvm-pipeline | FileCheck %s --check-prefix=LOWERED
// RUN: not spotlight-opt %s --spotlight-sparsify-attention="weights-file=%t/w.safetensors code-heads=kv" 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not spotlight-opt %s --spotlight-sparsify-attention="weights-file=%t/missing.safetensors" 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-LABEL: func.func @step
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x64xf32>, %{{.+}}: tensor<1x2x?x64xf32>, %{{.+}}: tensor<1x2x?x64xf32>, %{{.+}}: tensor<1x4x64xf32>, %[[KC:.+]]: tensor<1x2x?x2x2xi32> {spotlight.key_codes}) -> tensor<1x4x64xf32>
// CHECK-DAG:     %[[W1:.+]] = arith.constant dense_resource<spotlight_hash_w1> : tensor<4x64x64xf32>
// CHECK-DAG:     %[[B1:.+]] = arith.constant dense_resource<spotlight_hash_b1> : tensor<4x64xf32>
// CHECK-DAG:     %[[W2:.+]] = arith.constant dense_resource<spotlight_hash_w2> : tensor<4x64x64xf32>
// CHECK-DAG:     %[[B2:.+]] = arith.constant dense_resource<spotlight_hash_b2> : tensor<4x64xf32>
// CHECK:         spotlight.hash_encode ins(%[[Q]], %[[W1]], %[[B1]], %[[W2]], %[[B2]] :
// CHECK:         spotlight.hamming_topk group ins(%{{.+}}, %[[KC]] :
// CHECK:       dialect_resources
// CHECK:         spotlight_hash_w1: "0x04000000
// LOWERED:     llvm.mlir.global private constant @{{.+}}(dense_resource<spotlight_hash_w1> : tensor<4x64x64xf32>)
// LOWERED:     llvm.func @step
// SHAPE:       error: hash weights: {{.*}}w.safetensors: 'w1' is [4, 64, 64], the model needs [2, 64, 64] (CH, D)
// MISSING:     error: cannot read the hash weights: cannot open '{{.*}}missing.safetensors'
func.func @step(%q: tensor<1x4x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>, %init: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<1x4x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x4x64xf32>)
  return %o : tensor<1x4x64xf32>
}
