//===- VectorMath.h - Elementwise math on the CPU's vector units -*- C++ -*-===//
//
// What the CPU loops compute per lane without a libm call: `math.exp` on a
// vector would become one `expf` call per lane.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOCPU_VECTORMATH_H
#define SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOCPU_VECTORMATH_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::spotlight {

/// A constant of `type` (f32, i32 or a vector of either) holding `value`.
Value constantOf(ImplicitLocOpBuilder &b, Type type, double value);

/// exp(x) for f32 or a vector of f32 (Cephes' expf: x = n ln 2 + r, e^r by
/// a polynomial, 2^n through the exponent bits), relative error about
/// 1e-7. x is clamped to [-87.3, 87] (-inf gives exp(-87.3), a tiny
/// positive value); NaN gives NaN. Multiply-adds carry the `contract` flag
/// rather than being explicit FMAs, which a CPU without FMA would run as a
/// libm call per lane.
Value vectorExp(ImplicitLocOpBuilder &b, Value x);

} // namespace mlir::spotlight

#endif // SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOCPU_VECTORMATH_H
