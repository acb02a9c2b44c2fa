//===- Status.h - Failing with a status and a message -----------*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_STATUS_H
#define SPOTLIGHT_RUNTIME_STATUS_H

#include "spotlight/runtime.h"

#include <string>

namespace spotlight::runtime {

/// Records `message` as this thread's spt_last_error() and returns `status`.
spt_status fail(spt_status status, const std::string &message);

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_STATUS_H
