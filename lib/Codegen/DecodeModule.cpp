//===- DecodeModule.cpp - Decode modules from a model geometry ------------===//
//
// Builds each entry point of the ABI's table (spotlight/ABI/EntryPoints.def)
// with OpBuilder and the ops' ODS builders: the functions take their inputs
// as tensors and write their outputs into memref arguments through
// `bufferization.materialize_in_destination`, so One-Shot Bufferize turns
// every output into an in-place write. Two modules: the contiguous one (one
// N for the batch; tests and spotlight-opt users) and the paged step over
// caller-owned pools that artifacts hold, for a whole batch and, on the CPU,
// for one KV head of one sequence (its pool arguments carry the whole
// pool's strides through `bufferization.buffer_layout`), and the steps
// over a token range (the selection's scan, the dense attention and its
// merge) with which the CPU splits one long sequence.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Codegen/DecodeModule.h"

#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

namespace spotlight {
namespace {
using abi::ArgKind;
using abi::EntryPoint;
namespace sp = mlir::spotlight;

/// Builds the functions of one geometry into a module.
class ModuleBuilder {
public:
  /// `poolKVHeads`: the KV heads of the pools the functions read, more
  /// than g.kvHeads in a KV head slice.
  ModuleBuilder(mlir::ModuleOp module, const DecodeGeometry &g,
                int64_t poolKVHeads = 0)
      : g(g), poolKVHeads(poolKVHeads ? poolKVHeads : g.kvHeads),
        b(module.getLoc(), module.getContext()) {
    b.setInsertionPointToEnd(module.getBody());
  }

  void buildContiguous() {
    encodeQueries();
    encodeKeys();
    select();
    attend();
    decode();
    decodeDense();
  }

  void buildPaged() {
    pagedWrite();
    pagedSelect();
    pagedDecode();
    pagedDecodeDense();
  }

  /// The step over one KV head of one sequence (g is a kvHeadSlice).
  void buildKVHead() {
    begin(EntryPoint::KVHeadSelect);
    store(topK(queryCodes(), args[ArgKind::CodePool]), ArgKind::OutIndices);
    end();
    begin(EntryPoint::KVHeadDecode);
    decodeBody();
    end();
    // The second step of the token split (buildTokenSplit): the head's
    // selection from its sets' scores and histograms, and its attention.
    begin(EntryPoint::KVHeadSplitSelect);
    store(topKFromScores(), ArgKind::OutIndices);
    end();
    begin(EntryPoint::KVHeadSplitDecode);
    mlir::Value indices = topKFromScores();
    store(attention(indices), ArgKind::Out);
    store(indices, ArgKind::OutIndices);
    end();
  }

  /// The steps over token ranges of each sequence
  /// (abi::EntryScope::TokenSplit): the first step of the selection (a
  /// range's scores and histograms, written in place: hamming_scores keeps
  /// the other ranges' scores), and the dense step's two.
  void buildTokenSplit() {
    begin(EntryPoint::TokenSplitScores);
    mlir::Value codes = bufferOf(queryCodes());
    sp::HammingScoresOp::create(
        b, mlir::TypeRange{}, codes, bufferOf(args[ArgKind::CodePool]),
        bufferOf(args[ArgKind::BlockTable]), bufferOf(args[ArgKind::SeqLens]),
        bufferOf(args[ArgKind::TokenRanges]), args[ArgKind::OutScores],
        args[ArgKind::OutHistograms], selectionMode(), g.sink, g.window);
    end();
    // The dense step in token ranges: each range's attention over every
    // KV head (the caller's views of the range's pages) and its
    // log-sum-exp, then the ranges merged.
    begin(EntryPoint::TokenSplitDecodeDense);
    mlir::RankedTensorType partial = tensorOf(ArgKind::OutPartial),
                           lse = tensorOf(ArgKind::OutLse);
    auto ranged = sp::PartialDecodeAttentionOp::create(
        b, mlir::TypeRange{partial, lse}, args[ArgKind::Query],
        args[ArgKind::KeyPool], args[ArgKind::ValuePool],
        args[ArgKind::BlockTable], args[ArgKind::SeqLens],
        emptyLikeBatch(partial), emptyLikeBatch(lse), scale());
    store(ranged.getResult(0), ArgKind::OutPartial);
    store(ranged.getResult(1), ArgKind::OutLse);
    end();
    begin(EntryPoint::TokenSplitMerge);
    mlir::RankedTensorType out = tensorOf(ArgKind::Out);
    store(sp::MergeAttentionOp::create(b, out, args[ArgKind::Partials],
                                       args[ArgKind::Lses],
                                       empty(out, args[ArgKind::Partials], 1))
              ->getResult(0),
          ArgKind::Out);
    end();
  }

private:
  mlir::Type elementType(const std::string &name) {
    if (name == "f32")
      return b.getF32Type();
    if (name == "f16")
      return b.getF16Type();
    if (name == "bf16")
      return b.getBF16Type();
    return b.getI32Type();
  }

  /// The MLIR type of an argument of `kind`, from the ABI.
  mlir::ShapedType typeOf(ArgKind kind) {
    llvm::SmallVector<int64_t> shape;
    for (int64_t d : abi::argShape(kind, g))
      shape.push_back(d < 0 ? mlir::ShapedType::kDynamic : d);
    mlir::Type element = elementType(abi::argElement(kind, g));
    if (abi::argIsOutput(kind))
      return mlir::MemRefType::get(shape, element);
    return mlir::RankedTensorType::get(shape, element);
  }

  /// Starts the function of `entry`; its arguments by kind.
  void begin(EntryPoint entry) {
    llvm::SmallVector<mlir::Type> types;
    for (ArgKind kind : abi::entryArgs(entry))
      types.push_back(typeOf(kind));
    auto function = mlir::func::FuncOp::create(b, abi::entrySymbol(entry),
                                               b.getFunctionType(types, {}));
    function->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    if (abi::entryScope(entry) == abi::EntryScope::KVHead)
      setSliceLayouts(function, entry);
    mlir::Block *body = function.addEntryBlock();
    args.clear();
    for (auto [kind, value] :
         llvm::zip(abi::entryArgs(entry), body->getArguments()))
      args[kind] = value;
    moduleInsertion = b.saveInsertionPoint();
    b.setInsertionPointToStart(body);
  }

  /// A KV head's view of a pool [P, page, 1, row...] keeps the strides of
  /// the whole pool [P, page, poolKVHeads, row...]; its scores and
  /// histograms (the token split) are its sets' rows of the sequence's, at
  /// the caller's strides. The offsets (the head's first element) are the
  /// caller's.
  void setSliceLayouts(mlir::func::FuncOp function, EntryPoint entry) {
    for (auto [i, kind] : llvm::enumerate(abi::entryArgs(entry))) {
      llvm::ArrayRef<int64_t> shape = typeOf(kind).getShape();
      llvm::SmallVector<int64_t> strides(shape.size(), 1);
      if (kind == ArgKind::KeyPool || kind == ArgKind::ValuePool ||
          kind == ArgKind::CodePool) {
        for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
          strides[d] =
              strides[d + 1] * (d + 1 == 2 ? poolKVHeads : shape[d + 1]);
      } else if (kind == ArgKind::Scores || kind == ArgKind::Histograms) {
        for (int64_t d = 0; d + 1 < int64_t(shape.size()); ++d)
          strides[d] = mlir::ShapedType::kDynamic;
      } else {
        continue;
      }
      function.setArgAttr(
          i, mlir::bufferization::BufferizationDialect::kBufferLayoutAttrName,
          mlir::StridedLayoutAttr::get(b.getContext(),
                                       mlir::ShapedType::kDynamic, strides));
    }
  }

  void end() {
    mlir::func::ReturnOp::create(b);
    b.restoreInsertionPoint(moduleInsertion);
  }

  /// An empty tensor of `type`; every dynamic size (the token count N of
  /// the contiguous form, the batch B or new tokens T of the paged one) is
  /// dimension `sourceDim` of `source`.
  mlir::Value empty(mlir::ShapedType type, mlir::Value source = {},
                    int64_t sourceDim = 2) {
    llvm::SmallVector<mlir::Value> sizes;
    for (int64_t i = 0; i < type.getNumDynamicDims(); ++i)
      sizes.push_back(mlir::tensor::DimOp::create(b, source, sourceDim));
    return mlir::tensor::EmptyOp::create(b, type, sizes);
  }

  mlir::RankedTensorType tensorOf(ArgKind kind) {
    auto type = typeOf(kind);
    return mlir::RankedTensorType::get(type.getShape(), type.getElementType());
  }

  void store(mlir::Value value, ArgKind output) {
    mlir::bufferization::MaterializeInDestinationOp::create(
        b, mlir::TypeRange{}, value, args[output], /*restrict=*/true,
        /*writable=*/true);
  }

  mlir::Value hash(mlir::Value input, mlir::RankedTensorType codes,
                   mlir::Value source = {}, int64_t sourceDim = 2) {
    return sp::HashEncodeOp::create(
               b, codes, input, args[ArgKind::W1], args[ArgKind::B1],
               args[ArgKind::W2], args[ArgKind::B2],
               empty(codes, source, sourceDim))
        ->getResult(0);
  }

  /// The paged operands of the current function, or none (contiguous).
  std::pair<mlir::Value, mlir::Value> pages() {
    if (!args.count(ArgKind::BlockTable))
      return {};
    return {args[ArgKind::BlockTable], args[ArgKind::SeqLens]};
  }

  /// A batch-shaped result: its B (dynamic for any batch) is the query's.
  mlir::Value emptyLikeBatch(mlir::ShapedType type) {
    return empty(type, args[ArgKind::Query], 0);
  }

  mlir::Attribute budget() {
    return g.budgetCount > 0
               ? mlir::Attribute(b.getI64IntegerAttr(g.budgetCount))
               : mlir::Attribute(b.getF64FloatAttr(g.budgetFraction));
  }

  sp::SelectionMode selectionMode() {
    return g.headMode ? sp::SelectionMode::head : sp::SelectionMode::group;
  }

  /// The selection from the scores and histograms of every token range.
  mlir::Value topKFromScores() {
    mlir::RankedTensorType type = tensorOf(ArgKind::Indices);
    return sp::ScoreTopKOp::create(
               b, type, args[ArgKind::Scores], args[ArgKind::Histograms],
               args[ArgKind::SeqLens], empty(type, args[ArgKind::Scores], 0),
               budget(), g.sink, g.window, g.minBudget)
        ->getResult(0);
  }

  mlir::Value topK(mlir::Value queryCodes, mlir::Value keyCodes) {
    mlir::RankedTensorType type = tensorOf(ArgKind::Indices);
    auto [blockTable, seqLens] = pages();
    return sp::HammingTopKOp::create(b, type, queryCodes, keyCodes, blockTable,
                                     seqLens, emptyLikeBatch(type),
                                     selectionMode(), budget(), g.sink,
                                     g.window, g.minBudget)
        ->getResult(0);
  }

  mlir::FloatAttr scale() {
    return g.scale ? b.getF32FloatAttr(*g.scale) : mlir::FloatAttr();
  }

  mlir::Value attention(mlir::Value indices) {
    mlir::RankedTensorType type = tensorOf(ArgKind::Query);
    auto [blockTable, seqLens] = pages();
    mlir::Value q = args[ArgKind::Query];
    mlir::Value k = blockTable ? args[ArgKind::KeyPool] : args[ArgKind::Keys];
    mlir::Value v =
        blockTable ? args[ArgKind::ValuePool] : args[ArgKind::Values];
    mlir::Operation *op =
        indices ? sp::SparseAttentionOp::create(b, type, q, k, v, indices,
                                                blockTable, seqLens,
                                                emptyLikeBatch(type), scale())
                      .getOperation()
                : sp::DecodeAttentionOp::create(b, type, q, k, v, blockTable,
                                                seqLens, emptyLikeBatch(type),
                                                scale())
                      .getOperation();
    return op->getResult(0);
  }

  mlir::Value queryCodes() {
    return hash(args[ArgKind::Query], tensorOf(ArgKind::QueryCodes),
                args[ArgKind::Query], 0);
  }

  /// A read-only buffer of a tensor argument, for cache_write, which runs on
  /// the pools' buffers in place.
  mlir::Value bufferOf(mlir::Value tensor) {
    auto type = mlir::cast<mlir::RankedTensorType>(tensor.getType());
    return mlir::bufferization::ToBufferOp::create(
        b, mlir::MemRefType::get(type.getShape(), type.getElementType()),
        tensor, /*read_only=*/true);
  }

  void pagedWrite() {
    begin(EntryPoint::PagedWrite);
    mlir::Value keys = args[ArgKind::NewKeys];
    auto newKeys = mlir::cast<mlir::ShapedType>(keys.getType());
    auto codesType = mlir::RankedTensorType::get(
        {mlir::ShapedType::kDynamic, newKeys.getDimSize(1),
         g.keyCodesPerHead(), g.codeWords()},
        b.getI32Type());
    mlir::Value codes = hash(keys, codesType, keys, 0);
    sp::CacheWriteOp::create(
        b, mlir::TypeRange{},
        mlir::ValueRange{bufferOf(keys), bufferOf(args[ArgKind::NewValues]),
                         bufferOf(codes), bufferOf(args[ArgKind::SlotMapping]),
                         args[ArgKind::OutKeyPool], args[ArgKind::OutValuePool],
                         args[ArgKind::OutCodePool]});
    end();
  }

  void pagedSelect() {
    begin(EntryPoint::PagedSelect);
    store(topK(queryCodes(), args[ArgKind::CodePool]), ArgKind::OutIndices);
    end();
  }

  void pagedDecode() {
    begin(EntryPoint::PagedDecode);
    decodeBody();
    end();
  }

  /// The sparse step: hash the query, select, attend over the selection.
  void decodeBody() {
    mlir::Value indices = topK(queryCodes(), args[ArgKind::CodePool]);
    store(attention(indices), ArgKind::Out);
    store(indices, ArgKind::OutIndices);
  }

  void pagedDecodeDense() {
    begin(EntryPoint::PagedDecodeDense);
    store(attention({}), ArgKind::Out);
    end();
  }

  void encodeQueries() {
    begin(EntryPoint::EncodeQueries);
    store(hash(args[ArgKind::Query], tensorOf(ArgKind::QueryCodes)),
          ArgKind::OutQueryCodes);
    end();
  }

  void encodeKeys() {
    begin(EntryPoint::EncodeKeys);
    mlir::Value keys = args[ArgKind::Keys];
    store(hash(keys, tensorOf(ArgKind::KeyCodes), keys), ArgKind::OutKeyCodes);
    end();
  }

  void select() {
    begin(EntryPoint::Select);
    store(topK(args[ArgKind::QueryCodes], args[ArgKind::KeyCodes]),
          ArgKind::OutIndices);
    end();
  }

  void attend() {
    begin(EntryPoint::Attend);
    store(attention(args[ArgKind::Indices]), ArgKind::Out);
    end();
  }

  void decode() {
    begin(EntryPoint::Decode);
    mlir::Value queryCodes =
        hash(args[ArgKind::Query], tensorOf(ArgKind::QueryCodes));
    mlir::Value indices = topK(queryCodes, args[ArgKind::KeyCodes]);
    store(attention(indices), ArgKind::Out);
    store(indices, ArgKind::OutIndices);
    end();
  }

  void decodeDense() {
    begin(EntryPoint::DecodeDense);
    store(attention({}), ArgKind::Out);
    end();
  }

  const DecodeGeometry &g;
  int64_t poolKVHeads;
  mlir::ImplicitLocOpBuilder b;
  mlir::OpBuilder::InsertPoint moduleInsertion;
  std::map<ArgKind, mlir::Value> args;
};
} // namespace

namespace {
/// An empty module with the dialects the generator uses loaded.
mlir::OwningOpRef<mlir::ModuleOp> newModule(mlir::MLIRContext &context) {
  context.loadDialect<mlir::arith::ArithDialect,
                      mlir::bufferization::BufferizationDialect,
                      mlir::func::FuncDialect, mlir::tensor::TensorDialect,
                      sp::SpotlightDialect>();
  // Diagnostics on generated ops name the generator, as a file would be.
  auto location = mlir::FileLineColLoc::get(&context, "<decode module>", 1, 1);
  return mlir::ModuleOp::create(location);
}
} // namespace

mlir::OwningOpRef<mlir::ModuleOp>
buildDecodeModule(mlir::MLIRContext &context, const DecodeGeometry &geometry) {
  mlir::OwningOpRef<mlir::ModuleOp> module = newModule(context);
  ModuleBuilder(*module, geometry).buildContiguous();
  return module;
}

mlir::OwningOpRef<mlir::ModuleOp>
buildPagedDecodeModule(mlir::MLIRContext &context,
                       const DecodeGeometry &geometry) {
  mlir::OwningOpRef<mlir::ModuleOp> module = newModule(context);
  ModuleBuilder(*module, geometry).buildPaged();
  return module;
}

mlir::OwningOpRef<mlir::ModuleOp>
buildArtifactModule(mlir::MLIRContext &context, const DecodeGeometry &model) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildPagedDecodeModule(context, model.anyBatch());
  if (abi::entryInArtifact(EntryPoint::KVHeadDecode, model)) {
    const DecodeGeometry slice =
        abi::entryGeometry(EntryPoint::KVHeadDecode, model);
    ModuleBuilder(*module, slice, model.kvHeads).buildKVHead();
  }
  if (abi::entryInArtifact(EntryPoint::TokenSplitScores, model))
    ModuleBuilder(*module, abi::entryGeometry(EntryPoint::TokenSplitScores,
                                              model))
        .buildTokenSplit();
  (*module)->setAttr(
      abi::kManifestAttribute,
      mlir::StringAttr::get(&context, abi::writeManifest(model)));
  return module;
}

std::string printDecodeModule(const DecodeGeometry &geometry, bool paged) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      paged ? buildPagedDecodeModule(context, geometry)
            : buildDecodeModule(context, geometry);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

} // namespace spotlight
