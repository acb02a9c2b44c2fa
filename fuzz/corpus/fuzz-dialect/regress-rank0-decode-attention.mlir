func.func @decode_attention_bf16_scale(%q: tensor<f16>,
    %k: tensor<f16>, %v: tensor<f16>,
    %init: tensor<f16>) -> tensor<f16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<f16>, tensor<f16>, tensor<f16>)
      outs(%init : tensor<f16>) {scale = 0.5 : f32}
  return %0 : tensor<f16>
}
