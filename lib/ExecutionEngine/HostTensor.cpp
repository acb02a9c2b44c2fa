//===- HostTensor.cpp - Host buffers with memref descriptors --------------===//

#include "spotlight/ExecutionEngine/HostTensor.h"

#include <cstring>

namespace spotlight {

HostTensor::HostTensor(std::vector<int64_t> shape, int64_t elementBytes)
    : dims(std::move(shape)), count(1) {
  for (int64_t d : dims)
    count *= d;
  // One extra element keeps data() non-null for empty tensors.
  storage.assign((count + 1) * elementBytes, 0);
}

void *HostTensor::descriptor() {
  const size_t rank = dims.size();
  words.assign(3 + 2 * rank, 0);
  unsigned char *base = storage.data();
  std::memcpy(&words[0], &base, sizeof(base));
  std::memcpy(&words[1], &base, sizeof(base));
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = dims[i];
    words[3 + rank + i] = stride;
    stride *= dims[i];
  }
  return words.data();
}

} // namespace spotlight
