func.func @rank0_decode_attention(%q: tensor<f16>, %k: tensor<f16>, %init: tensor<f16>) -> tensor<f16> {
  %0 = spotlight.decode_attention ins(%q, %k, %k : tensor<f16>, tensor<f16>, tensor<f16>) outs(%init : tensor<f16>)
  return %0 : tensor<f16>
}
