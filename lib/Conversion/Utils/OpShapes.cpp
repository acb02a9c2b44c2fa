//===- OpShapes.cpp - Token addressing over contiguous and paged caches ---===//
//
//   forEachRun(b, h, [lo, hi))
//     contiguous:  body(lo, hi, (b * KH + h) * N)                  one run
//     paged:       scf.for p in [lo / page_size, ceil(hi / page_size)):
//                    page = block_table[b, p]              one load a page
//                    next = block_table[b, min(p + ahead, last page)]
//                    body(max(lo, p * page_size),
//                         min(hi, (p + 1) * page_size),
//                         (page - p) * page_size * KH + h,     stride KH
//                         (next - p) * page_size * KH + h)     to prefetch
//
//===----------------------------------------------------------------------===//

#include "OpShapes.h"

namespace mlir::spotlight::loops {

int64_t TokenAddressing::poolTokenRows(Value cache, int64_t kvHeads) {
  auto type = dyn_cast<MemRefType>(cache.getType());
  if (!type || type.getLayout().isIdentity())
    return kvHeads;
  auto [strides, offset] = type.getStridesAndOffset();
  int64_t rowElements = 1;
  for (int64_t d = 3; d < type.getRank(); ++d)
    rowElements *= type.getDimSize(d);
  return strides[1] / rowElements;
}

SmallVector<Value> TokenAddressing::forEachRun(LoopEmitter &e, Value b, Value h,
                                               Value lo, Value hi,
                                               ValueRange inits,
                                               RunBody body,
                                               int64_t aheadPages) const {
  if (!paged)
    return body(
        {lo, hi, e.mul(e.add(e.mul(b, kvHeads), h), tokensPerRow), Value()},
        inits);
  ImplicitLocOpBuilder &builder = e.builder();
  // An empty range visits no page (hi < lo would wrap the page count).
  hi = e.max(hi, lo);
  Value firstPage = arith::DivUIOp::create(builder, lo, pageSize);
  Value endPage = arith::DivUIOp::create(
      builder, e.sub(e.add(hi, pageSize), e.index(1)), pageSize);
  Value lastPage = e.sub(endPage, e.index(1));
  Value tableRow = e.mul(b, maxPages);
  // Token t of logical page p sits at row (page * page_size + t - p *
  // page_size) * KH + h of the pool: rowBase + t * KH.
  auto baseOf = [&](Value p, Value logicalPage) {
    Value page =
        arith::IndexCastOp::create(builder, builder.getIndexType(),
                                   e.loadScalar(table, e.add(tableRow, p)));
    return e.add(e.mul(e.mul(e.sub(page, logicalPage), pageSize), tokenRows),
                 h);
  };
  ValueRange final =
      e.forRange(firstPage, endPage, inits,
                 [&](Value p, ValueRange state) -> SmallVector<Value> {
                   Value start = e.mul(p, pageSize);
                   Run run{e.max(start, lo), e.min(e.add(start, pageSize), hi),
                           baseOf(p, p), Value()};
                   // Token t + k * page_size of page p + k has row (next *
                   // page_size + t - p * page_size) * KH + h; past the last
                   // page, the last page.
                   run.aheadBase = baseOf(
                       e.min(e.add(p, e.index(aheadPages)), lastPage), p);
                   return body(run, state);
                 });
  return SmallVector<Value>(final.begin(), final.end());
}

} // namespace mlir::spotlight::loops
