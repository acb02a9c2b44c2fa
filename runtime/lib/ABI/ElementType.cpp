//===- ElementType.cpp - The element types of the artifact ABI ------------===//

#include "spotlight/ABI/ElementType.h"

namespace spotlight {

const char *elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::F16:
    return "f16";
  case ElementType::BF16:
    return "bf16";
  }
  return "f32";
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
  return type == ElementType::F32 ? 4 : 2;
}

} // namespace spotlight
