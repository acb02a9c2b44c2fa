// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu --verify-diagnostics
// RUN: spotlight-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --convert-spotlight-to-gpu=emulate=true | FileCheck %s --check-prefix=EMULATE

// On a GPU the host code only launches kernels: a gathered copy would be
// host loops over device memory, so sparse_gather is an error. The
// emulation leaves it to the CPU lowering.
// EMULATE-LABEL: func.func @gather
// EMULATE:         spotlight.sparse_gather
func.func @gather(%k: tensor<1x2x?x64xf32>, %i: tensor<1x2x8xi32>, %o: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  // expected-error @+1 {{has no GPU lowering: attention reads the selected rows in place (spotlight.sparse_attention); a gathered copy exists only on the CPU}}
  %0 = spotlight.sparse_gather ins(%k, %i : tensor<1x2x?x64xf32>, tensor<1x2x8xi32>) outs(%o : tensor<1x2x8x64xf32>)
  return %0 : tensor<1x2x8x64xf32>
}
