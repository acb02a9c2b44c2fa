func.func @scalar_operands(%f: f32, %i: i32) {
  %0 = "spotlight.sparse_gather"(%f, %i, %f) : (f32, i32, f32) -> f32
  return
}
