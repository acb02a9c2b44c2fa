//===- SpotlightToLinalg.cpp - The reference lowering pass ----------------===//
//
//   spotlight.{hash_encode, hamming_topk, sparse_gather, sparse_attention,
//              decode_attention, cache_write} on memrefs
//     ->  linalg + scf + memref + math
//
// The patterns live one file per op family; this file gathers them and runs
// them as a partial conversion in which the whole dialect is illegal.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/SpotlightToLinalg/SpotlightToLinalg.h"
#include "../Utils/LoweringPass.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::spotlight {
#define GEN_PASS_DEF_CONVERTSPOTLIGHTTOLINALG
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;
using namespace mlir::spotlight;

void mlir::spotlight::populateSpotlightToLinalgPatterns(
    RewritePatternSet &patterns) {
  populateHashEncodeToLinalgPatterns(patterns);
  populateHammingTopKToLinalgPatterns(patterns);
  populateAttentionToLinalgPatterns(patterns);
  populateCacheWriteToLinalgPatterns(patterns);
}

namespace {
struct ConvertSpotlightToLinalgPass
    : LoweringPass<spotlight::impl::ConvertSpotlightToLinalgBase<
          ConvertSpotlightToLinalgPass>> {
  LogicalResult configure(ConversionTarget &target,
                          RewritePatternSet &patterns) override {
    if (failed(rejectTokenSplitOps(getOperation(), "reference")))
      return failure();
    target.addIllegalDialect<SpotlightDialect>();
    populateSpotlightToLinalgPatterns(patterns);
    return success();
  }

  /// linalg and memref ops follow any strides.
  AddressableLayouts addressableLayouts() const override {
    return AddressableLayouts::Strided;
  }
};
} // namespace
