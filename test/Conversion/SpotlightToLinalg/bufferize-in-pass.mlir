// RUN: spotlight-opt %s --convert-spotlight-to-linalg | FileCheck %s
// RUN: spotlight-opt %s --convert-spotlight-to-cpu | FileCheck %s
// RUN: spotlight-opt %s --convert-spotlight-to-gpu=emulate=true | FileCheck %s

// The lowerings start from bufferized ops. Run alone on a module still on
// tensors, a lowering pass bufferizes it first with One-Shot Bufferize
// (through the ops' BufferizableOpInterface, as the pipelines do): the
// result is written in place into the output argument, with no hand-made
// to_buffer/to_tensor and no copy.
// CHECK-LABEL: func.func @on_tensors
// CHECK-SAME:    %[[OUT:[^:]+]]: memref<1x8x64xf32>)
// CHECK-NOT:     spotlight.
// CHECK-NOT:     bufferization.to_
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @on_tensors(%q: tensor<1x8x64xf32>, %k: tensor<1x2x?x64xf32>, %out: memref<1x8x64xf32>) {
  %init = tensor.empty() : tensor<1x8x64xf32>
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<1x8x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) outs(%init : tensor<1x8x64xf32>)
  bufferization.materialize_in_destination %0 in restrict writable %out : (tensor<1x8x64xf32>, memref<1x8x64xf32>) -> ()
  return
}
