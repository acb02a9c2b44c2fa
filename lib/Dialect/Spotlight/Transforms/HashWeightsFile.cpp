//===- HashWeightsFile.cpp - Hash weights from a file as resources --------===//

#include "HashWeightsFile.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::spotlight;

bool HashWeightsFile::read(const std::string &file, std::string &error) {
  path = file;
  return ::spotlight::io::readTensorArchive(file, tensors, error);
}

FailureOr<std::array<ElementsAttr, 4>>
HashWeightsFile::attributes(MLIRContext *context, int64_t codeHeads,
                            int64_t headDim, std::string &error) {
  std::array<ElementsAttr, 4> result;
  const char *names[4] = {"w1", "b1", "w2", "b2"};
  for (int i = 0; i < 4; ++i) {
    std::string name = names[i];
    std::vector<int64_t> shape = {codeHeads, headDim};
    if (i % 2 == 0)
      shape.push_back(headDim);
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      error = path + " has no tensor '" + name + "'";
      return failure();
    }
    const ::spotlight::io::Array &array = it->second;
    Type element;
    switch (array.dtype) {
    case ::spotlight::io::DType::F32:
      element = Float32Type::get(context);
      break;
    case ::spotlight::io::DType::F16:
      element = Float16Type::get(context);
      break;
    case ::spotlight::io::DType::BF16:
      element = BFloat16Type::get(context);
      break;
    default:
      error = path + ": '" + name + "' is " +
              ::spotlight::io::dtypeName(array.dtype) +
              "; hash weights are f32, f16 or bf16";
      return failure();
    }
    if (array.shape != shape) {
      auto print = [](const std::vector<int64_t> &dims) {
        std::string text = "[";
        for (size_t d = 0; d < dims.size(); ++d)
          text += (d ? ", " : "") + std::to_string(dims[d]);
        return text + "]";
      };
      error = path + ": '" + name + "' is " + print(array.shape) +
              ", the model needs " + print(shape) + " (CH, D)";
      return failure();
    }
    ElementsAttr &attr = made[name];
    if (!attr || attr.getShapedType().getElementType() != element) {
      auto type = RankedTensorType::get(shape, element);
      ArrayRef<char> bytes(reinterpret_cast<const char *>(array.bytes.data()),
                           array.bytes.size());
      attr = DenseResourceElementsAttr::get(
          type, "spotlight_hash_" + name,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(
              bytes, ::spotlight::io::dtypeSize(array.dtype)));
    }
    result[i] = attr;
  }
  return result;
}
