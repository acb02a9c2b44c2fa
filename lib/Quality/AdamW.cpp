//===- AdamW.cpp - Decoupled weight decay Adam ----------------------------===//

#include "spotlight/Quality/AdamW.h"

#include <algorithm>
#include <cmath>

namespace spotlight::quality {

double AdamW::step(float *params, float *grad, double lr) {
  const int64_t n = static_cast<int64_t>(m.size());
  double norm2 = 0;
  for (int64_t i = 0; i < n; ++i)
    norm2 += double(grad[i]) * grad[i];
  const double norm = std::sqrt(norm2);
  if (options.clipNorm > 0 && norm > options.clipNorm) {
    const float s = static_cast<float>(options.clipNorm / (norm + 1e-6));
    for (int64_t i = 0; i < n; ++i)
      grad[i] *= s;
  }
  ++t;
  const float b1 = options.beta1, b2 = options.beta2;
  const double c1 = 1 - std::pow(options.beta1, double(t));
  const double c2 = 1 - std::pow(options.beta2, double(t));
  const float decay = static_cast<float>(1 - lr * options.weightDecay);
  const float stepSize = static_cast<float>(lr / c1);
  const float rootC2 = static_cast<float>(std::sqrt(c2));
  const float eps = static_cast<float>(options.eps);
  for (int64_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * grad[i];
    v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
    params[i] *= decay;
    params[i] -= stepSize * m[i] / (std::sqrt(v[i]) / rootC2 + eps);
  }
  return norm;
}

double learningRate(double peak, int64_t step, int64_t steps,
                    double warmupFraction) {
  const int64_t warmup = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(warmupFraction * steps)));
  if (step < warmup)
    return peak * double(step + 1) / double(warmup);
  const double progress =
      steps > warmup ? double(step - warmup) / double(steps - warmup) : 1.0;
  return peak * 0.5 * (1 + std::cos(M_PI * progress));
}

} // namespace spotlight::quality
