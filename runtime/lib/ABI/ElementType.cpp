//===- ElementType.cpp - The element types of the artifact ABI ------------===//

#include "spotlight/ABI/ElementType.h"

namespace spotlight {

namespace {
/// Indexed by ElementType.
constexpr const char *kNames[] = {"f32", "f16", "bf16"};
constexpr int64_t kBytes[] = {4, 2, 2};
} // namespace

const char *elementTypeName(ElementType type) {
  return kNames[static_cast<int>(type)];
}

bool parseElementType(const std::string &name, ElementType &type) {
  for (ElementType t : {ElementType::F32, ElementType::F16, ElementType::BF16})
    if (name == elementTypeName(t)) {
      type = t;
      return true;
    }
  return false;
}

int64_t elementTypeBytes(ElementType type) {
  return kBytes[static_cast<int>(type)];
}

} // namespace spotlight
