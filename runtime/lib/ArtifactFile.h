//===- ArtifactFile.h - Checking a file before dlopen maps it ---*- C++ -*-===//
//
// dlopen trusts the file it maps: a truncated shared object faults (SIGBUS)
// when the loader touches a missing page, and a FIFO blocks it forever. An
// artifact is therefore checked first: a regular file holding a complete
// ELF shared object for this machine, every header and segment inside it.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_ARTIFACTFILE_H
#define SPOTLIGHT_RUNTIME_ARTIFACTFILE_H

#include "spotlight/runtime.h"

namespace spotlight::runtime {

/// SPT_OK when `path` can be handed to dlopen; SPT_ERROR_ARTIFACT with a
/// message saying what is wrong otherwise.
spt_status checkArtifactFile(const char *path);

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_ARTIFACTFILE_H
