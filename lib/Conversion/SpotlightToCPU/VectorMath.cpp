//===- VectorMath.cpp - Elementwise math on the CPU's vector units --------===//

#include "VectorMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

Value mlir::spotlight::constantOf(ImplicitLocOpBuilder &b, Type type,
                                  double value) {
  Type element = getElementTypeOrSelf(type);
  TypedAttr scalar = isa<FloatType>(element)
                         ? TypedAttr(b.getFloatAttr(element, value))
                         : TypedAttr(b.getIntegerAttr(element, (int64_t)value));
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, DenseElementsAttr::get(vector, scalar));
  return arith::ConstantOp::create(b, scalar);
}

Value mlir::spotlight::vectorExp(ImplicitLocOpBuilder &b, Value x) {
  constexpr arith::FastMathFlags kContract = arith::FastMathFlags::contract;
  Type type = x.getType();
  auto c = [&](double value) { return constantOf(b, type, value); };
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, l, r, kContract);
  };
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(b, l, r, kContract);
  };
  auto above = [&](Value l, Value r) {
    return arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, l, r);
  };
  // Clamped by compare-and-selects that keep NaN (x86: one vmaxps or
  // vminps each); the exponent n comes from a NaN-free copy, since fptosi
  // of NaN is poison, while NaN flows on through r.
  Value low = c(-87.33654), high = c(87.0);
  x = arith::SelectOp::create(b, above(low, x), low, x);
  x = arith::SelectOp::create(b, above(x, high), high, x);
  Value finite = arith::SelectOp::create(b, above(x, low), x, low);
  // n = the nearest integer to x log2(e): fptosi truncates toward zero, so
  // add 1/2 away from zero first.
  Type intType = b.getI32Type();
  if (auto vector = dyn_cast<VectorType>(type))
    intType = VectorType::get(vector.getShape(), intType);
  Value scaled = mul(finite, c(1.44269504088896341));
  Value half = arith::SelectOp::create(b, above(c(0.0), scaled), c(-0.5),
                                       c(0.5));
  Value n = arith::FPToSIOp::create(b, intType, add(scaled, half));
  Value fn = arith::SIToFPOp::create(b, type, n);
  Value r = arith::SubFOp::create(b, x, mul(fn, c(0.693359375)));
  r = arith::SubFOp::create(b, r, mul(fn, c(-2.12194440e-4)));
  Value p = c(1.9875691500e-4);
  for (double coefficient : {1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                             1.6666665459e-1, 5.0000001201e-1})
    p = add(mul(p, r), c(coefficient));
  Value y = add(add(mul(p, mul(r, r)), r), c(1.0));
  // 2^n for n in [-126, 126]: the biased exponent n + 127 in bits 23..30.
  Value bits = arith::ShLIOp::create(
      b, arith::AddIOp::create(b, n, constantOf(b, intType, 127)),
      constantOf(b, intType, 23));
  return arith::MulFOp::create(b, y, arith::BitcastOp::create(b, type, bits));
}
