//===- DecodeModule.cpp - Decode modules from a model geometry ------------===//
//
// Builds each entry point of the ABI's table (spotlight/ABI/EntryPoints.def)
// with OpBuilder and the ops' ODS builders: the functions take their inputs
// as tensors and write their outputs into memref arguments through
// `bufferization.materialize_in_destination`, so One-Shot Bufferize turns
// every output into an in-place write.
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
  ModuleBuilder(mlir::ModuleOp module, const DecodeGeometry &g)
      : g(g), b(module.getLoc(), module.getContext()) {
    b.setInsertionPointToEnd(module.getBody());
  }

  void build() {
    encodeQueries();
    encodeKeys();
    select();
    attend();
    decode();
    decodeDense();
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
    mlir::Block *body = function.addEntryBlock();
    args.clear();
    for (auto [kind, value] :
         llvm::zip(abi::entryArgs(entry), body->getArguments()))
      args[kind] = value;
    moduleInsertion = b.saveInsertionPoint();
    b.setInsertionPointToStart(body);
  }

  void end() {
    mlir::func::ReturnOp::create(b);
    b.restoreInsertionPoint(moduleInsertion);
  }

  /// An empty tensor of `type`; its one dynamic size (the token count N)
  /// taken from dimension 2 of `source`.
  mlir::Value empty(mlir::ShapedType type, mlir::Value source = {}) {
    llvm::SmallVector<mlir::Value> sizes;
    if (!type.hasStaticShape())
      sizes.push_back(mlir::tensor::DimOp::create(b, source, 2));
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
                   mlir::Value source = {}) {
    return sp::HashEncodeOp::create(b, codes, input, args[ArgKind::W1],
                                    args[ArgKind::B1], args[ArgKind::W2],
                                    args[ArgKind::B2], empty(codes, source))
        ->getResult(0);
  }

  mlir::Value topK(mlir::Value queryCodes, mlir::Value keyCodes) {
    mlir::RankedTensorType type = tensorOf(ArgKind::Indices);
    mlir::Attribute budget =
        g.budgetCount > 0
            ? mlir::Attribute(b.getI64IntegerAttr(g.budgetCount))
            : mlir::Attribute(b.getF64FloatAttr(g.budgetFraction));
    return sp::HammingTopKOp::create(b, type, queryCodes, keyCodes,
                                     /*block_table=*/mlir::Value(),
                                     /*seq_lens=*/mlir::Value(), empty(type),
                                     g.headMode ? sp::SelectionMode::head
                                                : sp::SelectionMode::group,
                                     budget, g.sink, g.window, g.minBudget)
        ->getResult(0);
  }

  mlir::FloatAttr scale() {
    return g.scale ? b.getF32FloatAttr(*g.scale) : mlir::FloatAttr();
  }

  mlir::Value attention(mlir::Value indices) {
    mlir::RankedTensorType type = tensorOf(ArgKind::Query);
    mlir::Value q = args[ArgKind::Query], k = args[ArgKind::Keys],
                v = args[ArgKind::Values];
    mlir::Operation *op =
        indices ? sp::SparseAttentionOp::create(
                      b, type, q, k, v, indices, /*block_table=*/mlir::Value(),
                      /*seq_lens=*/mlir::Value(), empty(type), scale())
                      .getOperation()
                : sp::DecodeAttentionOp::create(
                      b, type, q, k, v, /*block_table=*/mlir::Value(),
                      /*seq_lens=*/mlir::Value(), empty(type), scale())
                      .getOperation();
    return op->getResult(0);
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
  mlir::ImplicitLocOpBuilder b;
  mlir::OpBuilder::InsertPoint moduleInsertion;
  std::map<ArgKind, mlir::Value> args;
};
} // namespace

mlir::OwningOpRef<mlir::ModuleOp>
buildDecodeModule(mlir::MLIRContext &context, const DecodeGeometry &geometry) {
  context.loadDialect<mlir::arith::ArithDialect,
                      mlir::bufferization::BufferizationDialect,
                      mlir::func::FuncDialect, mlir::tensor::TensorDialect,
                      sp::SpotlightDialect>();
  // Diagnostics on generated ops name the generator, as a file would be.
  auto location = mlir::FileLineColLoc::get(&context, "<decode module>", 1, 1);
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(location);
  ModuleBuilder(*module, geometry).build();
  return module;
}

mlir::OwningOpRef<mlir::ModuleOp>
buildArtifactModule(mlir::MLIRContext &context, const DecodeGeometry &model) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildDecodeModule(context, model.workItem());
  (*module)->setAttr(
      abi::kManifestAttribute,
      mlir::StringAttr::get(&context, abi::writeManifest(model)));
  return module;
}

std::string printDecodeModule(const DecodeGeometry &geometry) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildDecodeModule(context, geometry);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

} // namespace spotlight
