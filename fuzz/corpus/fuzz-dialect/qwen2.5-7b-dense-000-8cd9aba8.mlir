func.func @spotlight_decode_dense(%q: tensor<1x28x128xbf16>,
    %k: tensor<1x4x?x128xbf16>, %v: tensor<1x4x?x128xbf16>,
    %out: memref<1x28x128xbf16>) attributes {llvm.emit_c_interface} {
  %o_init = tensor.empty() : tensor<1x28x128xbf16>
  %o = spotlight.decode_attention
      ins(%q, %k, %v : tensor<1x28x128xbf16>, tensor<1x4x?x128xbf16>,
          tensor<1x4x?x128xbf16>)
      outs(%o_init : tensor<1x28x128xbf16>)
  bufferization.materialize_in_destination %o in restrict writable %out
      : (tensor<1x28x128xbf16>, memref<1x28x128xbf16>) -> ()
  return
}
