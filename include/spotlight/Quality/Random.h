//===- Random.h - Portable deterministic random numbers ---------*- C++ -*-===//
//
// The training and evaluation tools promise the same result for the same
// seed. The standard distributions are implementation-defined, so we carry
// our own: xoshiro256** seeded through SplitMix64, uniform integers by
// rejection, normals by Box-Muller.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_RANDOM_H
#define SPOTLIGHT_QUALITY_RANDOM_H

#include <cmath>
#include <cstdint>

namespace spotlight::quality {

/// One SplitMix64 step: a good 64-bit mix of `x`.
inline uint64_t splitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// A seed for an independent stream `stream` derived from `seed` (e.g. one
/// per head), so results do not depend on which thread runs which head.
inline uint64_t deriveSeed(uint64_t seed, uint64_t stream) {
  return splitMix64(splitMix64(seed) ^ splitMix64(~stream));
}

class Rng {
public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t &word : state) {
      x += 0x9e3779b97f4a7c15ull;
      word = splitMix64(x);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(state[1] * 5, 7) * 9;
    const uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n), n > 0, without bias (Lemire's multiply
  /// and reject: a division only on the rare rejection path).
  uint64_t below(uint64_t n) {
    __uint128_t m = static_cast<__uint128_t>(next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  /// Standard normal (Box-Muller; the second value is kept for the next
  /// call).
  double normal() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u1;
    do
      u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 6.283185307179586 * u2;
    spare = radius * std::sin(angle);
    hasSpare = true;
    return radius * std::cos(angle);
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t state[4];
  double spare = 0;
  bool hasSpare = false;
};

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_RANDOM_H
