//===- OpShapes.cpp - Token addressing over contiguous and paged caches ---===//
//
//   forEachRun(b, h, [lo, hi))
//     contiguous:  body(lo, hi, (b * KH + h) * N)                  one run
//     paged:       scf.for p in [lo / page_size, ceil(hi / page_size)):
//                    page = block_table[b, p]              one load a page
//                    body(max(lo, p * page_size),
//                         min(hi, (p + 1) * page_size),
//                         (page - p) * page_size * KH + h)     stride KH
//
//===----------------------------------------------------------------------===//

#include "OpShapes.h"

namespace mlir::spotlight::loops {

SmallVector<Value> TokenAddressing::forEachRun(LoopEmitter &e, Value b,
                                               Value h, Value lo, Value hi,
                                               ValueRange inits,
                                               RunBody body) const {
  if (!paged)
    return body(lo, hi, e.mul(e.add(e.mul(b, kvHeads), h), tokensPerRow),
                inits);
  ImplicitLocOpBuilder &builder = e.builder();
  // An empty range visits no page (hi < lo would wrap the page count).
  hi = e.max(hi, lo);
  Value firstPage = arith::DivUIOp::create(builder, lo, pageSize);
  Value endPage = arith::DivUIOp::create(
      builder, e.sub(e.add(hi, pageSize), e.index(1)), pageSize);
  Value tableRow = e.mul(b, maxPages);
  ValueRange final = e.forRange(
      firstPage, endPage, inits,
      [&](Value p, ValueRange state) -> SmallVector<Value> {
        Value start = e.mul(p, pageSize);
        Value first = e.max(start, lo);
        Value end = e.min(e.add(start, pageSize), hi);
        Value page = arith::IndexCastOp::create(
            builder, builder.getIndexType(),
            e.loadScalar(table, e.add(tableRow, p)));
        // Token t of the page sits at slot page * page_size + t - start.
        Value rowBase =
            e.add(e.mul(e.mul(e.sub(page, p), pageSize), kvHeads), h);
        return body(first, end, rowBase, state);
      });
  return SmallVector<Value>(final.begin(), final.end());
}

} // namespace mlir::spotlight::loops
