func.func @grouped_maps_bf16(%q: tensor<1x4x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x4x64xbf16> {
  %c2 = arith.constant 2 : index
  %n = tensor.dim %k, %c2 : tensor<1x2x?x64xbf16>
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.125 : f32
  %se = tensor.empty(%n) : tensor<1x4x?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%se : tensor<1x4x?xf32>) -> tensor<1x4x?xf32>
  %s = linalg.generic {indexing_maps = [#q, #kg, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x4x64xbf16>, tensor<1x2x?x64xbf16>) outs(%s0 : tensor<1x4x?xf32>) {
  ^bb0(%a: bf16, %b: bf16, %acc: f32):
    %a32 = arith.extf %a : bf16 to f32
    %b32 = arith.extf %b : bf16 to f32
    %m = arith.mulf %a32, %b32 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x?xf32>
  %ss = linalg.generic {indexing_maps = [#e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x4x?xf32>) outs(%se : tensor<1x4x?xf32>) {
  ^bb0(%x: f32, %unused: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<1x4x?xf32>
  %p = linalg.softmax dimension(2) ins(%ss : tensor<1x4x?xf32>) outs(%se : tensor<1x4x?xf32>) -> tensor<1x4x?xf32>
  %oe = tensor.empty() : tensor<1x4x64xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %o = linalg.generic {indexing_maps = [#p, #vg, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x4x?xf32>, tensor<1x2x?x64xbf16>) outs(%o0 : tensor<1x4x64xf32>) {
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %b32 = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %b32 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x64xf32>
  %te = tensor.empty() : tensor<1x4x64xbf16>
  %t = linalg.generic {indexing_maps = [#e3, #e3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%o : tensor<1x4x64xf32>) outs(%te : tensor<1x4x64xbf16>) {
  ^bb0(%x: f32, %unused: bf16):
    %y = arith.truncf %x : f32 to bf16
    linalg.yield %y : bf16
  } -> tensor<1x4x64xbf16>
  return %t : tensor<1x4x64xbf16>
}
