func.func @write_values_dynamic_dim(%k: tensor<?x2x64xf32>, %v: tensor<?x2x?xf32>, %c: tensor<?x2x4x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x4x2xi32>) {
  %0:3 = spotlight.cache_write ins(%k, %v, %c, %s : tensor<?x2x64xf32>, tensor<?x2x?xf32>, tensor<?x2x4x2xi32>, tensor<?xi32>) outs(%kp, %kp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x4x2xi32>)
  return
}
