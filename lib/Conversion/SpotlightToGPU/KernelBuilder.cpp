//===- KernelBuilder.cpp - GPU kernels, or their CPU emulation ------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/TransformOps/GPUTransformOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::spotlight::gpu_lowering {

KernelBuilder::KernelBuilder(ImplicitLocOpBuilder &b, KernelTarget target,
                             Value grid, int64_t threads,
                             ArrayRef<MemRefType> sharedTypes,
                             int64_t clusterValues,
                             ArrayRef<int64_t> privateSizes)
    : b(b), target(target), grid(grid), threads(threads),
      sharedTypes(sharedTypes), clusterValues(clusterValues),
      privateSizes(privateSizes) {}

void KernelBuilder::build(function_ref<void()> body) {
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value blockSize = arith::ConstantIndexOp::create(b, threads);
  OpBuilder::InsertionGuard guard(b);
  if (target == KernelTarget::GPU) {
    auto workgroup = gpu::AddressSpaceAttr::get(
        b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
    SmallVector<Type> attributions;
    for (MemRefType type : sharedTypes)
      attributions.push_back(MemRefType::get(type.getShape(),
                                             type.getElementType(),
                                             MemRefLayoutAttrInterface(),
                                             workgroup));
    auto launch = gpu::LaunchOp::create(b, grid, one, one, blockSize, one, one,
                                        /*dynamicSharedMemorySize=*/nullptr,
                                        /*asyncTokenType=*/nullptr,
                                        /*asyncDependencies=*/{}, attributions);
    b.setInsertionPointToStart(&launch.getBody().front());
    block = launch.getBlockIds().x;
    for (int64_t size : privateSizes)
      privateBuffers.push_back(memref::AllocaOp::create(
          b, MemRefType::get({size}, b.getF32Type())));
    sharedBuffers.assign(launch.getWorkgroupAttributions().begin(),
                         launch.getWorkgroupAttributions().end());
    body();
    gpu::TerminatorOp::create(b);
    return;
  }
  // Every kernel initializes its shared memory before reading it, so the
  // blocks can share one allocation, made once outside the block loop.
  for (MemRefType type : sharedTypes)
    sharedBuffers.push_back(memref::AllocaOp::create(b, type));
  for (int64_t size : privateSizes)
    privateBuffers.push_back(memref::AllocaOp::create(
        b, MemRefType::get({threads * size}, b.getF32Type())));
  if (clusterValues > 0)
    clusterScratch = memref::AllocaOp::create(
        b, MemRefType::get({threads * clusterValues}, b.getF32Type()));
  auto loop = scf::ForOp::create(b, arith::ConstantIndexOp::create(b, 0), grid,
                                 one);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  block = loop.getInductionVar();
  body();
}

std::pair<Value, Value> KernelBuilder::privateBuffer(unsigned i,
                                                     Value thread) {
  if (target == KernelTarget::GPU)
    return {privateBuffers[i], arith::ConstantIndexOp::create(b, 0)};
  return {privateBuffers[i],
          arith::MulIOp::create(
              b, thread, arith::ConstantIndexOp::create(b, privateSizes[i]))};
}

void KernelBuilder::phase(function_ref<void(Value)> body) {
  auto threadX = gpu::GPUThreadMappingAttr::get(b.getContext(),
                                                gpu::MappingId::DimX);
  auto forall = scf::ForallOp::create(
      b, ArrayRef<OpFoldResult>{b.getIndexAttr(threads)}, ValueRange{},
      b.getArrayAttr({threadX}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getBody()->getTerminator());
  body(forall.getInductionVar(0));
}

void KernelBuilder::clusterSum(int64_t clusterSize,
                               function_ref<SmallVector<Value>(Value)> partial,
                               function_ref<void(Value, ValueRange)> finish) {
  if (target == KernelTarget::GPU) {
    phase([&](Value thread) {
      SmallVector<Value> sums = partial(thread);
      Value width = arith::ConstantIntOp::create(b, 32, 32);
      for (int64_t offset = clusterSize / 2; offset > 0; offset /= 2) {
        Value by = arith::ConstantIntOp::create(b, offset, 32);
        for (Value &sum : sums) {
          Value other =
              gpu::ShuffleOp::create(b, sum, by, width, gpu::ShuffleMode::XOR)
                  .getShuffleResult();
          sum = arith::AddFOp::create(b, sum, other);
        }
      }
      finish(thread, sums);
    });
    return;
  }
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  auto slot = [&](Value thread, int64_t i) -> Value {
    return arith::AddIOp::create(
        b, arith::MulIOp::create(b, thread, constant(clusterValues)),
        constant(i));
  };
  int64_t count = 0;
  phase([&](Value thread) {
    SmallVector<Value> values = partial(thread);
    count = values.size();
    for (auto [i, value] : llvm::enumerate(values))
      memref::StoreOp::create(b, value, clusterScratch,
                              ValueRange{slot(thread, i)});
  });
  phase([&](Value thread) {
    Value first = arith::MulIOp::create(
        b, arith::DivUIOp::create(b, thread, constant(clusterSize)),
        constant(clusterSize));
    // One loop over the cluster's threads carrying all the sums.
    SmallVector<Value> zeros(
        count, arith::ConstantOp::create(b, b.getF32FloatAttr(0)));
    auto loop = scf::ForOp::create(b, constant(0), constant(clusterSize),
                                   constant(1), zeros);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value other = arith::AddIOp::create(b, first, loop.getInductionVar());
      SmallVector<Value> next;
      for (int64_t i = 0; i < count; ++i)
        next.push_back(arith::AddFOp::create(
            b, loop.getRegionIterArgs()[i],
            memref::LoadOp::create(b, clusterScratch,
                                   ValueRange{slot(other, i)})));
      scf::YieldOp::create(b, next);
    }
    SmallVector<Value> sums(loop.getResults());
    finish(thread, sums);
  });
}

LogicalResult mapKernelThreads(Operation *root, KernelTarget target) {
  IRRewriter rewriter(root->getContext());
  if (target == KernelTarget::Emulation) {
    SmallVector<scf::ForallOp> phases;
    root->walk([&](scf::ForallOp forall) {
      std::optional<ArrayAttr> mapping = forall.getMapping();
      if (mapping && llvm::all_of(*mapping, [](Attribute m) {
            return isa<gpu::GPUThreadMappingAttr>(m);
          }))
        phases.push_back(forall);
    });
    for (scf::ForallOp forall : phases) {
      rewriter.setInsertionPoint(forall);
      if (failed(scf::forallToForLoop(rewriter, forall)))
        return forall.emitOpError("could not be emulated as a loop");
    }
    return success();
  }
  SmallVector<gpu::LaunchOp> kernels;
  root->walk([&](gpu::LaunchOp launch) { kernels.push_back(launch); });
  for (gpu::LaunchOp launch : kernels) {
    std::optional<int64_t> threads =
        getConstantIntValue(launch.getBlockSizeX());
    if (!threads)
      return launch.emitOpError("has a block size unknown when compiling");
    rewriter.setInsertionPointToStart(&launch.getBody().front());
    DiagnosedSilenceableFailure mapped =
        transform::gpu::mapNestedForallToThreadsImpl(
            rewriter, std::nullopt, launch, {*threads, 1, 1},
            /*warpSize=*/32, /*syncAfterDistribute=*/true);
    if (!mapped.succeeded()) {
      (void)mapped.silence();
      return launch.emitOpError("has thread phases that do not map to its "
                                "threads");
    }
  }
  return success();
}

Value allocScratch(ImplicitLocOpBuilder &b, KernelTarget target, Value size,
                   Type elementType) {
  auto type = MemRefType::get({ShapedType::kDynamic}, elementType);
  if (target == KernelTarget::GPU)
    return gpu::AllocOp::create(b, type, /*asyncToken=*/nullptr,
                                /*asyncDependencies=*/{}, ValueRange{size},
                                /*symbolOperands=*/{}, /*hostShared=*/nullptr)
        .getMemref();
  return memref::AllocOp::create(b, type, ValueRange{size});
}

void freeScratch(ImplicitLocOpBuilder &b, KernelTarget target, Value buffer) {
  // Host scratch is freed by the buffer-deallocation pipeline.
  if (target == KernelTarget::GPU)
    gpu::DeallocOp::create(b, /*asyncToken=*/Type(), /*asyncDependencies=*/ValueRange(),
                           buffer);
}

} // namespace mlir::spotlight::gpu_lowering
