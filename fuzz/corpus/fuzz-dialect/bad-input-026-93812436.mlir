func.func @empty_ins(%init: tensor<1x8x64xf32>) {
  %0 = spotlight.decode_attention ins( : ) outs(%init : tensor<1x8x64xf32>)
  return
}
