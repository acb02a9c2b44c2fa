//===- AttentionToGPU.cpp - attention ops to split-K GPU kernels ----------===//
//
//   spotlight.sparse_attention / decode_attention [pages(table, lens)]
//     ->  kernel split:   grid = items * splits, 128 threads, 256 slots a
//                         split (1024 dense; dense splits cover the static
//                         token bound, N or max_pages * page_size, and a
//                         split past its sequence's seq_lens[b] is idle),
//                         in tiles of 128 slots:
//                           row(i) = K/V row of the slot's token (paged:
//                                    through the block table, held slots only)
//                           logits[g, i] = scale * q[g] . K[row(i)]  (a
//                             cluster of lanes per row, 16-byte loads,
//                             gpu.shuffle sums)
//                           running max / sum per head (online softmax)
//                           acc[g, d] += p[g, i] * V[row(i), d]   (a
//                             thread's registers: a slice of 16-byte
//                             columns of every R-th row of the tile)
//                         -> partial (max, sum, acc) per (item, split, head),
//                         acc summed over the R row groups with gpu.shuffle;
//                         paged, static B: the item's last split to finish
//                         (a counter per item, reset by that block)
//                         combines them -> o
//         kernel combine: the contiguous form, or a batch of dynamic size:
//                         grid = B * QH, partials -> o (no last-split
//                         combine then)
//
// An item is a KV head with its G query heads (group selection, dense) or
// one query head (head selection). K/V rows are read in place by index:
// there is no gathered copy. Empty slots (-1) are masked.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpShapes.h"
#include "KernelBuilder.h"
#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <string>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;
using namespace mlir::spotlight::gpu_lowering;

namespace {
constexpr int64_t kThreads = 128; // also the tile of tokens
/// Slots per split block. A sparse step attends to a few thousand slots:
/// short splits give it enough blocks to fill the GPU and each block only
/// two tiles. A dense step has plenty of blocks; long splits keep the
/// combine (a loop over the splits) short.
constexpr int64_t kSparseSlotsPerSplit = 256;
constexpr int64_t kDenseSlotsPerSplit = 1024;

class AttentionKernels : AttentionOperands {
public:
  AttentionKernels(ImplicitLocOpBuilder &b, KernelTarget target,
                   AttentionOperands operands)
      : AttentionOperands(std::move(operands)), b(b), e(b), target(target),
        D(headDim), perHead(perHeadSets), heads(perHead ? 1 : group),
        slotsPerSplit(indicesBuffer ? kSparseSlotsPerSplit
                                    : kDenseSlotsPerSplit) {
    keyLanes = keyLanesFor(D, keyVector());
    valueVector = 128 / v.elementType.getIntOrFloatBitWidth();
    while (D % valueVector != 0)
      valueVector /= 2;
    valueLanes = keyLanesFor(D, valueVector);
    rowGroups = std::min<int64_t>(32, kThreads / valueLanes);
    // Every sequence's tokens fit `maxTokens`, known from the shapes alone
    // (N, or max_pages * page_size): a dense grid is sized by it, and each
    // block finds its sequence's length (seq_lens[b]) on the device.
    Value maxTokens = kv.paged ? e.mul(kv.maxPages, kv.pageSize) : n;
    slots = indicesBuffer ? e.dim(indicesBuffer, 2) : maxTokens;
  }

  /// The split kernel's shared memory: scaled queries (heads x D), logits
  /// (heads x tile), tokens (tile, index), running max, sum and rescale
  /// (heads), reduction partials (tile).
  static int64_t sharedBytes(int64_t heads, int64_t headDim) {
    return 4 * (heads * headDim + heads * kThreads + 3 * heads + kThreads + 1) +
           8 * kThreads;
  }

  void emit() {
    Type f32 = b.getF32Type();
    items = e.mul(batch, perHead ? queryHeads : kvHeads);
    splits = e.max(arith::CeilDivSIOp::create(b, slots,
                                              e.index(slotsPerSplit)),
                   e.index(1));
    Value partials = e.mul(items, splits);
    partMax = {allocScratch(b, target, e.mul(partials, heads), f32), f32};
    partSum = {allocScratch(b, target, e.mul(partials, heads), f32), f32};
    partAcc = {allocScratch(b, target, e.mul(partials, heads * D), f32), f32};
    out = e.flat(init);
    // The paged form gets its combine folded into the split kernel (one
    // launch), with a counter per item in a module global. The counters
    // are the module's, so steps of one module must not overlap on
    // different streams: a paged step is the whole batch on one stream;
    // the contiguous form keeps the combine kernel. A dynamic batch folds
    // whenever its items fit kMaxFoldedItems counters (a host decision on
    // shapes only, fixed under CUDA-graph capture), else it combines apart.
    const int64_t staticBatch = cast<ShapedType>(init.getType()).getDimSize(0);
    const int64_t itemsPerSequence = perHead ? queryHeads : kvHeads;
    if (!kv.paged) {
      splitKernel();
      combineKernel();
    } else if (!ShapedType::isDynamic(staticBatch)) {
      counters = counterGlobal(staticBatch * itemsPerSequence);
      splitKernel();
    } else {
      memref::GlobalOp folded = counterGlobal(kMaxFoldedItems);
      e.ifThen(
          e.cmp(Pred::sle, items, e.index(kMaxFoldedItems)),
          [&] {
            counters = folded;
            splitKernel();
          },
          [&] {
            counters = {};
            splitKernel();
            combineKernel();
          });
    }
    for (const FlatBuffer &buffer : {partMax, partSum, partAcc})
      freeScratch(b, target, buffer.memref);
  }

private:
  Value sharedLoad(Value buffer, Value i) {
    return memref::LoadOp::create(b, buffer, ValueRange{i});
  }
  void sharedStore(Value value, Value buffer, Value i) {
    memref::StoreOp::create(b, value, buffer, ValueRange{i});
  }
  void strided(Value thread, Value lo, Value hi,
               function_ref<void(Value)> body) {
    e.forStep(e.add(lo, thread), hi, e.index(kThreads), body);
  }
  Value isNegInf(Value x) {
    return arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x,
                                 e.f32(-INFINITY));
  }
  /// exp(x - max), 0 when max is -inf (no token yet).
  Value expBelow(Value x, Value max) {
    Value p = math::ExpOp::create(b, arith::SubFOp::create(b, x, max));
    return arith::SelectOp::create(b, isNegInf(max), e.f32(0), p);
  }

  /// Two phases reducing, per head g, the kThreads values
  /// logits[g * kThreads + i] with `combine`: first kThreads / heads lanes
  /// per head (at most 32) fold strided subsets into `partials`, then
  /// thread g folds its head's lanes and calls finish(g, total): chains of
  /// 8 + 18 steps for G = 7 instead of one thread per head walking all
  /// kThreads values. (16 lanes made ptxas spill under sm_80's register
  /// cap for 128-thread blocks.)
  void reducePerHead(KernelBuilder &kb, Value logits, Value partials,
                     Value identity, function_ref<Value(Value, Value)> combine,
                     function_ref<void(Value, Value)> finish) {
    const int64_t lanes = std::min<int64_t>(kThreads / heads, 32);
    kb.phase([&](Value thread) {
      e.ifThen(e.cmp(Pred::slt, thread, e.index(heads * lanes)), [&] {
        Value g = arith::DivUIOp::create(b, thread, e.index(lanes));
        Value lane = arith::RemUIOp::create(b, thread, e.index(lanes));
        Value base = e.mul(g, kThreads);
        Value folded = e.forStep(
            lane, e.index(kThreads), e.index(lanes), ValueRange{identity},
            [&](Value i, ValueRange acc) -> SmallVector<Value> {
              return {combine(acc[0], sharedLoad(logits, e.add(base, i)))};
            })[0];
        sharedStore(folded, partials, thread);
      });
    });
    kb.phase([&](Value thread) {
      strided(thread, e.index(0), e.index(heads), [&](Value g) {
        Value base = e.mul(g, lanes);
        Value total = e.forRange(
            e.index(0), e.index(lanes), ValueRange{identity},
            [&](Value j, ValueRange acc) -> SmallVector<Value> {
              return {combine(acc[0], sharedLoad(partials, e.add(base, j)))};
            })[0];
        finish(g, total);
      });
    });
  }

  /// The tile's logits[g, slot] = q[g] . K[row(slot)], -inf for an empty
  /// slot: a cluster of keyLanes threads shares a key row, each lane
  /// reading its part in 16-byte vectors, so a warp reads whole rows
  /// contiguously (coalesced); the lanes' dots are summed with shuffles.
  /// An empty slot's row is never read.
  void keyDots(KernelBuilder &kb, Value tokens, Value qs, Value logits) {
    Type f32 = b.getF32Type();
    const int64_t rowsPerPass = kThreads / keyLanes;
    const int64_t width = keyVector();
    auto vectorType = VectorType::get({width}, k.elementType);
    auto f32Vector = VectorType::get({width}, f32);
    llvm::MaybeAlign align;
    if (target == KernelTarget::GPU) // host test buffers promise less
      align = llvm::Align(width * k.elementType.getIntOrFloatBitWidth() / 8);
    e.forRange(e.index(0), e.index(keyLanes), [&](Value pass) {
      auto slotOf = [&](Value thread) {
        return e.add(e.mul(pass, rowsPerPass),
                     arith::DivUIOp::create(b, thread, e.index(keyLanes)));
      };
      auto laneOf = [&](Value thread) -> Value {
        return arith::RemUIOp::create(b, thread, e.index(keyLanes));
      };
      kb.clusterSum(
          keyLanes,
          [&](Value thread) -> SmallVector<Value> {
            Value kvRow = sharedLoad(tokens, slotOf(thread));
            Value valid = e.cmp(Pred::sge, kvRow, e.index(0));
            Value part = e.mul(laneOf(thread), keyLanePart());
            SmallVector<Type> types(heads, f32);
            auto dots = scf::IfOp::create(b, types, valid,
                                          /*withElseRegion=*/true);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(dots.thenBlock());
            // Scalar sums per head (vector ones spill under sm_80's
            // register cap with G = 4).
            SmallVector<Value> acc(heads, e.f32(0));
            Value base = e.add(e.mul(kvRow, D), part);
            for (int64_t i = 0; i < keyLanePart(); i += width) {
              Value kv = vector::LoadOp::create(
                  b, vectorType, k.memref, ValueRange{e.add(base, e.index(i))},
                  /*nontemporal=*/false, align);
              if (!k.elementType.isF32())
                kv = arith::ExtFOp::create(b, f32Vector, kv);
              for (int64_t g = 0; g < heads; ++g) {
                Value qv = vector::LoadOp::create(
                    b, f32Vector, qs,
                    ValueRange{e.add(part, e.index(g * D + i))});
                acc[g] = vector::ReductionOp::create(
                    b, vector::CombiningKind::ADD,
                    arith::MulFOp::create(b, qv, kv), acc[g]);
              }
            }
            scf::YieldOp::create(b, acc);
            b.setInsertionPointToStart(dots.elseBlock());
            scf::YieldOp::create(b, SmallVector<Value>(heads, e.f32(0)));
            return SmallVector<Value>(dots.getResults());
          },
          [&](Value thread, ValueRange sums) {
            Value slot = slotOf(thread);
            Value valid =
                e.cmp(Pred::sge, sharedLoad(tokens, slot), e.index(0));
            e.ifThen(e.cmp(Pred::eq, laneOf(thread), e.index(0)), [&] {
              for (int64_t g = 0; g < heads; ++g)
                sharedStore(arith::SelectOp::create(b, valid, sums[g],
                                                    e.f32(-INFINITY)),
                            logits, e.add(e.index(g * kThreads), slot));
            });
          });
    });
  }

  /// Elements of a 16-byte vector of K.
  int64_t keyVector() const {
    return 128 / k.elementType.getIntOrFloatBitWidth();
  }
  /// The largest power of two (at most a warp) of lanes that split a key
  /// row into whole vectors.
  static int64_t keyLanesFor(int64_t headDim, int64_t vector) {
    int64_t lanes = 32;
    while (lanes > 1 && headDim % (lanes * vector) != 0)
      lanes /= 2;
    return lanes;
  }
  int64_t keyLanePart() const { return D / keyLanes; }

  /// A value row is read by valueLanes threads in 16-byte vectors of
  /// valueVector elements (chunks() each), and a tile's rows by rowGroups
  /// consecutive threads (row i by thread i mod rowGroups), so that the
  /// row groups' accumulators are summed by a clusterSum within a warp.
  int64_t chunks() const { return D / (valueLanes * valueVector); }
  int64_t valueThreads() const { return rowGroups * valueLanes; }
  /// Accumulators per thread: heads x chunks x valueVector.
  int64_t accumulators() const { return heads * D / valueLanes; }
  /// The column of element j of chunk c of value lane `lane`.
  Value valueColumn(Value lane, int64_t c, int64_t j = 0) {
    return e.add(e.mul(e.add(e.index(c * valueLanes), lane), valueVector),
                 e.index(j));
  }
  Value privateVector(Value buffer, Value base, int64_t at) {
    return vector::LoadOp::create(
        b, VectorType::get({valueVector}, b.getF32Type()), buffer,
        ValueRange{e.add(base, e.index(at * valueVector))});
  }
  void storePrivateVector(Value vector, Value buffer, Value base, int64_t at) {
    vector::StoreOp::create(b, vector, buffer,
                            ValueRange{e.add(base, e.index(at * valueVector))});
  }

  /// The thread's accumulators (private buffer 0) rescaled by the tile's
  /// rescale[g], plus p[g, i] * V[row(i), its columns] over its rows i of
  /// the tile. An empty slot (row -1) reads the pool's row 0 and selects
  /// zeros instead (no divergence; a non-finite row 0 cannot leak in).
  void accumulateValues(KernelBuilder &kb, Value tokens, Value logits,
                        Value rescale) {
    Type f32 = b.getF32Type();
    auto f32Vector = VectorType::get({valueVector}, f32);
    auto rowVector = VectorType::get({valueVector}, v.elementType);
    llvm::MaybeAlign align;
    if (target == KernelTarget::GPU) // host test buffers promise less
      align = llvm::Align(valueVector * v.elementType.getIntOrFloatBitWidth() /
                          8);
    kb.phase([&](Value thread) {
      e.ifThen(e.cmp(Pred::slt, thread, e.index(valueThreads())), [&] {
        auto [acc, base] = kb.privateBuffer(0, thread);
        Value rowGroup = arith::RemUIOp::create(b, thread, e.index(rowGroups));
        Value lane = arith::DivUIOp::create(b, thread, e.index(rowGroups));
        SmallVector<Value> start;
        for (int64_t g = 0; g < heads; ++g) {
          Value r = vector::BroadcastOp::create(
              b, f32Vector, sharedLoad(rescale, e.index(g)));
          for (int64_t c = 0; c < chunks(); ++c)
            start.push_back(arith::MulFOp::create(
                b, privateVector(acc, base, g * chunks() + c), r));
        }
        Value zeros = arith::ConstantOp::create(
            b, f32Vector, DenseElementsAttr::get(f32Vector, 0.0f));
        ValueRange sums = e.forRange(
            e.index(0), e.index(kThreads / rowGroups), start,
            [&](Value j, ValueRange a) -> SmallVector<Value> {
              Value i = e.add(rowGroup, e.mul(j, rowGroups));
              Value kvRow = sharedLoad(tokens, i);
              Value valid = e.cmp(Pred::sge, kvRow, e.index(0));
              Value rowBase = e.mul(e.max(kvRow, e.index(0)), D);
              SmallVector<Value> values;
              for (int64_t c = 0; c < chunks(); ++c) {
                Value x = vector::LoadOp::create(
                    b, rowVector, v.memref,
                    ValueRange{e.add(rowBase, valueColumn(lane, c))},
                    /*nontemporal=*/false, align);
                if (!v.elementType.isF32())
                  x = arith::ExtFOp::create(b, f32Vector, x);
                values.push_back(arith::SelectOp::create(b, valid, x, zeros));
              }
              SmallVector<Value> next;
              for (int64_t g = 0; g < heads; ++g) {
                Value p = vector::BroadcastOp::create(
                    b, f32Vector,
                    sharedLoad(logits, e.add(e.index(g * kThreads), i)));
                for (int64_t c = 0; c < chunks(); ++c)
                  next.push_back(arith::AddFOp::create(
                      b, a[g * chunks() + c],
                      arith::MulFOp::create(b, p, values[c])));
              }
              return next;
            });
        for (auto [at, sum] : llvm::enumerate(sums))
          storePrivateVector(sum, acc, base, at);
      });
    });
  }

  /// The split's partial state: running max and sum per head, and the
  /// accumulators summed over the row groups (a clusterSum per head, which
  /// keeps fewer values in flight), written by each cluster's first thread.
  void storePartials(KernelBuilder &kb, Value item, Value split, Value runMax,
                     Value runSum) {
    Value partial = e.add(e.mul(item, splits), split);
    kb.phase([&](Value thread) {
      strided(thread, e.index(0), e.index(heads), [&](Value g) {
        Value at = e.add(e.mul(partial, heads), g);
        e.store(sharedLoad(runMax, g), partMax, at);
        e.store(sharedLoad(runSum, g), partSum, at);
      });
    });
    auto f32Vector = VectorType::get({valueVector}, b.getF32Type());
    for (int64_t g = 0; g < heads; ++g)
      kb.clusterSum(
          rowGroups,
          [&](Value thread) -> SmallVector<Value> {
            auto [acc, base] = kb.privateBuffer(0, thread);
            SmallVector<Value> values;
            for (int64_t c = 0; c < chunks(); ++c) {
              Value x = privateVector(acc, base, g * chunks() + c);
              for (int64_t j = 0; j < valueVector; ++j)
                values.push_back(vector::ExtractOp::create(b, x, j));
            }
            return values;
          },
          [&](Value thread, ValueRange sums) {
            Value first = e.cmp(
                Pred::eq,
                arith::RemUIOp::create(b, thread, e.index(rowGroups)),
                e.index(0));
            Value active = e.cmp(Pred::slt, thread, e.index(valueThreads()));
            e.ifThen(arith::AndIOp::create(b, first, active), [&] {
              Value lane =
                  arith::DivUIOp::create(b, thread, e.index(rowGroups));
              Value row = e.mul(e.add(e.mul(partial, heads), e.index(g)), D);
              for (int64_t c = 0; c < chunks(); ++c) {
                Value x = vector::FromElementsOp::create(
                    b, f32Vector,
                    sums.slice(c * valueVector, valueVector));
                vector::StoreOp::create(
                    b, x, partAcc.memref,
                    ValueRange{e.add(row, valueColumn(lane, c))});
              }
            });
          });
  }

  void splitKernel() {
    Type f32 = b.getF32Type(), index = b.getIndexType();
    KernelBuilder kb(b, target, e.mul(items, splits), kThreads,
                     {MemRefType::get({heads * D}, f32),        // scaled q
                      MemRefType::get({heads * kThreads}, f32), // logits / p
                      MemRefType::get({kThreads}, index),       // K/V rows
                      MemRefType::get({heads}, f32),            // running max
                      MemRefType::get({heads}, f32),            // running sum
                      MemRefType::get({heads}, f32),            // rescale
                      MemRefType::get({kThreads}, f32),         // partials
                      MemRefType::get({1}, b.getI32Type())},    // last split
                     /*clusterValues=*/std::max(heads, D / valueLanes),
                     /*privateSizes=*/{accumulators()});
    kb.build([&] {
      Value item = arith::DivUIOp::create(b, kb.blockId(), splits);
      Value split = arith::RemUIOp::create(b, kb.blockId(), splits);
      Value qs = kb.shared(0), logits = kb.shared(1), tokens = kb.shared(2),
            runMax = kb.shared(3), runSum = kb.shared(4),
            rescale = kb.shared(5), partials = kb.shared(6);
      // The item's sequence, KV head and first query head.
      Value itemsPerSeq = e.index(perHead ? queryHeads : kvHeads);
      Value bi = arith::DivUIOp::create(b, item, itemsPerSeq);
      Value within = arith::RemUIOp::create(b, item, itemsPerSeq);
      Value kvHead = perHead ? arith::DivUIOp::create(b, within, e.index(group))
                                   .getResult()
                             : within;
      Value firstQuery = perHead ? within : e.mul(within, group);
      Value queryBase = e.mul(e.add(e.mul(bi, queryHeads), firstQuery), D);
      Value lo = e.mul(split, slotsPerSplit);
      // A sparse row has M slots; a dense sequence has its own N (a split
      // past it has nothing to do).
      Value rowSlots = indicesBuffer ? slots : kv.tokens(e, bi);
      Value hi = e.max(e.min(e.add(lo, e.index(slotsPerSplit)), rowSlots), lo);

      kb.phase([&](Value thread) {
        strided(thread, e.index(0), e.index(heads * D), [&](Value i) {
          Value x = e.toF32(e.loadScalar(q, e.add(queryBase, i)));
          sharedStore(arith::MulFOp::create(b, x, e.f32(scale)), qs, i);
        });
        // Whole vectors at constant offsets, as everywhere the private
        // accumulators are touched: what keeps them in registers.
        auto [acc, base] = kb.privateBuffer(0, thread);
        auto f32Vector = VectorType::get({valueVector}, b.getF32Type());
        Value zeros = arith::ConstantOp::create(
            b, f32Vector, DenseElementsAttr::get(f32Vector, 0.0f));
        for (int64_t at = 0; at < heads * chunks(); ++at)
          storePrivateVector(zeros, acc, base, at);
        strided(thread, e.index(0), e.index(heads), [&](Value g) {
          sharedStore(e.f32(-INFINITY), runMax, g);
          sharedStore(e.f32(0), runSum, g);
        });
      });
      // Tiles of 128 slots; the trip count is the same for every thread.
      e.forStep(lo, hi, e.index(kThreads), [&](Value tile) {
        kb.phase([&](Value thread) {
          Value slot = e.add(tile, thread);
          Value token = e.index(-1);
          if (indicesBuffer) {
            Value inRange = e.cmp(Pred::slt, slot, hi);
            Value safeSlot = arith::SelectOp::create(b, inRange, slot, lo);
            Value row = e.mul(e.add(e.mul(bi, perHead ? queryHeads : kvHeads),
                                    within),
                              slots);
            Value t = arith::IndexCastOp::create(
                b, index, e.loadScalar(idx, e.add(row, safeSlot)));
            token = arith::SelectOp::create(b, inRange, t, e.index(-1));
          } else {
            token = arith::SelectOp::create(b, e.cmp(Pred::slt, slot, hi),
                                            slot, e.index(-1));
          }
          Value valid = e.cmp(Pred::sge, token, e.index(0));
          // The token's physical row (-1: empty slot), found once per tile:
          // a paged one reads the block table, only for tokens it holds.
          auto physical = scf::IfOp::create(b, TypeRange{index}, valid,
                                            /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(physical.thenBlock());
            scf::YieldOp::create(b, kv.row(e, bi, kvHead, token));
            b.setInsertionPointToStart(physical.elseBlock());
            scf::YieldOp::create(b, e.index(-1));
          }
          Value kvRow = physical.getResult(0);
          sharedStore(kvRow, tokens, thread);
        });
        keyDots(kb, tokens, qs, logits);
        // Per head: the tile's max, the rescale of the running state.
        reducePerHead(
            kb, logits, partials, e.f32(-INFINITY),
            [&](Value x, Value y) -> Value {
              return arith::MaximumFOp::create(b, x, y);
            },
            [&](Value g, Value tileMax) {
              Value old = sharedLoad(runMax, g);
              Value updated = arith::MaximumFOp::create(b, old, tileMax);
              sharedStore(expBelow(old, updated), rescale, g);
              sharedStore(updated, runMax, g);
            });
        // Weights of the tile (thread = token).
        kb.phase([&](Value thread) {
          for (int64_t g = 0; g < heads; ++g) {
            Value at = e.add(e.index(g * kThreads), thread);
            sharedStore(expBelow(sharedLoad(logits, at),
                                 sharedLoad(runMax, e.index(g))),
                        logits, at);
          }
        });
        // Running sums; then the accumulators.
        reducePerHead(
            kb, logits, partials, e.f32(0),
            [&](Value x, Value y) -> Value {
              return arith::AddFOp::create(b, x, y);
            },
            [&](Value g, Value tileSum) {
              Value kept = arith::MulFOp::create(b, sharedLoad(runSum, g),
                                                 sharedLoad(rescale, g));
              sharedStore(arith::AddFOp::create(b, kept, tileSum), runSum, g);
            });
        accumulateValues(kb, tokens, logits, rescale);
      });
      storePartials(kb, item, split, runMax, runSum);
      if (counters)
        combineInLastBlock(kb, item, bi, within, kb.shared(7));
    });
  }

  /// Kernel (contiguous form or dynamic batch): grid B * QH, the splits'
  /// partials of each query head -> o.
  void combineKernel() {
    KernelBuilder kb(b, target, e.mul(batch, queryHeads), kThreads, {});
    kb.build([&] {
      Value bi = arith::DivUIOp::create(b, kb.blockId(), e.index(queryHeads));
      Value qh = arith::RemUIOp::create(b, kb.blockId(), e.index(queryHeads));
      // The partial of this query head: item and head within the item.
      Value item, g;
      if (perHead) {
        item = kb.blockId();
        g = e.index(0);
      } else {
        item = e.add(e.mul(bi, kvHeads),
                     arith::DivUIOp::create(b, qh, e.index(group)));
        g = arith::RemUIOp::create(b, qh, e.index(group));
      }
      kb.phase([&](Value thread) { combineHead(item, g, bi, qh, thread); });
    });
  }

  /// o[bi, qh] from the splits' partials of head g of `item`, the block's
  /// threads on the D columns.
  void combineHead(Value item, Value g, Value bi, Value qh, Value thread) {
    auto at = [&](Value s) {
      return e.add(e.mul(e.add(e.mul(item, splits), s), heads), g);
    };
    Value globalMax =
        e.forRange(e.index(0), splits, ValueRange{e.f32(-INFINITY)},
                   [&](Value s, ValueRange m) -> SmallVector<Value> {
                     return {arith::MaximumFOp::create(
                         b, m[0], e.loadScalar(partMax, at(s)))};
                   })[0];
    strided(thread, e.index(0), e.index(D), [&](Value d) {
      ValueRange sums = e.forRange(
          e.index(0), splits, ValueRange{e.f32(0), e.f32(0)},
          [&](Value s, ValueRange acc) -> SmallVector<Value> {
            Value w = expBelow(e.loadScalar(partMax, at(s)), globalMax);
            w = arith::SelectOp::create(
                b, isNegInf(e.loadScalar(partMax, at(s))), e.f32(0), w);
            Value sum = e.loadScalar(partSum, at(s));
            Value part = e.loadScalar(partAcc, e.add(e.mul(at(s), D), d));
            return {arith::AddFOp::create(b, acc[0],
                                          arith::MulFOp::create(b, w, sum)),
                    arith::AddFOp::create(b, acc[1],
                                          arith::MulFOp::create(b, w, part))};
          });
      Value empty = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sums[0],
                                          e.f32(0));
      Value o = arith::DivFOp::create(b, sums[1], sums[0]);
      o = arith::SelectOp::create(b, empty, e.f32(0), o);
      Type element = out.elementType;
      if (!element.isF32())
        o = arith::TruncFOp::create(b, element, o);
      e.store(o, out, e.add(e.mul(e.add(e.mul(bi, queryHeads), qh), D), d));
    });
  }

  /// Phases at the end of a split block when the combine is folded in:
  /// thread 0 counts the item's finished splits (a release fence first,
  /// then an atomic increment); the block that finishes last resets the
  /// counter (so it is 0 again for the next step) and combines every head
  /// of the item after an acquire fence.
  void combineInLastBlock(KernelBuilder &kb, Value item, Value bi, Value within,
                          Value lastFlag) {
    kb.phase([&](Value thread) {
      e.ifThen(e.cmp(Pred::eq, thread, e.index(0)), [&] {
        deviceFence();
        Value counters = counterBuffer();
        Value done =
            memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi, e.i32(1),
                                        counters, ValueRange{item});
        Value last = e.cmp(Pred::eq, done,
                           arith::IndexCastOp::create(
                               b, b.getI32Type(), e.sub(splits, e.index(1))));
        e.ifThen(last, [&] {
          memref::StoreOp::create(b, e.i32(0), counters, ValueRange{item});
          deviceFence();
        });
        sharedStore(arith::ExtUIOp::create(b, b.getI32Type(), last), lastFlag,
                    e.index(0));
      });
    });
    kb.phase([&](Value thread) {
      Value isLast =
          e.cmp(Pred::ne, sharedLoad(lastFlag, e.index(0)), e.i32(0));
      e.ifThen(isLast, [&] {
        for (int64_t g = 0; g < heads; ++g) {
          Value qh = perHead ? within : e.add(e.mul(within, group), e.index(g));
          combineHead(item, e.index(g), bi, qh, thread);
        }
      });
    });
  }

  /// Orders the block's global writes before its count, and the other
  /// blocks' partials before the last block's reads. The emulation runs
  /// blocks one after another and needs none (and its host pipeline's
  /// buffer deallocation refuses ops of unknown effects).
  void deviceFence() {
    if (target == KernelTarget::GPU)
      LLVM::FenceOp::create(b, LLVM::AtomicOrdering::acq_rel);
  }

  /// The zero-initialized counters of `size` items, one global per size
  /// in the module (found, or made at its start).
  memref::GlobalOp counterGlobal(int64_t size) {
    auto module =
        b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
    std::string name = "__spotlight_split_counters_" + std::to_string(size);
    if (auto existing = module.lookupSymbol<memref::GlobalOp>(name))
      return existing;
    auto type = MemRefType::get({size}, b.getI32Type());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    return memref::GlobalOp::create(
        b, name, b.getStringAttr("private"), type,
        DenseElementsAttr::get(RankedTensorType::get({size}, b.getI32Type()),
                               b.getI32IntegerAttr(0)),
        /*constant=*/false, /*alignment=*/nullptr);
  }

  /// One split counter per item, in a zero-initialized global sized by
  /// the static batch: a step leaves every counter at 0, so nothing clears
  /// them before the next one (CUDA-graph safe; steps sharing a module run
  /// in stream order).
  Value counterBuffer() {
    return memref::GetGlobalOp::create(b, counters.getType(),
                                       counters.getSymName());
  }

  /// Split counters a dynamic batch may use to fold its combine: 256 KiB
  /// of zeros in the module, enough for 8192 sequences of 8 KV heads.
  static constexpr int64_t kMaxFoldedItems = int64_t(1) << 16;

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  KernelTarget target;
  const int64_t D;
  const bool perHead;
  const int64_t heads; ///< query heads per item: G, or 1 in head mode
  const int64_t slotsPerSplit;
  int64_t keyLanes;    ///< threads per key row in keyDots
  int64_t valueVector; ///< elements of V per load (16 bytes where D allows)
  int64_t valueLanes;  ///< threads per value row in accumulateValues
  int64_t rowGroups;   ///< threads per value column slice (at most a warp)
  FlatBuffer out, partMax, partSum, partAcc;
  memref::GlobalOp counters;
  Value slots, items, splits;
};

template <typename OpTy>
struct AttentionToGPU : KernelLowering<OpTy> {
  using KernelLowering<OpTy>::KernelLowering;

  LogicalResult emit(OpTy op, typename OpTy::Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    const KernelTarget target = this->target;
    const AttentionShape shape = AttentionShape::of(op, adaptor);
    const int64_t heads = shape.perHeadSets ? 1 : shape.group;
    // A block's threads cover its heads' logits (also in the emulation).
    if (heads > kThreads)
      return op.emitOpError("has no GPU lowering for ")
             << heads << " query heads per KV head (at most " << kThreads
             << ")";
    if (int64_t bytes = AttentionKernels::sharedBytes(heads, shape.headDim);
        target == KernelTarget::GPU && bytes > kMaxSharedBytes)
      return op.emitOpError("has no GPU lowering for ")
             << heads << " query heads of dimension " << shape.headDim
             << " per block: they need " << bytes
             << " bytes of shared memory, more than " << kMaxSharedBytes;
    AttentionKernels(b, target, AttentionOperands(b, op, adaptor)).emit();
    return success();
  }
};
} // namespace

void mlir::spotlight::populateAttentionToGPUPatterns(
    RewritePatternSet &patterns, bool emulate) {
  patterns.add<AttentionToGPU<SparseAttentionOp>,
               AttentionToGPU<DecodeAttentionOp>>(patterns.getContext(),
                                                  kernelTarget(emulate));
}
