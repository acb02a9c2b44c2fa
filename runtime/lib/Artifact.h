//===- Artifact.h - A loaded artifact and its entry points ------*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_ARTIFACT_H
#define SPOTLIGHT_RUNTIME_ARTIFACT_H

#include "MemRef.h"
#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/runtime.h"

namespace spotlight::runtime {
using EncodeKeysFn = void (*)(MemRef<4> *, MemRef<3> *, MemRef<2> *,
                              MemRef<3> *, MemRef<2> *, MemRef<5> *);
using DecodeFn = void (*)(MemRef<3> *, MemRef<4> *, MemRef<4> *, MemRef<5> *,
                          MemRef<3> *, MemRef<2> *, MemRef<3> *, MemRef<2> *,
                          MemRef<3> *, MemRef<3> *);
using DenseFn = void (*)(MemRef<3> *, MemRef<4> *, MemRef<4> *, MemRef<3> *);
using EncodeQueriesFn = void (*)(MemRef<3> *, MemRef<3> *, MemRef<2> *,
                                 MemRef<3> *, MemRef<2> *, MemRef<4> *);
using SelectFn = void (*)(MemRef<4> *, MemRef<5> *, MemRef<3> *);

} // namespace spotlight::runtime

/// An artifact opened with dlopen: its manifest and entry points.
struct spt_artifact {
  void *handle = nullptr;
  const void *base = nullptr; ///< where the shared object is mapped
  spotlight::DecodeGeometry model;
  spotlight::runtime::EncodeKeysFn encodeKeys = nullptr;
  spotlight::runtime::DecodeFn decode = nullptr;
  spotlight::runtime::DenseFn decodeDense = nullptr;
  spotlight::runtime::EncodeQueriesFn encodeQueries = nullptr;
  spotlight::runtime::SelectFn select = nullptr;
  ~spt_artifact();
};

#endif // SPOTLIGHT_RUNTIME_ARTIFACT_H
