//===- Status.h - Failing with a status and a message -----------*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_STATUS_H
#define SPOTLIGHT_RUNTIME_STATUS_H

#include "spotlight/runtime.h"

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string>

namespace spotlight::runtime {

/// Records `message` as this thread's spt_last_error() and returns `status`.
spt_status fail(spt_status status, const std::string &message);

/// Runs the body of a C API function: no C++ exception may cross the C ABI,
/// so an allocation failure becomes SPT_ERROR_OUT_OF_MEMORY and anything
/// else an error status with its message.
template <typename Body>
spt_status guarded(const char *function, Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(SPT_ERROR_OUT_OF_MEMORY,
                std::string(function) + ": out of host memory");
  } catch (const std::length_error &) {
    return fail(SPT_ERROR_OUT_OF_MEMORY,
                std::string(function) +
                    ": a size exceeds what can be allocated");
  } catch (const std::exception &e) {
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": " + e.what());
  } catch (...) {
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": unexpected failure");
  }
}

/// Whether `device` is one of the enum's values, read as the integer a C
/// caller may have passed (reading an out-of-range enum is undefined in C++):
/// checked before anything else reads it.
inline bool isKnownDevice(const spt_device &device) {
  int32_t raw = 0;
  static_assert(sizeof(raw) == sizeof(device), "spt_device is an int");
  std::memcpy(&raw, &device, sizeof(raw));
  return raw == SPT_DEVICE_CPU || raw == SPT_DEVICE_CUDA;
}

/// The product of `factors` (all non-negative) in `product`; false when it
/// does not fit in int64.
inline bool checkedProduct(std::initializer_list<int64_t> factors,
                           int64_t &product) {
  product = 1;
  for (int64_t f : factors)
    if (f < 0 || __builtin_mul_overflow(product, f, &product))
      return false;
  return true;
}

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_STATUS_H
