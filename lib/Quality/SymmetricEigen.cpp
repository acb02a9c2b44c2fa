//===- SymmetricEigen.cpp - Cyclic Jacobi eigen-decomposition -------------===//

#include "SymmetricEigen.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace spotlight::quality {

void symmetricEigen(const std::vector<double> &input, int64_t n,
                    std::vector<double> &values, std::vector<double> &vectors) {
  std::vector<double> a = input, v(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    v[i * n + i] = 1;
  double total = 0;
  for (double x : a)
    total += x * x;
  // Each sweep zeroes every off-diagonal entry once; convergence is
  // quadratic, so a few sweeps reach double precision.
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q)
        off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * total || off == 0)
      break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0)
          continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) /
                         (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        // a <- J^T a J with J the rotation in the (p, q) plane.
        for (int64_t k = 0; k < n; ++k) {
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) {
    return a[i * n + i] > a[j * n + j];
  });
  values.resize(n);
  vectors.assign(n * n, 0.0);
  for (int64_t j = 0; j < n; ++j) {
    values[j] = a[order[j] * n + order[j]];
    for (int64_t i = 0; i < n; ++i)
      vectors[i * n + j] = v[i * n + order[j]];
  }
}

} // namespace spotlight::quality
