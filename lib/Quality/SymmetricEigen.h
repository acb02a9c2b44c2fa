//===- SymmetricEigen.h - Eigenvectors of a small symmetric matrix -*- C++ -*-//
//
// The data-derived initialisation needs the eigenvectors of a D x D key
// covariance (D <= a few hundred) once per head: cyclic Jacobi rotations in
// double precision are simple, accurate and fast enough at that size.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_SYMMETRICEIGEN_H
#define SPOTLIGHT_QUALITY_SYMMETRICEIGEN_H

#include <cstdint>
#include <vector>

namespace spotlight::quality {

/// Eigen-decomposes the symmetric n x n row-major `a`: `values` in
/// descending order and `vectors` row-major with eigenvector i in column i.
void symmetricEigen(const std::vector<double> &a, int64_t n,
                    std::vector<double> &values, std::vector<double> &vectors);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_SYMMETRICEIGEN_H
