//===- Tensors.cpp - Element types and checks of C API tensors ------------===//

#include "Tensors.h"

#include "Status.h"

#include <sstream>
#include <string>

namespace spotlight::runtime {

spt_dtype toDtype(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return SPT_F32;
  case ElementType::F16:
    return SPT_F16;
  case ElementType::BF16:
    return SPT_BF16;
  }
  return SPT_F32;
}

const char *dtypeName(spt_dtype type) {
  switch (type) {
  case SPT_F32:
    return "f32";
  case SPT_F16:
    return "f16";
  case SPT_BF16:
    return "bf16";
  case SPT_I32:
    return "i32";
  }
  return "unknown";
}

int64_t bytesOf(spt_dtype type) {
  return type == SPT_F16 || type == SPT_BF16 ? 2 : 4;
}

spt_status checkTensor(const spt_tensor *t, const char *name, spt_dtype dtype,
                       const std::vector<int64_t> &expected) {
  auto shapeText = [&](const int64_t *dims, size_t rank) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < rank; ++i)
      os << (i ? ", " : "") << (dims[i] < 0 ? std::string("n")
                                            : std::to_string(dims[i]));
    os << "]";
    return os.str();
  };
  std::string want = shapeText(expected.data(), expected.size()) + " " +
                     dtypeName(dtype);
  if (!t)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(name) + " is a null pointer (expected " + want + ")");
  if (!t->data)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(name) + " has a null data pointer");
  if (t->dtype != dtype)
    return fail(SPT_ERROR_TYPE, std::string(name) + " must be " + want +
                                    ", got element type " +
                                    dtypeName(t->dtype));
  bool ok = t->rank == static_cast<int32_t>(expected.size());
  for (size_t i = 0; ok && i < expected.size(); ++i)
    ok = t->shape[i] >= 0 && (expected[i] < 0 || t->shape[i] == expected[i]);
  if (!ok) {
    int32_t rank = t->rank < 0 ? 0 : (t->rank > 6 ? 6 : t->rank);
    return fail(SPT_ERROR_SHAPE, std::string(name) + " must be " + want +
                                     ", got " + shapeText(t->shape, rank));
  }
  return SPT_OK;
}

} // namespace spotlight::runtime
