//===- PagedBatches.h - Ragged paged batches, the engines' path -*- C++ -*-===//

#ifndef SPOTLIGHT_BENCH_CPU_PAGEDBATCHES_H
#define SPOTLIGHT_BENCH_CPU_PAGEDBATCHES_H

#include "ReadProbe.h"
#include "Reference/NaiveReference.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/runtime.h"

#include <functional>

namespace spotlight::bench {

/// Prints the batch table (B in {1, 8, 32}) and paged vs contiguous, each
/// row's bound the streaming read that `probe` measures around its steps,
/// and `weights` as the hash.
void runPagedBatches(ReadProbe &probe, const reference::HashWeights &weights);

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_PAGEDBATCHES_H
