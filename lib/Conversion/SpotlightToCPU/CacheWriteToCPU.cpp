//===- CacheWriteToCPU.cpp - spotlight.cache_write to row copies ----------===//
//
//   spotlight.cache_write ins(keys, values, codes, slot_mapping)
//                         outs(k_cache, v_cache, code_cache)
//     ->  scf.for token i:
//           slot = slot_mapping[i]
//           scf.if 0 <= slot < P * page_size:         (-1 skips the token)
//             scf.for h:  K[slot, h, :] = keys[i, h, :]       vector<D>
//                         V[slot, h, :] = values[i, h, :]
//                         codes[slot, h, :] = codes[i, h, :]  vector<C*W>
//
// A pool `[P, page_size, KH, ...]` numbers its token slots page *
// page_size + offset, so slot s is simply row s of the flat pool: no
// division by the page size is needed.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;

namespace {
struct CacheWriteOpLowering : OpLowering<CacheWriteOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(CacheWriteOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    const int64_t kvHeads = dimOf(adaptor.getKeys(), 1);
    const int64_t headDim = dimOf(adaptor.getKeys(), 2);
    const int64_t codeWords =
        dimOf(adaptor.getCodes(), 2) * dimOf(adaptor.getCodes(), 3);
    FlatBuffer keys = e.flat(adaptor.getKeys());
    FlatBuffer values = e.flat(adaptor.getValues());
    FlatBuffer codes = e.flat(adaptor.getCodes());
    FlatBuffer slots = e.flat(adaptor.getSlotMapping());
    FlatBuffer kPool = e.flat(adaptor.getKeyCache());
    FlatBuffer vPool = e.flat(adaptor.getValueCache());
    FlatBuffer cPool = e.flat(adaptor.getCodeCache());
    Value capacity =
        e.mul(e.dim(adaptor.getKeyCache(), 0), e.dim(adaptor.getKeyCache(), 1));
    Value tokens = e.dim(adaptor.getKeys(), 0);
    auto copy = [&](FlatBuffer from, Value fromRow, FlatBuffer to, Value toRow,
                    int64_t width) {
      e.store(e.load(from, e.mul(fromRow, width), width), to,
              e.mul(toRow, width));
    };
    e.forRange(e.index(0), tokens, [&](Value i) {
      Value slot = arith::IndexCastOp::create(b, b.getIndexType(),
                                              e.loadScalar(slots, i));
      // One unsigned compare: -1 (skip) and a slot past the pools (the
      // runtime rejects those) both write nothing.
      e.ifThen(e.cmp(Pred::ult, slot, capacity), [&] {
        e.forRange(e.index(0), e.index(kvHeads), [&](Value h) {
          Value from = e.add(e.mul(i, kvHeads), h);
          Value to = e.add(e.mul(slot, kvHeads), h);
          copy(keys, from, kPool, to, headDim);
          copy(values, from, vPool, to, headDim);
          copy(codes, from, cPool, to, codeWords);
        });
      });
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateCacheWriteToCPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CacheWriteOpLowering>(patterns.getContext());
}
