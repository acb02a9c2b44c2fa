//===- HalfFloat.h - bf16 and f16 storage conversions -----------*- C++ -*-===//

#ifndef SPOTLIGHT_SUPPORT_HALFFLOAT_H
#define SPOTLIGHT_SUPPORT_HALFFLOAT_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace spotlight {

/// f32 -> bf16 with round to nearest even (NaN stays NaN).
inline uint16_t toBf16(float value) {
  if (std::isnan(value))
    return 0x7fc0;
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

inline float fromBf16(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

inline uint16_t toF16(float value) {
  _Float16 half = static_cast<_Float16>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, sizeof(bits));
  return bits;
}

inline float fromF16(uint16_t bits) {
  _Float16 half;
  std::memcpy(&half, &bits, sizeof(half));
  return static_cast<float>(half);
}

} // namespace spotlight

#endif // SPOTLIGHT_SUPPORT_HALFFLOAT_H
