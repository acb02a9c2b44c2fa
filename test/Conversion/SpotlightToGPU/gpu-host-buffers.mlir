// RUN: spotlight-opt %s --split-input-file --verify-diagnostics --spotlight-gpu-host-buffers | FileCheck %s

// A result computed in device memory leaves through gpu.memcpy, and every
// buffer the function allocated is freed before it returns (once).
// CHECK-LABEL: func.func @result_out
// CHECK-SAME:    (%[[OUT:.+]]: memref<4xf32>)
// CHECK:         %[[R:.+]] = gpu.alloc () : memref<4xf32>
// CHECK:         %[[S:.+]] = gpu.alloc () : memref<8xi32>
// CHECK:         gpu.dealloc  %[[S]]
// CHECK-NOT:     memref.copy
// CHECK:         gpu.memcpy  %[[OUT]], %[[R]] : memref<4xf32>, memref<4xf32>
// CHECK:         gpu.dealloc  %[[R]] : memref<4xf32>
// CHECK-NOT:     gpu.dealloc
// CHECK:         return
func.func @result_out(%out: memref<4xf32>) {
  %r = gpu.alloc () : memref<4xf32>
  %s = gpu.alloc () : memref<8xi32>
  gpu.dealloc %s : memref<8xi32>
  memref.copy %r, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// The GPU lowering allocates at function level only; anything else is an
// error, not a leak.
func.func @nested(%c: i1) {
  scf.if %c {
    // expected-error @+1 {{is nested in a region: its buffer cannot be freed at the function's return}}
    %r = gpu.alloc () : memref<4xf32>
  }
  return
}

// -----

// The buffers One-Shot Bufferize allocated for intermediate results move to
// device memory (the kernels write them), and are freed before the return.
// CHECK-LABEL: func.func @intermediate
// CHECK-SAME:    (%[[N:.+]]: index)
// CHECK-NOT:     memref.alloc
// CHECK:         %[[A:.+]] = gpu.alloc () : memref<1x2x88xi32>
// CHECK:         %[[B:.+]] = gpu.alloc (%[[N]]) : memref<?xi32>
// CHECK:         gpu.dealloc  %[[B]] : memref<?xi32>
// CHECK-NOT:     memref.dealloc
// CHECK:         gpu.dealloc  %[[A]] : memref<1x2x88xi32>
// CHECK-NEXT:    return
func.func @intermediate(%n: index) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<1x2x88xi32>
  %b = memref.alloc(%n) : memref<?xi32>
  memref.dealloc %b : memref<?xi32>
  return
}
