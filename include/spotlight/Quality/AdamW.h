//===- AdamW.h - Decoupled weight decay Adam --------------------*- C++ -*-===//
//
// PyTorch's torch.optim.AdamW step (decay first, then the bias-corrected
// Adam update), with optional clipping of the gradient's global L2 norm
// over the parameters it is given, as torch.nn.utils.clip_grad_norm_.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_ADAMW_H
#define SPOTLIGHT_QUALITY_ADAMW_H

#include <cstdint>
#include <vector>

namespace spotlight::quality {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weightDecay = 0.1;
  /// Clip the gradient to this global norm first; <= 0 disables clipping.
  double clipNorm = 1.0;
};

class AdamW {
public:
  AdamW(int64_t parameters, const AdamWOptions &options)
      : options(options), m(parameters, 0.0f), v(parameters, 0.0f) {}

  /// One update of `params` by `grad` (both `parameters` long, contiguous)
  /// at learning rate `lr`. Returns the gradient norm before clipping.
  double step(float *params, float *grad, double lr);

  int64_t steps() const { return t; }

private:
  AdamWOptions options;
  std::vector<float> m, v;
  int64_t t = 0;
};

/// Learning rate at `step` (0-based) of `steps`: linear warm-up over the
/// first ceil(warmupFraction * steps) steps, then cosine decay to 0.
double learningRate(double peak, int64_t step, int64_t steps,
                    double warmupFraction);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_ADAMW_H
