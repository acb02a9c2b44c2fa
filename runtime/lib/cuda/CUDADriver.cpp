//===- CUDADriver.cpp - The CUDA driver API, loaded with dlopen -----------===//

#include "CUDADriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

namespace spotlight::runtime::cuda {
namespace {
/// Looks up the first of `names` the library exports.
template <typename Fn>
bool bind(void *library, Fn &slot, std::initializer_list<const char *> names,
          std::string &missing) {
  for (const char *name : names)
    if (void *symbol = dlsym(library, name)) {
      slot = reinterpret_cast<Fn>(symbol);
      return true;
    }
  missing = *names.begin();
  return false;
}

bool bindAll(void *lib, Driver &d, std::string &missing) {
#define SPOTLIGHT_CU_PFN(member, symbol, params)                               \
  if (!bind(lib, d.member, {#symbol, #member}, missing))                       \
    return false;
#include "DriverSymbols.def"
  return true;
}

/// Opens the driver and retains the primary context of the chosen device.
const Driver *open(std::string &error) {
  const char *path = std::getenv("SPOTLIGHT_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    error = std::string("no CUDA device: the CUDA driver (") + path +
            ") cannot be loaded";
    return nullptr;
  }
  // Never destroyed: artifacts left loaded at exit unload their kernels
  // after this library's static objects are gone.
  Driver &driver = *new Driver();
  std::string missing;
  if (!bindAll(library, driver, missing)) {
    error = std::string("no CUDA device: the CUDA driver (") + path +
            ") lacks " + missing + " (driver too old?)";
    return nullptr;
  }
  int count = 0;
  CUresult result = driver.cuInit(0);
  if (result == CUDA_SUCCESS)
    result = driver.cuDeviceGetCount(&count);
  if (result != CUDA_SUCCESS || count == 0) {
    error = "no CUDA device: the driver reports no usable GPU" +
            (result != CUDA_SUCCESS ? " (" + driver.describe(result) + ")"
                                    : std::string());
    return nullptr;
  }
  long ordinal = 0;
  if (const char *chosen = std::getenv("SPOTLIGHT_CUDA_DEVICE")) {
    char *end = nullptr;
    ordinal = std::strtol(chosen, &end, 10);
    if (end == chosen || *end || ordinal < 0 || ordinal >= count) {
      error = std::string("no CUDA device: SPOTLIGHT_CUDA_DEVICE=") + chosen +
              " is not a device ordinal below the driver's " +
              std::to_string(count) + " GPU(s)";
      return nullptr;
    }
  }
  char name[256] = {};
  int major = 0, minor = 0;
  if ((result = driver.cuDeviceGet(&driver.device, int(ordinal))) ||
      (result =
           driver.cuDevicePrimaryCtxRetain(&driver.context, driver.device)) ||
      (result =
           driver.cuDeviceGetName(name, sizeof(name) - 1, driver.device)) ||
      (result = driver.cuDeviceGetAttribute(
           &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
           driver.device)) ||
      (result = driver.cuDeviceGetAttribute(
           &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
           driver.device)) ||
      (result = driver.cuDeviceTotalMem(&driver.memoryBytes, driver.device))) {
    error = "no CUDA device: cannot open GPU " + std::to_string(ordinal) +
            ": " + driver.describe(result);
    return nullptr;
  }
  driver.deviceName = name;
  driver.computeCapability = 10 * major + minor;
  return &driver;
}
} // namespace

std::string Driver::describe(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return "CUDA error " + std::to_string(result);
  std::string out = name;
  if (cuGetErrorString(result, &text) == CUDA_SUCCESS && text)
    out += std::string(" (") + text + ")";
  return out;
}

const Driver *loadDriver(std::string &error) {
  static std::once_flag once;
  static const Driver *driver = nullptr;
  static const std::string *why = nullptr; // never destroyed, as the driver
  std::call_once(once, [] {
    auto *message = new std::string;
    driver = open(*message);
    why = message;
  });
  error = *why;
  return driver;
}

} // namespace spotlight::runtime::cuda
