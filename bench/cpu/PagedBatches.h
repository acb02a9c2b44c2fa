//===- PagedBatches.h - Ragged paged batches, the engines' path -*- C++ -*-===//

#ifndef SPOTLIGHT_BENCH_CPU_PAGEDBATCHES_H
#define SPOTLIGHT_BENCH_CPU_PAGEDBATCHES_H

#include "Reference/NaiveReference.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/runtime.h"

#include <functional>

namespace spotlight::bench {

/// Prints the batch table (B in {1, 8, 32}) and paged vs contiguous, with
/// `readBandwidth` (bytes/s) as the bound and `weights` as the hash.
void runPagedBatches(double readBandwidth, const reference::HashWeights &weights);

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_PAGEDBATCHES_H
