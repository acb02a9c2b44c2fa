//===- KernelBuilder.cpp - GPU kernels, or their CPU emulation ------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::spotlight::gpu_lowering {

KernelBuilder::KernelBuilder(ImplicitLocOpBuilder &b, KernelTarget target,
                             Value grid, int64_t threads,
                             ArrayRef<MemRefType> sharedTypes)
    : b(b), target(target), grid(grid), threads(threads),
      sharedTypes(sharedTypes) {}

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
    gpuThread = launch.getThreadIds().x;
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
  auto loop = scf::ForOp::create(b, arith::ConstantIndexOp::create(b, 0), grid,
                                 one);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  block = loop.getInductionVar();
  body();
}

void KernelBuilder::phase(function_ref<void(Value)> body) {
  if (target == KernelTarget::GPU) {
    body(gpuThread);
    gpu::BarrierOp::create(b);
    return;
  }
  auto loop = scf::ForOp::create(b, arith::ConstantIndexOp::create(b, 0),
                                 arith::ConstantIndexOp::create(b, threads),
                                 arith::ConstantIndexOp::create(b, 1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
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
