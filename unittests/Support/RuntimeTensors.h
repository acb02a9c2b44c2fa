//===- RuntimeTensors.h - Host tensors as runtime C API tensors -*- C++ -*-===//
//
// For the programs that drive the runtime with HostTensors (RuntimeTest,
// the device check); they link spotlight_runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_SUPPORT_RUNTIMETENSORS_H
#define SPOTLIGHT_UNITTESTS_SUPPORT_RUNTIMETENSORS_H

#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/ExecutionEngine/HostTensor.h"
#include "spotlight/runtime.h"

namespace spotlight::testing {

/// The runtime's name for an element type (the same value).
inline spt_dtype dtypeOf(ElementType type) {
  return static_cast<spt_dtype>(type);
}

/// A view of `tensor` (not a copy) as a runtime tensor of `dtype`.
inline spt_tensor tensorOf(HostTensor &tensor, spt_dtype dtype) {
  spt_tensor view{
      tensor.data(), dtype, static_cast<int32_t>(tensor.shape().size()), {}};
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    view.shape[i] = tensor.shape()[i];
  return view;
}

} // namespace spotlight::testing

#endif // SPOTLIGHT_UNITTESTS_SUPPORT_RUNTIMETENSORS_H
