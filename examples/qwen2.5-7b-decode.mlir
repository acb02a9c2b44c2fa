module attributes {spotlight.manifest = "format = spotlight-artifact-7\0Atarget = cpu\0Aquery_heads = 28\0Akv_heads = 4\0Ahead_dim = 128\0Acode_heads = 28\0Adtype = bf16\0Aweight_dtype = f32\0Amode = group\0Asink = 4\0Awindow = 64\0Abudget_count = 0\0Abudget_fraction = 0.02\0Amin_budget = 20\0Amax_tokens = 262144\0Apage_size = 16\0Asignature.spotlight_paged_write = (tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?xi32>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>, memref<?x16x4x128xbf16>, memref<?x16x4x128xbf16>, memref<?x16x4x7x4xi32>) -> ()\0Asignature.spotlight_paged_select = (tensor<?x28x128xbf16>, tensor<?x16x4x7x4xi32>, tensor<?x?xi32>, tensor<?xi32>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>, memref<?x4x5310xi32>) -> ()\0Asignature.spotlight_paged_decode = (tensor<?x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x7x4xi32>, tensor<?x?xi32>, tensor<?xi32>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>, memref<?x28x128xbf16>, memref<?x4x5310xi32>) -> ()\0Asignature.spotlight_paged_decode_dense = (tensor<?x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x?xi32>, tensor<?xi32>, memref<?x28x128xbf16>) -> ()\0Asignature.spotlight_kv_head_select = (tensor<1x7x128xbf16>, tensor<?x16x1x7x4xi32>, tensor<1x?xi32>, tensor<1xi32>, tensor<7x128x128xf32>, tensor<7x128xf32>, tensor<7x128x128xf32>, tensor<7x128xf32>, memref<1x1x5310xi32>) -> ()\0Asignature.spotlight_kv_head_decode = (tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>, tensor<?x16x1x128xbf16>, tensor<?x16x1x7x4xi32>, tensor<1x?xi32>, tensor<1xi32>, tensor<7x128x128xf32>, tensor<7x128xf32>, tensor<7x128x128xf32>, tensor<7x128xf32>, memref<1x7x128xbf16>, memref<1x1x5310xi32>) -> ()\0Asignature.spotlight_token_split_scores = (tensor<?x28x128xbf16>, tensor<?x16x4x7x4xi32>, tensor<?x?xi32>, tensor<?xi32>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<?x2xi32>, memref<?x4x?xi32>, memref<?x4x897xi32>) -> ()\0Asignature.spotlight_kv_head_split_select = (tensor<1x1x?xi32>, tensor<?x1x1x897xi32>, tensor<1xi32>, memref<1x1x5310xi32>) -> ()\0Asignature.spotlight_kv_head_split_decode = (tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>, tensor<?x16x1x128xbf16>, tensor<1x1x?xi32>, tensor<?x1x1x897xi32>, tensor<1x?xi32>, tensor<1xi32>, memref<1x7x128xbf16>, memref<1x1x5310xi32>) -> ()\0Asignature.spotlight_token_split_decode_dense = (tensor<?x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x?xi32>, tensor<?xi32>, memref<?x28x128xf32>, memref<?x28xf32>) -> ()\0Asignature.spotlight_token_split_merge = (tensor<?x?x28x128xf32>, tensor<?x?x28xf32>, memref<?x28x128xbf16>) -> ()\0Achecksum = 144a5492a08a05f5\0A"} {
  func.func @spotlight_paged_write(%arg0: tensor<?x4x128xbf16>, %arg1: tensor<?x4x128xbf16>, %arg2: tensor<?xi32>, %arg3: tensor<28x128x128xf32>, %arg4: tensor<28x128xf32>, %arg5: tensor<28x128x128xf32>, %arg6: tensor<28x128xf32>, %arg7: memref<?x16x4x128xbf16>, %arg8: memref<?x16x4x128xbf16>, %arg9: memref<?x16x4x7x4xi32>) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %arg0, %c0 : tensor<?x4x128xbf16>
    %0 = tensor.empty(%dim) : tensor<?x4x7x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg3, %arg4, %arg5, %arg6 : tensor<?x4x128xbf16>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>) outs(%0 : tensor<?x4x7x4xi32>)
    %2 = bufferization.to_buffer %arg0 read_only : tensor<?x4x128xbf16> to memref<?x4x128xbf16>
    %3 = bufferization.to_buffer %arg1 read_only : tensor<?x4x128xbf16> to memref<?x4x128xbf16>
    %4 = bufferization.to_buffer %1 read_only : tensor<?x4x7x4xi32> to memref<?x4x7x4xi32>
    %5 = bufferization.to_buffer %arg2 read_only : tensor<?xi32> to memref<?xi32>
    spotlight.cache_write ins(%2, %3, %4, %5 : memref<?x4x128xbf16>, memref<?x4x128xbf16>, memref<?x4x7x4xi32>, memref<?xi32>) outs(%arg7, %arg8, %arg9 : memref<?x16x4x128xbf16>, memref<?x16x4x128xbf16>, memref<?x16x4x7x4xi32>)
    return
  }
  func.func @spotlight_paged_select(%arg0: tensor<?x28x128xbf16>, %arg1: tensor<?x16x4x7x4xi32>, %arg2: tensor<?x?xi32>, %arg3: tensor<?xi32>, %arg4: tensor<28x128x128xf32>, %arg5: tensor<28x128xf32>, %arg6: tensor<28x128x128xf32>, %arg7: tensor<28x128xf32>, %arg8: memref<?x4x5310xi32>) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %arg0, %c0 : tensor<?x28x128xbf16>
    %0 = tensor.empty(%dim) : tensor<?x28x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg4, %arg5, %arg6, %arg7 : tensor<?x28x128xbf16>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>) outs(%0 : tensor<?x28x1x4xi32>)
    %c0_0 = arith.constant 0 : index
    %dim_1 = tensor.dim %arg0, %c0_0 : tensor<?x28x128xbf16>
    %2 = tensor.empty(%dim_1) : tensor<?x4x5310xi32>
    %3 = spotlight.hamming_topk  group ins(%1, %arg1 : tensor<?x28x1x4xi32>, tensor<?x16x4x7x4xi32>) pages(%arg2, %arg3 : tensor<?x?xi32>, tensor<?xi32>) outs(%2 : tensor<?x4x5310xi32>) {budget = 2.000000e-02 : f64}
    bufferization.materialize_in_destination %3 in restrict writable %arg8 : (tensor<?x4x5310xi32>, memref<?x4x5310xi32>) -> ()
    return
  }
  func.func @spotlight_paged_decode(%arg0: tensor<?x28x128xbf16>, %arg1: tensor<?x16x4x128xbf16>, %arg2: tensor<?x16x4x128xbf16>, %arg3: tensor<?x16x4x7x4xi32>, %arg4: tensor<?x?xi32>, %arg5: tensor<?xi32>, %arg6: tensor<28x128x128xf32>, %arg7: tensor<28x128xf32>, %arg8: tensor<28x128x128xf32>, %arg9: tensor<28x128xf32>, %arg10: memref<?x28x128xbf16>, %arg11: memref<?x4x5310xi32>) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %arg0, %c0 : tensor<?x28x128xbf16>
    %0 = tensor.empty(%dim) : tensor<?x28x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg6, %arg7, %arg8, %arg9 : tensor<?x28x128xbf16>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>) outs(%0 : tensor<?x28x1x4xi32>)
    %c0_0 = arith.constant 0 : index
    %dim_1 = tensor.dim %arg0, %c0_0 : tensor<?x28x128xbf16>
    %2 = tensor.empty(%dim_1) : tensor<?x4x5310xi32>
    %3 = spotlight.hamming_topk  group ins(%1, %arg3 : tensor<?x28x1x4xi32>, tensor<?x16x4x7x4xi32>) pages(%arg4, %arg5 : tensor<?x?xi32>, tensor<?xi32>) outs(%2 : tensor<?x4x5310xi32>) {budget = 2.000000e-02 : f64}
    %c0_2 = arith.constant 0 : index
    %dim_3 = tensor.dim %arg0, %c0_2 : tensor<?x28x128xbf16>
    %4 = tensor.empty(%dim_3) : tensor<?x28x128xbf16>
    %5 = spotlight.sparse_attention ins(%arg0, %arg1, %arg2, %3 : tensor<?x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x4x5310xi32>) pages(%arg4, %arg5 : tensor<?x?xi32>, tensor<?xi32>) outs(%4 : tensor<?x28x128xbf16>)
    bufferization.materialize_in_destination %5 in restrict writable %arg10 : (tensor<?x28x128xbf16>, memref<?x28x128xbf16>) -> ()
    bufferization.materialize_in_destination %3 in restrict writable %arg11 : (tensor<?x4x5310xi32>, memref<?x4x5310xi32>) -> ()
    return
  }
  func.func @spotlight_paged_decode_dense(%arg0: tensor<?x28x128xbf16>, %arg1: tensor<?x16x4x128xbf16>, %arg2: tensor<?x16x4x128xbf16>, %arg3: tensor<?x?xi32>, %arg4: tensor<?xi32>, %arg5: memref<?x28x128xbf16>) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %arg0, %c0 : tensor<?x28x128xbf16>
    %0 = tensor.empty(%dim) : tensor<?x28x128xbf16>
    %1 = spotlight.decode_attention ins(%arg0, %arg1, %arg2 : tensor<?x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>) pages(%arg3, %arg4 : tensor<?x?xi32>, tensor<?xi32>) outs(%0 : tensor<?x28x128xbf16>)
    bufferization.materialize_in_destination %1 in restrict writable %arg5 : (tensor<?x28x128xbf16>, memref<?x28x128xbf16>) -> ()
    return
  }
  func.func @spotlight_kv_head_select(%arg0: tensor<1x7x128xbf16>, %arg1: tensor<?x16x1x7x4xi32> {bufferization.buffer_layout = strided<[1792, 112, 28, 4, 1], offset: ?>}, %arg2: tensor<1x?xi32>, %arg3: tensor<1xi32>, %arg4: tensor<7x128x128xf32>, %arg5: tensor<7x128xf32>, %arg6: tensor<7x128x128xf32>, %arg7: tensor<7x128xf32>, %arg8: memref<1x1x5310xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x7x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg4, %arg5, %arg6, %arg7 : tensor<1x7x128xbf16>, tensor<7x128x128xf32>, tensor<7x128xf32>, tensor<7x128x128xf32>, tensor<7x128xf32>) outs(%0 : tensor<1x7x1x4xi32>)
    %2 = tensor.empty() : tensor<1x1x5310xi32>
    %3 = spotlight.hamming_topk  group ins(%1, %arg1 : tensor<1x7x1x4xi32>, tensor<?x16x1x7x4xi32>) pages(%arg2, %arg3 : tensor<1x?xi32>, tensor<1xi32>) outs(%2 : tensor<1x1x5310xi32>) {budget = 2.000000e-02 : f64}
    bufferization.materialize_in_destination %3 in restrict writable %arg8 : (tensor<1x1x5310xi32>, memref<1x1x5310xi32>) -> ()
    return
  }
  func.func @spotlight_kv_head_decode(%arg0: tensor<1x7x128xbf16>, %arg1: tensor<?x16x1x128xbf16> {bufferization.buffer_layout = strided<[8192, 512, 128, 1], offset: ?>}, %arg2: tensor<?x16x1x128xbf16> {bufferization.buffer_layout = strided<[8192, 512, 128, 1], offset: ?>}, %arg3: tensor<?x16x1x7x4xi32> {bufferization.buffer_layout = strided<[1792, 112, 28, 4, 1], offset: ?>}, %arg4: tensor<1x?xi32>, %arg5: tensor<1xi32>, %arg6: tensor<7x128x128xf32>, %arg7: tensor<7x128xf32>, %arg8: tensor<7x128x128xf32>, %arg9: tensor<7x128xf32>, %arg10: memref<1x7x128xbf16>, %arg11: memref<1x1x5310xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x7x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg6, %arg7, %arg8, %arg9 : tensor<1x7x128xbf16>, tensor<7x128x128xf32>, tensor<7x128xf32>, tensor<7x128x128xf32>, tensor<7x128xf32>) outs(%0 : tensor<1x7x1x4xi32>)
    %2 = tensor.empty() : tensor<1x1x5310xi32>
    %3 = spotlight.hamming_topk  group ins(%1, %arg3 : tensor<1x7x1x4xi32>, tensor<?x16x1x7x4xi32>) pages(%arg4, %arg5 : tensor<1x?xi32>, tensor<1xi32>) outs(%2 : tensor<1x1x5310xi32>) {budget = 2.000000e-02 : f64}
    %4 = tensor.empty() : tensor<1x7x128xbf16>
    %5 = spotlight.sparse_attention ins(%arg0, %arg1, %arg2, %3 : tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>, tensor<?x16x1x128xbf16>, tensor<1x1x5310xi32>) pages(%arg4, %arg5 : tensor<1x?xi32>, tensor<1xi32>) outs(%4 : tensor<1x7x128xbf16>)
    bufferization.materialize_in_destination %5 in restrict writable %arg10 : (tensor<1x7x128xbf16>, memref<1x7x128xbf16>) -> ()
    bufferization.materialize_in_destination %3 in restrict writable %arg11 : (tensor<1x1x5310xi32>, memref<1x1x5310xi32>) -> ()
    return
  }
  func.func @spotlight_kv_head_split_select(%arg0: tensor<1x1x?xi32> {bufferization.buffer_layout = strided<[?, ?, 1], offset: ?>}, %arg1: tensor<?x1x1x897xi32> {bufferization.buffer_layout = strided<[?, ?, ?, 1], offset: ?>}, %arg2: tensor<1xi32>, %arg3: memref<1x1x5310xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x1x5310xi32>
    %1 = spotlight.score_topk ins(%arg0, %arg1 : tensor<1x1x?xi32>, tensor<?x1x1x897xi32>) lens(%arg2 : tensor<1xi32>) outs(%0 : tensor<1x1x5310xi32>) {budget = 2.000000e-02 : f64}
    bufferization.materialize_in_destination %1 in restrict writable %arg3 : (tensor<1x1x5310xi32>, memref<1x1x5310xi32>) -> ()
    return
  }
  func.func @spotlight_kv_head_split_decode(%arg0: tensor<1x7x128xbf16>, %arg1: tensor<?x16x1x128xbf16> {bufferization.buffer_layout = strided<[8192, 512, 128, 1], offset: ?>}, %arg2: tensor<?x16x1x128xbf16> {bufferization.buffer_layout = strided<[8192, 512, 128, 1], offset: ?>}, %arg3: tensor<1x1x?xi32> {bufferization.buffer_layout = strided<[?, ?, 1], offset: ?>}, %arg4: tensor<?x1x1x897xi32> {bufferization.buffer_layout = strided<[?, ?, ?, 1], offset: ?>}, %arg5: tensor<1x?xi32>, %arg6: tensor<1xi32>, %arg7: memref<1x7x128xbf16>, %arg8: memref<1x1x5310xi32>) attributes {llvm.emit_c_interface} {
    %0 = tensor.empty() : tensor<1x1x5310xi32>
    %1 = spotlight.score_topk ins(%arg3, %arg4 : tensor<1x1x?xi32>, tensor<?x1x1x897xi32>) lens(%arg6 : tensor<1xi32>) outs(%0 : tensor<1x1x5310xi32>) {budget = 2.000000e-02 : f64}
    %2 = tensor.empty() : tensor<1x7x128xbf16>
    %3 = spotlight.sparse_attention ins(%arg0, %arg1, %arg2, %1 : tensor<1x7x128xbf16>, tensor<?x16x1x128xbf16>, tensor<?x16x1x128xbf16>, tensor<1x1x5310xi32>) pages(%arg5, %arg6 : tensor<1x?xi32>, tensor<1xi32>) outs(%2 : tensor<1x7x128xbf16>)
    bufferization.materialize_in_destination %3 in restrict writable %arg7 : (tensor<1x7x128xbf16>, memref<1x7x128xbf16>) -> ()
    bufferization.materialize_in_destination %1 in restrict writable %arg8 : (tensor<1x1x5310xi32>, memref<1x1x5310xi32>) -> ()
    return
  }
  func.func @spotlight_token_split_scores(%arg0: tensor<?x28x128xbf16>, %arg1: tensor<?x16x4x7x4xi32>, %arg2: tensor<?x?xi32>, %arg3: tensor<?xi32>, %arg4: tensor<28x128x128xf32>, %arg5: tensor<28x128xf32>, %arg6: tensor<28x128x128xf32>, %arg7: tensor<28x128xf32>, %arg8: tensor<?x2xi32>, %arg9: memref<?x4x?xi32>, %arg10: memref<?x4x897xi32>) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %arg0, %c0 : tensor<?x28x128xbf16>
    %0 = tensor.empty(%dim) : tensor<?x28x1x4xi32>
    %1 = spotlight.hash_encode ins(%arg0, %arg4, %arg5, %arg6, %arg7 : tensor<?x28x128xbf16>, tensor<28x128x128xf32>, tensor<28x128xf32>, tensor<28x128x128xf32>, tensor<28x128xf32>) outs(%0 : tensor<?x28x1x4xi32>)
    %2 = bufferization.to_buffer %1 read_only : tensor<?x28x1x4xi32> to memref<?x28x1x4xi32>
    %3 = bufferization.to_buffer %arg8 read_only : tensor<?x2xi32> to memref<?x2xi32>
    %4 = bufferization.to_buffer %arg3 read_only : tensor<?xi32> to memref<?xi32>
    %5 = bufferization.to_buffer %arg2 read_only : tensor<?x?xi32> to memref<?x?xi32>
    %6 = bufferization.to_buffer %arg1 read_only : tensor<?x16x4x7x4xi32> to memref<?x16x4x7x4xi32>
    spotlight.hamming_scores  group ins(%2, %6 : memref<?x28x1x4xi32>, memref<?x16x4x7x4xi32>) pages(%5, %4 : memref<?x?xi32>, memref<?xi32>) ranges(%3 : memref<?x2xi32>) outs(%arg9, %arg10 : memref<?x4x?xi32>, memref<?x4x897xi32>)
    return
  }
  func.func @spotlight_token_split_decode_dense(%arg0: tensor<?x28x128xbf16>, %arg1: tensor<?x16x4x128xbf16>, %arg2: tensor<?x16x4x128xbf16>, %arg3: tensor<?x?xi32>, %arg4: tensor<?xi32>, %arg5: memref<?x28x128xf32>, %arg6: memref<?x28xf32>) attributes {llvm.emit_c_interface} {
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %arg0, %c0 : tensor<?x28x128xbf16>
    %0 = tensor.empty(%dim) : tensor<?x28xf32>
    %c0_0 = arith.constant 0 : index
    %dim_1 = tensor.dim %arg0, %c0_0 : tensor<?x28x128xbf16>
    %1 = tensor.empty(%dim_1) : tensor<?x28x128xf32>
    %2:2 = spotlight.partial_decode_attention ins(%arg0, %arg1, %arg2 : tensor<?x28x128xbf16>, tensor<?x16x4x128xbf16>, tensor<?x16x4x128xbf16>) pages(%arg3, %arg4 : tensor<?x?xi32>, tensor<?xi32>) outs(%1, %0 : tensor<?x28x128xf32>, tensor<?x28xf32>)
    bufferization.materialize_in_destination %2#0 in restrict writable %arg5 : (tensor<?x28x128xf32>, memref<?x28x128xf32>) -> ()
    bufferization.materialize_in_destination %2#1 in restrict writable %arg6 : (tensor<?x28xf32>, memref<?x28xf32>) -> ()
    return
  }
  func.func @spotlight_token_split_merge(%arg0: tensor<?x?x28x128xf32>, %arg1: tensor<?x?x28xf32>, %arg2: memref<?x28x128xbf16>) attributes {llvm.emit_c_interface} {
    %c1 = arith.constant 1 : index
    %dim = tensor.dim %arg0, %c1 : tensor<?x?x28x128xf32>
    %0 = tensor.empty(%dim) : tensor<?x28x128xbf16>
    %1 = spotlight.merge_attention ins(%arg0, %arg1 : tensor<?x?x28x128xf32>, tensor<?x?x28xf32>) outs(%0 : tensor<?x28x128xbf16>)
    bufferization.materialize_in_destination %1 in restrict writable %arg2 : (tensor<?x28x128xbf16>, memref<?x28x128xbf16>) -> ()
    return
  }
}
