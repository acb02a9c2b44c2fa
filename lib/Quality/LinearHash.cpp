//===- LinearHash.cpp - Random-rotation sign hashing (the baseline) -------===//

#include "spotlight/Quality/LinearHash.h"

#include "Kernels.h"
#include "spotlight/Quality/HashModel.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spotlight::quality {

std::vector<float> randomOrthogonalProjection(int64_t D, int64_t bits,
                                              uint64_t seed) {
  std::vector<float> out(D * bits);
  const int64_t blocks = (bits + D - 1) / D;
  for (int64_t blk = 0; blk < blocks; ++blk) {
    Rng rng(deriveSeed(seed, blk));
    // Columns of one block, orthonormalized in turn.
    std::vector<std::vector<double>> cols;
    for (int64_t j = 0; j < D; ++j) {
      std::vector<double> v(D);
      for (double &x : v)
        x = rng.normal();
      for (int pass = 0; pass < 2; ++pass)
        for (const auto &c : cols) {
          double dot = 0;
          for (int64_t i = 0; i < D; ++i)
            dot += v[i] * c[i];
          for (int64_t i = 0; i < D; ++i)
            v[i] -= dot * c[i];
        }
      double norm = 0;
      for (double x : v)
        norm += x * x;
      norm = std::sqrt(norm);
      for (double &x : v)
        x /= norm;
      cols.push_back(std::move(v));
    }
    for (int64_t j = 0; j < D && blk * D + j < bits; ++j)
      for (int64_t i = 0; i < D; ++i)
        out[i * bits + blk * D + j] = static_cast<float>(cols[j][i]);
  }
  return out;
}

void linearCodes(const float *projection, int64_t D, int64_t bits,
                 const float *x, int64_t xStride, int64_t rows,
                 uint32_t *codes) {
  const int64_t chunk = 512;
  std::vector<float> block, projected;
  for (int64_t at = 0; at < rows; at += chunk) {
    const int64_t len = std::min(chunk, rows - at);
    block.resize(len * D);
    projected.resize(len * bits);
    for (int64_t r = 0; r < len; ++r)
      std::memcpy(&block[r * D], x + (at + r) * xStride, D * sizeof(float));
    kernels::gemm(len, bits, D, block.data(), D, false, projection, bits,
                  projected.data(), bits, false);
    packSigns(projected.data(), len, bits, codes + at * (bits / 32));
  }
}

} // namespace spotlight::quality
