//===- HostTensor.h - Host buffers with memref descriptors ------*- C++ -*-===//

#ifndef SPOTLIGHT_EXECUTIONENGINE_HOSTTENSOR_H
#define SPOTLIGHT_EXECUTIONENGINE_HOSTTENSOR_H

#include <cstdint>
#include <vector>

namespace spotlight {

/// An owned, contiguous row-major buffer and the memref descriptor
/// ({allocated, aligned, offset, sizes[R], strides[R]}) that the compiled
/// `_mlir_ciface_*` functions take by pointer.
class HostTensor {
public:
  HostTensor(std::vector<int64_t> shape, int64_t elementBytes);

  int64_t numElements() const { return count; }
  int64_t numBytes() const { return static_cast<int64_t>(storage.size()); }
  const std::vector<int64_t> &shape() const { return dims; }
  void *data() { return storage.data(); }
  const void *data() const { return storage.data(); }
  template <typename T>
  T *as() {
    return reinterpret_cast<T *>(storage.data());
  }
  template <typename T>
  const T *as() const {
    return reinterpret_cast<const T *>(storage.data());
  }
  /// The descriptor, valid while this tensor lives and is not resized.
  void *descriptor();

private:
  std::vector<int64_t> dims;
  int64_t count;
  std::vector<unsigned char> storage;
  std::vector<int64_t> words;
};

} // namespace spotlight

#endif // SPOTLIGHT_EXECUTIONENGINE_HOSTTENSOR_H
