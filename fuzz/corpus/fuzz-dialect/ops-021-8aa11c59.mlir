func.func @decode_attention_bf16_scale(%q: tensor<?x4x128xbf16>,
    %k: tensor<?x4x?x128xbf16>, %v: tensor<?x4x?x128xbf16>,
    %init: tensor<?x4x128xbf16>) -> tensor<?x4x128xbf16> {
  %0 = spotlight.decode_attention
      ins(%q, %k, %v : tensor<?x4x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>)
      outs(%init : tensor<?x4x128xbf16>) {scale = 0.5 : f32}
  return %0 : tensor<?x4x128xbf16>
}
