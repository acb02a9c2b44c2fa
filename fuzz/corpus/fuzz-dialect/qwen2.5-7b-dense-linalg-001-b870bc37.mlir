func.func @spotlight_decode_dense(%q: tensor<1x28x128xbf16>,
    %k: tensor<1x4x?x128xbf16>, %v: tensor<1x4x?x128xbf16>,
    %out: memref<1x28x128xbf16>) attributes {llvm.emit_c_interface} {
  %c2 = arith.constant 2 : index
  %n = tensor.dim %k, %c2 : tensor<1x4x?x128xbf16>
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.0883883461 : f32
  %s_init = tensor.empty(%n) : tensor<1x28x?xf32>
  %s_zero = linalg.fill ins(%zero : f32) outs(%s_init : tensor<1x28x?xf32>)
      -> tensor<1x28x?xf32>
  %scores = linalg.generic {indexing_maps = [#q, #k, #s],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x28x128xbf16>, tensor<1x4x?x128xbf16>)
      outs(%s_zero : tensor<1x28x?xf32>) {
  ^bb0(%a: bf16, %b: bf16, %acc: f32):
    %a32 = arith.extf %a : bf16 to f32
    %b32 = arith.extf %b : bf16 to f32
    %m = arith.mulf %a32, %b32 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x28x?xf32>
  %scaled = linalg.generic {indexing_maps = [#e3, #e3],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%scores : tensor<1x28x?xf32>) outs(%s_init : tensor<1x28x?xf32>) {
  ^bb0(%x: f32, %unused: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<1x28x?xf32>
  %probs = linalg.softmax dimension(2) ins(%scaled : tensor<1x28x?xf32>)
      outs(%s_init : tensor<1x28x?xf32>) -> tensor<1x28x?xf32>
  %o_init = tensor.empty() : tensor<1x28x128xf32>
  %o_zero = linalg.fill ins(%zero : f32) outs(%o_init : tensor<1x28x128xf32>)
      -> tensor<1x28x128xf32>
  %o32 = linalg.generic {indexing_maps = [#p, #v, #o],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<1x28x?xf32>, tensor<1x4x?x128xbf16>)
      outs(%o_zero : tensor<1x28x128xf32>) {
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %b32 = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %b32 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x28x128xf32>
  %bf_init = tensor.empty() : tensor<1x28x128xbf16>
  %o = linalg.generic {indexing_maps = [#e3, #e3],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%o32 : tensor<1x28x128xf32>) outs(%bf_init : tensor<1x28x128xbf16>) {
  ^bb0(%x: f32, %unused: bf16):
    %y = arith.truncf %x : f32 to bf16
    linalg.yield %y : bf16
  } -> tensor<1x28x128xbf16>
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x28x128xbf16>, memref<1x28x128xbf16>) -> ()
  return
}
