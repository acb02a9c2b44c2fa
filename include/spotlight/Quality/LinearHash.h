//===- LinearHash.h - Random-rotation sign hashing, the baseline *- C++ -*-===//
//
// The linear hashing the Spotlight paper compares against: project a row
// by a random orthogonal matrix and keep the signs. For more bits than D,
// independent orthogonal D x D blocks are stacked side by side.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_LINEARHASH_H
#define SPOTLIGHT_QUALITY_LINEARHASH_H

#include <cstdint>
#include <vector>

namespace spotlight::quality {

/// A row-major D x bits matrix: ceil(bits / D) independent Haar-random
/// orthogonal D x D blocks (Gram-Schmidt of Gaussian columns, in double),
/// the last one cut to the remaining columns.
std::vector<float> randomOrthogonalProjection(int64_t headDim, int64_t bits,
                                              uint64_t seed);

/// codes[r] = sign bits of (row r of x) @ projection, LSB first; `bits` a
/// multiple of 32, rows `xStride` floats apart.
void linearCodes(const float *projection, int64_t headDim, int64_t bits,
                 const float *x, int64_t xStride, int64_t rows,
                 uint32_t *codes);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_LINEARHASH_H
