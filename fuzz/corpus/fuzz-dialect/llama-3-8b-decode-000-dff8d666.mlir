module attributes {spotlight.manifest = "format = spotlight-artifact-2\0Atarget = cpu\0Aquery_heads = 32\0Akv_heads = 8\0Ahead_dim = 128\0Acode_heads = 32\0Adtype = bf16\0Aweight_dtype = f32\0Amode = group\0Asink = 4\0Awindow = 64\0Abudget_count = 0\0Abudget_fraction = 0.02\0Amin_budget = 20\0Amax_tokens = 262144\0Asignature.spotlight_encode_queries = (tensor<1x4x128xbf16>, tensor<4x128x128xf32>, tensor<4x128xf32>, tensor<4x128x128xf32>, tensor<4x128xf32>, memref<1x4x1x4xi32>) -> ()\0Asignature.spotlight_encode_keys = (tensor<1x1x?x128xbf16>, tensor<4x128x128xf32>, tensor<4x128xf32>, tensor<4x128x128xf32>, tensor<4x128xf32>, memref<1x1x?x4x4xi32>) -> ()\0Asignature.spotlight_select = (tensor<1x4x1x4xi32>, tensor<1x1x?x4x4xi32>, memref<1x1x5310xi32>) -> ()\0Asignature.spotlight_decode = (tensor<1x4x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x?x4x4xi32>, tensor<4x128x128xf32>, tensor<4x128xf32>, tensor<4x128x128xf32>, tensor<4x128xf32>, memref<1x4x128xbf16>, memref<1x1x5310xi32>) -> ()\0Asignature.spotlight_decode_dense = (tensor<1x4x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>, memref<1x4x128xbf16>) -> ()\0Achecksum = 55c151e31765b61e\0A"} {
  func.func @spotlight_encode_queries(%arg0: tensor<1x4x128xbf16>, %arg1: tensor<4x128x128xf32>, %arg2: tensor<4x128xf32>, %arg3: tensor<4x128x128xf32>, %arg4: tensor<4x128xf32>, %arg5: memref<1x4x1x4xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x4x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg1, %arg2, %arg3, %arg4 : tensor<1x4x128xbf16>, tensor<4x128x128xf32>, tensor<4x128xf32>, tensor<4x128x128xf32>, tensor<4x128xf32>) outs(%0 : tensor<1x4x1x4xi32>)
    bufferization.materialize_in_destination %1 in restrict writable %arg5 : (tensor<1x4x1x4xi32>, memref<1x4x1x4xi32>) -> ()
    return
  }
  func.func @spotlight_encode_keys(%arg0: tensor<1x1x?x128xbf16>, %arg1: tensor<4x128x128xf32>, %arg2: tensor<4x128xf32>, %arg3: tensor<4x128x128xf32>, %arg4: tensor<4x128xf32>, %arg5: memref<1x1x?x4x4xi32>) attributes {llvm.emit_c_interface} {
    %c2 = arith.constant 2 : index
    %dim = tensor.dim %arg0, %c2 : tensor<1x1x?x128xbf16>
    %0 = tensor.empty(%dim) : tensor<1x1x?x4x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg1, %arg2, %arg3, %arg4 : tensor<1x1x?x128xbf16>, tensor<4x128x128xf32>, tensor<4x128xf32>, tensor<4x128x128xf32>, tensor<4x128xf32>) outs(%0 : tensor<1x1x?x4x4xi32>)
    bufferization.materialize_in_destination %1 in restrict writable %arg5 : (tensor<1x1x?x4x4xi32>, memref<1x1x?x4x4xi32>) -> ()
    return
  }
  func.func @spotlight_select(%arg0: tensor<1x4x1x4xi32>, %arg1: tensor<1x1x?x4x4xi32>, %arg2: memref<1x1x5310xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x1x5310xi32>
    %1 = spotlight.hamming_topk  group ins(%arg0, %arg1 : tensor<1x4x1x4xi32>, tensor<1x1x?x4x4xi32>) outs(%0 : tensor<1x1x5310xi32>) {budget = 2.000000e-02 : f64}
    bufferization.materialize_in_destination %1 in restrict writable %arg2 : (tensor<1x1x5310xi32>, memref<1x1x5310xi32>) -> ()
    return
  }
  func.func @spotlight_attend(%arg0: tensor<1x4x128xbf16>, %arg1: tensor<1x1x?x128xbf16>, %arg2: tensor<1x1x?x128xbf16>, %arg3: tensor<1x1x5310xi32>, %arg4: memref<1x4x128xbf16>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x4x128xbf16>
    %1 = spotlight.sparse_attention ins(%arg0, %arg1, %arg2, %arg3 : tensor<1x4x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x5310xi32>) outs(%0 : tensor<1x4x128xbf16>)
    bufferization.materialize_in_destination %1 in restrict writable %arg4 : (tensor<1x4x128xbf16>, memref<1x4x128xbf16>) -> ()
    return
  }
  func.func @spotlight_decode(%arg0: tensor<1x4x128xbf16>, %arg1: tensor<1x1x?x128xbf16>, %arg2: tensor<1x1x?x128xbf16>, %arg3: tensor<1x1x?x4x4xi32>, %arg4: tensor<4x128x128xf32>, %arg5: tensor<4x128xf32>, %arg6: tensor<4x128x128xf32>, %arg7: tensor<4x128xf32>, %arg8: memref<1x4x128xbf16>, %arg9: memref<1x1x5310xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x4x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg4, %arg5, %arg6, %arg7 : tensor<1x4x128xbf16>, tensor<4x128x128xf32>, tensor<4x128xf32>, tensor<4x128x128xf32>, tensor<4x128xf32>) outs(%0 : tensor<1x4x1x4xi32>)
    %2 = tensor.empty() : tensor<1x1x5310xi32>
    %3 = spotlight.hamming_topk  group ins(%1, %arg3 : tensor<1x4x1x4xi32>, tensor<1x1x?x4x4xi32>) outs(%2 : tensor<1x1x5310xi32>) {budget = 2.000000e-02 : f64}
    %4 = tensor.empty() : tensor<1x4x128xbf16>
    %5 = spotlight.sparse_attention ins(%arg0, %arg1, %arg2, %3 : tensor<1x4x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x5310xi32>) outs(%4 : tensor<1x4x128xbf16>)
    bufferization.materialize_in_destination %5 in restrict writable %arg8 : (tensor<1x4x128xbf16>, memref<1x4x128xbf16>) -> ()
    bufferization.materialize_in_destination %3 in restrict writable %arg9 : (tensor<1x1x5310xi32>, memref<1x1x5310xi32>) -> ()
    return
  }
  func.func @spotlight_decode_dense(%arg0: tensor<1x4x128xbf16>, %arg1: tensor<1x1x?x128xbf16>, %arg2: tensor<1x1x?x128xbf16>, %arg3: memref<1x4x128xbf16>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x4x128xbf16>
    %1 = spotlight.decode_attention ins(%arg0, %arg1, %arg2 : tensor<1x4x128xbf16>, tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>) outs(%0 : tensor<1x4x128xbf16>)
    bufferization.materialize_in_destination %1 in restrict writable %arg3 : (tensor<1x4x128xbf16>, memref<1x4x128xbf16>) -> ()
    return
  }
}
