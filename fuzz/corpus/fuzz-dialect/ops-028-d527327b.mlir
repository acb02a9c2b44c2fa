func.func @partial_decode_attention_paged(%q: tensor<1x7x128xbf16>,
    %kp: tensor<?x16x1x128xbf16>, %vp: tensor<?x16x1x128xbf16>,
    %bt: tensor<1x?xi32>, %sl: tensor<1xi32>, %o: tensor<1x7x128xf32>,
    %lse: tensor<1x7xf32>) -> (tensor<1x7x128xf32>, tensor<1x7xf32>) {
  %0:2 = spotlight.partial_decode_attention
      ins(%q, %kp, %vp : tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>,
          tensor<?x16x1x128xbf16>)
      pages(%bt, %sl : tensor<1x?xi32>, tensor<1xi32>)
      outs(%o, %lse : tensor<1x7x128xf32>, tensor<1x7xf32>)
  return %0#0, %0#1 : tensor<1x7x128xf32>, tensor<1x7xf32>
}
