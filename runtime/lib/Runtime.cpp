//===- Runtime.cpp - The Spotlight runtime --------------------------------===//
//
// What every part of the C API shares: this thread's last error, the names
// of statuses and the description of devices. The steps are in Decoder.cpp
// (the engines' path, DecoderAPI.cpp) and PagedCache.cpp (the runtime's
// own cache).
//
//===----------------------------------------------------------------------===//

#include "spotlight/runtime.h"

#include "Artifact.h"
#include "Device.h"
#include "MemRef.h"
#include "Status.h"
#include "Tensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using spotlight::DecodeGeometry;
using namespace spotlight::runtime;

namespace {
thread_local std::string lastError;
} // namespace

spt_status spotlight::runtime::fail(spt_status status,
                                    const std::string &message) {
  lastError = message;
  return status;
}

extern "C" {

const char *spt_last_error(void) { return lastError.c_str(); }

const char *spt_status_name(spt_status status) {
  switch (status) {
  case SPT_OK:
    return "SPT_OK";
  case SPT_ERROR_INVALID_ARGUMENT:
    return "SPT_ERROR_INVALID_ARGUMENT";
  case SPT_ERROR_SHAPE:
    return "SPT_ERROR_SHAPE";
  case SPT_ERROR_TYPE:
    return "SPT_ERROR_TYPE";
  case SPT_ERROR_CAPACITY:
    return "SPT_ERROR_CAPACITY";
  case SPT_ERROR_ARTIFACT:
    return "SPT_ERROR_ARTIFACT";
  case SPT_ERROR_NO_DEVICE:
    return "SPT_ERROR_NO_DEVICE";
  case SPT_ERROR_OUT_OF_MEMORY:
    return "SPT_ERROR_OUT_OF_MEMORY";
  case SPT_ERROR_DEVICE:
    return "SPT_ERROR_DEVICE";
  }
  return "SPT_ERROR_UNKNOWN";
}

spt_status spt_device_query(spt_device device, spt_device_info *info) {
  return guarded("spt_device_query", [&]() -> spt_status {
    if (!info)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_device_query: null info");
    if (!isKnownDevice(device))
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    if (device == SPT_DEVICE_CUDA)
      return queryCUDADevice(*info);
    if (device != SPT_DEVICE_CPU)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    *info = spt_device_info{};
    std::snprintf(info->name, sizeof(info->name), "CPU (%u threads)",
                  std::max(1u, std::thread::hardware_concurrency()));
    return SPT_OK;
  });
}

} // extern "C"
