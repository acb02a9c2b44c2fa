// RUN: spotlight-opt %s --split-input-file --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu --verify-diagnostics

// What the kernels cannot hold is an error at compile time, not a ptxas
// failure or a launch failure on the device.

// 16 query codes of 1024 bits per KV head: 16385 possible scores, a
// 64 KiB histogram (plus the selection plan).
func.func @histogram_too_large(%qc: tensor<1x16x1x32xi32>, %kc: tensor<1x1x?x16x32xi32>) -> tensor<1x1x30xi32> {
  %init = tensor.empty() : tensor<1x1x30xi32>
  // expected-error @+2 {{has no GPU lowering for 16385 possible scores: their histogram needs 71704 bytes of shared memory, more than 49152}}
  // expected-error @+1 {{failed to legalize}}
  %0 = spotlight.hamming_topk group ins(%qc, %kc : tensor<1x16x1x32xi32>, tensor<1x1x?x16x32xi32>) outs(%init : tensor<1x1x30xi32>) {budget = 10 : i64, sink = 4 : i64, window = 16 : i64}
  return %0 : tensor<1x1x30xi32>
}

// -----

// 64 query heads of dimension 128 share a KV head: their accumulators and
// logits exceed a block's shared memory.
func.func @attention_too_wide(%q: tensor<1x64x128xf32>, %k: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x128xf32>, %o: tensor<1x64x128xf32>) -> tensor<1x64x128xf32> {
  // expected-error @+2 {{has no GPU lowering for 64 query heads of dimension 128 per block: they need 67844 bytes of shared memory, more than 49152}}
  // expected-error @+1 {{failed to legalize}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x64x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>) outs(%o : tensor<1x64x128xf32>)
  return %0 : tensor<1x64x128xf32>
}

// -----

// The kernels address flat buffers: a strided view (a slice of the keys) is
// an error, not a read of the wrong elements.
func.func @slice_of_keys(%q: tensor<1x2x32xf32>, %kbig: tensor<1x1x8x64xf32>,
    %v: tensor<1x1x8x32xf32>) -> tensor<1x2x32xf32> {
  %k = tensor.extract_slice %kbig[0, 0, 0, 32] [1, 1, 8, 32] [1, 1, 1, 1]
      : tensor<1x1x8x64xf32> to tensor<1x1x8x32xf32>
  %init = tensor.empty() : tensor<1x2x32xf32>
  // expected-error @+1 {{operand #1 has the layout strided<[512, 512, 64, 1], offset: 32>, which convert-spotlight-to-gpu cannot address}}
  %0 = spotlight.decode_attention ins(%q, %k, %v : tensor<1x2x32xf32>,
      tensor<1x1x8x32xf32>, tensor<1x1x8x32xf32>) outs(%init : tensor<1x2x32xf32>)
  return %0 : tensor<1x2x32xf32>
}

// -----

// An op in device code would become a launch and allocations inside a
// kernel.
func.func @inside_a_launch(%q: memref<1x8x64xf32>, %k: memref<1x2x?x64xf32>,
    %v: memref<1x2x?x64xf32>, %o: memref<1x8x64xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{is inside GPU device code; the GPU lowering turns it into host code that launches kernels, so it must be outside gpu.launch and gpu.module}}
    spotlight.decode_attention ins(%q, %k, %v : memref<1x8x64xf32>,
        memref<1x2x?x64xf32>, memref<1x2x?x64xf32>) outs(%o : memref<1x8x64xf32>)
    gpu.terminator
  }
  return
}
