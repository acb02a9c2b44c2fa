//===- HashModel.cpp - The per-code-head hash MLP of SEMANTICS.md ---------===//

#include "spotlight/Quality/HashModel.h"

#include "Kernels.h"
#include "spotlight/Quality/Random.h"
#include "spotlight/Support/HalfFloat.h"
#include "spotlight/Support/IO/ArrayFile.h"
#include "spotlight/Support/IO/SafetensorsWriter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spotlight::quality {

void HashWeights::resize(int64_t ch, int64_t d) {
  codeHeads = ch;
  headDim = d;
  w1.assign(ch * d * d, 0.0f);
  w2.assign(ch * d * d, 0.0f);
  b1.assign(ch * d, 0.0f);
  b2.assign(ch * d, 0.0f);
}

void initWeights(HashWeights &weights, InitKind kind, double scale,
                 uint64_t seed) {
  const int64_t D = weights.headDim;
  std::fill(weights.b1.begin(), weights.b1.end(), 0.0f);
  std::fill(weights.b2.begin(), weights.b2.end(), 0.0f);
  if (kind == InitKind::Zero) {
    std::fill(weights.w1.begin(), weights.w1.end(), 0.0f);
    std::fill(weights.w2.begin(), weights.w2.end(), 0.0f);
    return;
  }
  const double sd = scale * std::sqrt(2.0 / D);
  for (int64_t c = 0; c < weights.codeHeads; ++c) {
    Rng rng(deriveSeed(seed, c));
    float *w1 = weights.w1Of(c), *w2 = weights.w2Of(c);
    for (int64_t i = 0; i < D * D; ++i)
      w1[i] = static_cast<float>(sd * rng.normal());
    for (int64_t i = 0; i < D * D; ++i)
      w2[i] = static_cast<float>(sd * rng.normal());
  }
}

bool saveWeights(const std::string &path, const HashWeights &weights,
                 const std::map<std::string, std::string> &metadata,
                 std::string &error) {
  const int64_t CH = weights.codeHeads, D = weights.headDim;
  auto array = [](const std::vector<float> &v, std::vector<int64_t> shape) {
    io::Array a;
    a.dtype = io::DType::F32;
    a.shape = std::move(shape);
    a.bytes.resize(v.size() * sizeof(float));
    std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
    return a;
  };
  std::map<std::string, io::Array> tensors;
  tensors["w1"] = array(weights.w1, {CH, D, D});
  tensors["b1"] = array(weights.b1, {CH, D});
  tensors["w2"] = array(weights.w2, {CH, D, D});
  tensors["b2"] = array(weights.b2, {CH, D});
  return io::writeSafetensors(path, tensors, error, metadata);
}

bool loadWeights(const std::string &path, HashWeights &weights,
                 std::string &error) {
  std::map<std::string, io::Array> tensors;
  if (!io::readTensorArchive(path, tensors, error))
    return false;
  const io::Array *arrays[4];
  const char *names[4] = {"w1", "b1", "w2", "b2"};
  for (int i = 0; i < 4; ++i) {
    auto it = tensors.find(names[i]);
    if (it == tensors.end()) {
      error = path + ": no '" + names[i] + "' tensor";
      return false;
    }
    arrays[i] = &it->second;
  }
  const io::Array &w1 = *arrays[0];
  if (w1.shape.size() != 3 || w1.shape[1] != w1.shape[2] || w1.shape[0] <= 0 ||
      w1.shape[1] <= 0 || w1.shape[1] % 32 != 0) {
    error = path + ": w1 must be [CH,D,D] with D a multiple of 32";
    return false;
  }
  const int64_t CH = w1.shape[0], D = w1.shape[1];
  const std::vector<int64_t> shapes[4] = {
      {CH, D, D}, {CH, D}, {CH, D, D}, {CH, D}};
  HashWeights out;
  out.resize(CH, D);
  std::vector<float> *targets[4] = {&out.w1, &out.b1, &out.w2, &out.b2};
  for (int i = 0; i < 4; ++i) {
    const io::Array &a = *arrays[i];
    if (a.shape != shapes[i]) {
      error = path + ": '" + names[i] +
              "' has the wrong shape for CH=" + std::to_string(CH) +
              ", D=" + std::to_string(D);
      return false;
    }
    std::vector<float> &dst = *targets[i];
    for (int64_t e = 0; e < a.numElements(); ++e) {
      if (a.dtype == io::DType::F32) {
        std::memcpy(&dst[e], &a.bytes[e * 4], 4);
        continue;
      }
      if (a.dtype != io::DType::F16 && a.dtype != io::DType::BF16 &&
          a.dtype != io::DType::U16) {
        error = path + ": '" + names[i] + "' must be f32, f16 or bf16";
        return false;
      }
      uint16_t bits;
      std::memcpy(&bits, &a.bytes[e * 2], 2);
      dst[e] = a.dtype == io::DType::F16 ? fromF16(bits) : fromBf16(bits);
    }
  }
  weights = std::move(out);
  return true;
}

namespace {
void addBias(float *rows, const float *bias, int64_t n, int64_t d) {
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < d; ++j)
      rows[r * d + j] += bias[j];
}

void addColumnSums(const float *rows, int64_t n, int64_t d, float *sum) {
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < d; ++j)
      sum[j] += rows[r * d + j];
}
} // namespace

void forwardBatch(ConstHeadParams p, int64_t D, const float *x, int64_t rows,
                  ForwardCache &cache) {
  const int64_t n = rows * D;
  cache.rows = rows;
  cache.a1.resize(n);
  cache.h1.resize(n);
  cache.h2.resize(n);
  kernels::gemm(rows, D, D, x, D, false, p.w1, D, cache.a1.data(), D, false);
  addBias(cache.a1.data(), p.b1, rows, D);
  kernels::siluResidual(cache.a1.data(), x, cache.h1.data(), n);
  // h2 = h1 W2 + b2 + h1: start from h1 and accumulate.
  std::memcpy(cache.h2.data(), cache.h1.data(), n * sizeof(float));
  addBias(cache.h2.data(), p.b2, rows, D);
  kernels::gemm(rows, D, D, cache.h1.data(), D, false, p.w2, D, cache.h2.data(),
                D, true);
}

void backwardBatch(ConstHeadParams p, int64_t D, const float *x,
                   const ForwardCache &cache, float *dH2, HeadParams grad,
                   AlignedVector<float> &scratch) {
  const int64_t rows = cache.rows, n = rows * D;
  scratch.resize(n + D * D);
  float *dH1 = scratch.data(), *w2t = scratch.data() + n;
  for (int64_t i = 0; i < D; ++i)
    for (int64_t j = 0; j < D; ++j)
      w2t[j * D + i] = p.w2[i * D + j];
  // Second layer: dA2 = dH2.
  addColumnSums(dH2, rows, D, grad.b2);
  kernels::gemm(D, D, rows, cache.h1.data(), D, true, dH2, D, grad.w2, D, true);
  // dH1 = dA2 W2^T + dH2 (residual).
  std::memcpy(dH1, dH2, n * sizeof(float));
  kernels::gemm(rows, D, D, dH2, D, false, w2t, D, dH1, D, true);
  // First layer: dA1 = dH1 * silu'(a1), into dH2's storage.
  float *dA1 = dH2;
  kernels::siluBackward(cache.a1.data(), dH1, dA1, n);
  addColumnSums(dA1, rows, D, grad.b1);
  kernels::gemm(D, D, rows, x, D, true, dA1, D, grad.w1, D, true);
}

void packSigns(const float *values, int64_t rows, int64_t bits,
               uint32_t *codes) {
  const int64_t words = bits / 32;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t w = 0; w < words; ++w) {
      uint32_t word = 0;
      const float *v = values + r * bits + w * 32;
      for (int b = 0; b < 32; ++b)
        word |= static_cast<uint32_t>(v[b] > 0.0f) << b;
      codes[r * words + w] = word;
    }
}

void encodeRows(ConstHeadParams p, int64_t D, const float *x, int64_t xStride,
                int64_t rows, uint32_t *codes) {
  const int64_t chunk = 1024, words = D / 32;
  AlignedVector<float> block;
  ForwardCache cache;
  for (int64_t at = 0; at < rows; at += chunk) {
    const int64_t len = std::min(chunk, rows - at);
    block.resize(len * D);
    for (int64_t r = 0; r < len; ++r)
      std::memcpy(&block[r * D], x + (at + r) * xStride, D * sizeof(float));
    forwardBatch(p, D, block.data(), len, cache);
    packSigns(cache.h2.data(), len, D, codes + at * words);
  }
}

} // namespace spotlight::quality
