module attributes {gpu.container_module} {
  gpu.module @f_kernel {
    gpu.func @f_kernel(%arg0: memref<4xi32>) kernel {
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%arg0: memref<4xi32>) kernel {
      gpu.return
    }
  }
  func.func @f(%m: memref<4xi32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xi32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xi32>)
    return
  }
}
