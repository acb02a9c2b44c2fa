func.func @cache_write_on_tensors(%k: tensor<?x2x64xf32>, %v: tensor<?x2x64xf32>,
    %c: tensor<?x2x1x2xi32>, %s: tensor<?xi32>, %kp: tensor<?x16x2x64xf32>,
    %vp: tensor<?x16x2x64xf32>, %cp: tensor<?x16x2x1x2xi32>)
    -> (tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x1x2xi32>) {
  %0:3 = spotlight.cache_write
      ins(%k, %v, %c, %s : tensor<?x2x64xf32>, tensor<?x2x64xf32>,
          tensor<?x2x1x2xi32>, tensor<?xi32>)
      outs(%kp, %vp, %cp : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>,
           tensor<?x16x2x1x2xi32>)
  return %0#0, %0#1, %0#2
      : tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x1x2xi32>
}
