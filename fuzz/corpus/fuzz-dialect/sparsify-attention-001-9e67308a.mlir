func.func @dynamic_batch(%q: tensor<?x4x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %init: tensor<?x4x64xf32>) -> tensor<?x4x64xf32> {
  %o = spotlight.decode_attention ins(%q, %k, %v : tensor<?x4x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) outs(%init : tensor<?x4x64xf32>)
  return %o : tensor<?x4x64xf32>
}
