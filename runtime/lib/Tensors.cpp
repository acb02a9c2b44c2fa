//===- Tensors.cpp - Element types and checks of C API tensors ------------===//

#include "Tensors.h"

#include "Status.h"

#include <cstring>
#include <sstream>
#include <string>

namespace spotlight::runtime {

static_assert(SPT_F32 == int(ElementType::F32) &&
                  SPT_F16 == int(ElementType::F16) &&
                  SPT_BF16 == int(ElementType::BF16),
              "spt_dtype and the ABI's ElementType must agree");

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

namespace {
/// "[2, n, 64]". With `freeAsN`, a negative dimension (an expected shape's
/// free one) prints as `n`; else dimensions print as given.
std::string shapeText(const int64_t *dims, int64_t rank, bool freeAsN) {
  std::ostringstream os;
  os << "[";
  for (int64_t i = 0; i < rank; ++i)
    os << (i ? ", " : "")
       << (freeAsN && dims[i] < 0 ? std::string("n") : std::to_string(dims[i]));
  os << "]";
  return os.str();
}
} // namespace

spt_status checkTensor(const spt_tensor *t, const char *name, spt_dtype dtype,
                       const std::vector<int64_t> &expected) {
  const std::string want =
      shapeText(expected.data(), expected.size(), /*freeAsN=*/true) + " " +
      dtypeName(dtype);
  auto mustBe = [&](spt_status status, const std::string &got) {
    return fail(status,
                std::string(name) + " must be " + want + ", got " + got);
  };
  if (!t)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(name) + " is a null pointer (expected " + want +
                    ")");
  if (!t->data)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(name) + " has a null data pointer");
  // A C caller can store any integer in the enum: read it as one.
  int32_t rawType = 0;
  static_assert(sizeof(rawType) == sizeof(t->dtype), "spt_dtype is an int");
  std::memcpy(&rawType, &t->dtype, sizeof(rawType));
  if (rawType < SPT_F32 || rawType > SPT_I32)
    return mustBe(SPT_ERROR_TYPE,
                  "an invalid element type (" + std::to_string(rawType) + ")");
  if (t->dtype != dtype)
    return mustBe(SPT_ERROR_TYPE,
                  std::string("element type ") + dtypeName(t->dtype));
  constexpr int32_t kMaxRank = sizeof(t->shape) / sizeof(t->shape[0]);
  if (t->rank < 0 || t->rank > kMaxRank)
    return mustBe(SPT_ERROR_SHAPE, "rank " + std::to_string(t->rank) +
                                       " (the C API holds at most " +
                                       std::to_string(kMaxRank) + ")");
  for (int32_t i = 0; i < t->rank; ++i)
    if (t->shape[i] < 0)
      return mustBe(SPT_ERROR_SHAPE,
                    shapeText(t->shape, t->rank, /*freeAsN=*/false) +
                        " (dimension " + std::to_string(i) + " is negative)");
  // The caller's buffer is indexed through these sizes: they must describe
  // memory that can exist.
  int64_t bytes = bytesOf(t->dtype);
  bool overflow = false;
  for (int32_t i = 0; i < t->rank && !overflow; ++i)
    overflow = __builtin_mul_overflow(bytes, t->shape[i], &bytes);
  uintptr_t end = 0;
  if (overflow || __builtin_add_overflow(reinterpret_cast<uintptr_t>(t->data),
                                          uintptr_t(bytes), &end))
    return mustBe(SPT_ERROR_SHAPE,
                  shapeText(t->shape, t->rank, /*freeAsN=*/false) +
                      " (more bytes than an address space holds)");
  bool ok = t->rank == static_cast<int32_t>(expected.size());
  for (size_t i = 0; ok && i < expected.size(); ++i)
    ok = expected[i] < 0 || t->shape[i] == expected[i];
  if (!ok)
    return mustBe(SPT_ERROR_SHAPE,
                  shapeText(t->shape, t->rank, /*freeAsN=*/false));
  return SPT_OK;
}

} // namespace spotlight::runtime
