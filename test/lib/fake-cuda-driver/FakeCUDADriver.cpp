//===- FakeCUDADriver.cpp - A CUDA driver without a GPU, for tests --------===//
//
// Exports the driver entry points the runtime opens (runtime/lib/cuda) so
// that its CUDA backend runs end to end on a machine without a GPU, with
// the runtime pointed here by $SPOTLIGHT_CUDA_DRIVER. It does not execute
// kernels; it checks how it is driven:
//  - device memory is host memory it tracks; every copy and memset must lie
//    inside one live allocation, every free must name one;
//  - a module image must be a cubin (ELF), a fatbin or PTX, and every kernel
//    looked up must be named in it; launches need a function of a loaded module
//    and a grid and block the hardware accepts;
// and counts what happened. Any breach is a "contract violation" the tests
// read back (fakeCudaViolations). Tests also make the n-th call of an entry
// point fail with a chosen CUDA error (fakeCudaFailCall).
//
//===----------------------------------------------------------------------===//

#include "CUDATypes.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

using namespace spotlight::runtime::cuda;

namespace {

constexpr CUresult kSuccess = 0, kInvalidValue = 1, kNotFound = 500,
                   kInvalidImage = 200, kInvalidHandle = 400;

struct Module;
struct Function {
  Module *module;
  std::string name;
};
struct Module {
  std::string image; ///< enough of it to find kernel names
  std::vector<std::unique_ptr<Function>> functions; ///< freed with the module
};

std::mutex mutex;
std::map<uintptr_t, size_t> allocations; ///< base -> bytes
std::map<std::string, long> launches;    ///< kernel name -> count
std::string violations;
long violationCount = 0;
std::string failingCall;
long failAfter = -1;
CUresult failWith = 0;
int dummyObject;

void violate(const std::string &what) {
  ++violationCount;
  violations += what + "\n";
}

/// The injected failure for `call`, if this is the chosen call.
CUresult injected(const char *call) {
  if (failingCall != call || failAfter < 0)
    return kSuccess;
  if (failAfter-- > 0)
    return kSuccess;
  failingCall.clear();
  return failWith;
}

/// Whether [p, p + bytes) lies in one live allocation.
bool inside(uintptr_t p, size_t bytes) {
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin())
    return false;
  --it;
  return p >= it->first && p + bytes <= it->first + it->second;
}

const char *errorName(CUresult r) {
  switch (r) {
  case 0:
    return "CUDA_SUCCESS";
  case 1:
    return "CUDA_ERROR_INVALID_VALUE";
  case 2:
    return "CUDA_ERROR_OUT_OF_MEMORY";
  case 100:
    return "CUDA_ERROR_NO_DEVICE";
  case 200:
    return "CUDA_ERROR_INVALID_IMAGE";
  case 209:
    return "CUDA_ERROR_NO_BINARY_FOR_GPU";
  case 218:
    return "CUDA_ERROR_INVALID_PTX";
  case 400:
    return "CUDA_ERROR_INVALID_HANDLE";
  case 500:
    return "CUDA_ERROR_NOT_FOUND";
  case 700:
    return "CUDA_ERROR_ILLEGAL_ADDRESS";
  default:
    return nullptr;
  }
}
} // namespace

extern "C" {

// --- Test controls -------------------------------------------------------

/// Makes call number `after` + 1 (from now) of `call` return `result`
/// (`call` without its version suffix: "cuMemAlloc", "cuLaunchKernel").
void fakeCudaFailCall(const char *call, long after, int result) {
  std::lock_guard<std::mutex> lock(mutex);
  failingCall = call;
  failAfter = after;
  failWith = result;
}
long fakeCudaLiveAllocations() {
  std::lock_guard<std::mutex> lock(mutex);
  return static_cast<long>(allocations.size());
}
/// Launches of kernels whose names start with `prefix` since the last reset.
long fakeCudaLaunches(const char *prefix) {
  std::lock_guard<std::mutex> lock(mutex);
  long total = 0;
  for (auto &[name, count] : launches)
    if (name.rfind(prefix, 0) == 0)
      total += count;
  return total;
}
void fakeCudaResetLaunches() {
  std::lock_guard<std::mutex> lock(mutex);
  launches.clear();
}
/// Every breach of the driver's contract so far, one per line.
const char *fakeCudaViolations() { return violations.c_str(); }

// --- Driver entry points ---------------------------------------------------

CUresult cuInit(unsigned) { return injected("cuInit"); }
CUresult cuDeviceGetCount(int *count) {
  *count = 1;
  return kSuccess;
}
CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  *device = ordinal;
  return kSuccess;
}
CUresult cuDeviceGetName(char *name, int length, CUdevice) {
  std::strncpy(name, "Fake GPU (no kernels run)", length);
  return kSuccess;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, CUdevice) {
  *value = attribute == 75 ? 9 : 0; // compute capability 9.0
  return kSuccess;
}
CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice) {
  *bytes = size_t(1) << 30;
  return kSuccess;
}
CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice) {
  *context = reinterpret_cast<CUcontext>(&dummyObject);
  return kSuccess;
}
CUresult cuCtxSetCurrent(CUcontext) { return kSuccess; }
CUresult cuGetErrorName(CUresult r, const char **name) {
  *name = errorName(r);
  return *name ? kSuccess : kInvalidValue;
}
CUresult cuGetErrorString(CUresult r, const char **text) {
  *text = errorName(r) ? "fake driver error" : nullptr;
  return *text ? kSuccess : kInvalidValue;
}

CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  std::lock_guard<std::mutex> lock(mutex);
  if (CUresult r = injected("cuModuleLoadData"))
    return r;
  const char *bytes = static_cast<const char *>(image);
  std::string text;
  if (std::memcmp(bytes,
                  "\x7f"
                  "ELF",
                  4) == 0) {
    // A cubin (ELF64): it ends with its section header table.
    uint64_t sectionHeaders;
    uint16_t entrySize, entries;
    std::memcpy(&sectionHeaders, bytes + 0x28, 8);
    std::memcpy(&entrySize, bytes + 0x3A, 2);
    std::memcpy(&entries, bytes + 0x3C, 2);
    text.assign(bytes, sectionHeaders + uint64_t(entrySize) * entries);
  } else if (std::memcmp(bytes, "\x50\xed\x55\xba", 4) == 0) {
    // A fatbin: a 16-byte header whose last 8 bytes size the entries; the
    // cubin entry is stored as it is, so its names can be found.
    uint16_t headerSize;
    uint64_t entriesSize;
    std::memcpy(&headerSize, bytes + 6, 2);
    std::memcpy(&entriesSize, bytes + 8, 8);
    text.assign(bytes, headerSize + entriesSize);
  } else if (std::strstr(bytes, ".version") && std::strstr(bytes, ".entry")) {
    text = bytes; // PTX
  } else {
    return kInvalidImage;
  }
  *module = reinterpret_cast<CUmodule>(new Module{std::move(text), {}});
  return kSuccess;
}
CUresult cuModuleUnload(CUmodule module) {
  delete reinterpret_cast<Module *>(module);
  return kSuccess;
}
CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  std::lock_guard<std::mutex> lock(mutex);
  auto *m = reinterpret_cast<Module *>(module);
  if (!m)
    return kInvalidHandle;
  // The name with a terminator, as the string table or `.entry name(` has it.
  if (m->image.find(std::string(name) + '\0') == std::string::npos &&
      m->image.find(std::string(name) + '(') == std::string::npos)
    return kNotFound;
  m->functions.push_back(std::make_unique<Function>(Function{m, name}));
  *function = reinterpret_cast<CUfunction>(m->functions.back().get());
  return kSuccess;
}
CUresult cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy,
                        unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, CUstream, void **params,
                        void **extra) {
  std::lock_guard<std::mutex> lock(mutex);
  if (CUresult r = injected("cuLaunchKernel"))
    return r;
  auto *f = reinterpret_cast<Function *>(function);
  if (!f)
    return kInvalidHandle;
  if (!gx || !gy || !gz || !bx || !by || !bz || bx * by * bz > 1024 ||
      shared > 48 * 1024 || (!params && !extra)) {
    violate("launch of " + f->name + " with grid " + std::to_string(gx) + "x" +
            std::to_string(gy) + "x" + std::to_string(gz) + ", block " +
            std::to_string(bx) + "x" + std::to_string(by) + "x" +
            std::to_string(bz));
    return kInvalidValue;
  }
  ++launches[f->name];
  return kSuccess;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  if (CUresult r = injected("cuMemAlloc"))
    return r;
  if (bytes == 0)
    return kInvalidValue;
  void *memory = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return 2;
  allocations[reinterpret_cast<uintptr_t>(memory)] = bytes;
  *p = reinterpret_cast<CUdeviceptr>(memory);
  return kSuccess;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!allocations.erase(p)) {
    violate("cuMemFree of an address that is not a live allocation");
    return kInvalidValue;
  }
  std::free(reinterpret_cast<void *>(p));
  return kSuccess;
}
CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char value, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!inside(p, bytes)) {
    violate("cuMemsetD8 outside an allocation");
    return kInvalidValue;
  }
  std::memset(reinterpret_cast<void *>(p), value, bytes);
  return kSuccess;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  if (CUresult r = injected("cuMemcpyHtoD"))
    return r;
  if (!inside(dst, bytes)) {
    violate("cuMemcpyHtoD of " + std::to_string(bytes) +
            " bytes outside an allocation");
    return kInvalidValue;
  }
  std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return kSuccess;
}
CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  if (CUresult r = injected("cuMemcpyDtoH"))
    return r;
  if (!inside(src, bytes)) {
    violate("cuMemcpyDtoH of " + std::to_string(bytes) +
            " bytes outside an allocation");
    return kInvalidValue;
  }
  std::memcpy(dst, reinterpret_cast<void *>(src), bytes);
  return kSuccess;
}
CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                       CUstream) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!inside(dst, bytes) || !inside(src, bytes)) {
    violate("cuMemcpyAsync of " + std::to_string(bytes) +
            " bytes outside an allocation");
    return kInvalidValue;
  }
  std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src),
               bytes);
  return kSuccess;
}

CUresult cuStreamCreate(CUstream *stream, unsigned) {
  *stream = reinterpret_cast<CUstream>(new int);
  return kSuccess;
}
CUresult cuStreamDestroy_v2(CUstream stream) {
  delete reinterpret_cast<int *>(stream);
  return kSuccess;
}
CUresult cuStreamSynchronize(CUstream) { return kSuccess; }
CUresult cuStreamWaitEvent(CUstream, CUevent, unsigned) { return kSuccess; }
CUresult cuEventCreate(CUevent *event, unsigned) {
  *event = reinterpret_cast<CUevent>(new int);
  return kSuccess;
}
CUresult cuEventDestroy_v2(CUevent event) {
  delete reinterpret_cast<int *>(event);
  return kSuccess;
}
CUresult cuEventRecord(CUevent, CUstream) { return kSuccess; }
CUresult cuEventSynchronize(CUevent) { return injected("cuEventSynchronize"); }
CUresult cuEventElapsedTime_v2(float *ms, CUevent, CUevent) {
  *ms = 0.25f;
  return kSuccess;
}

} // extern "C"

// Every entry point the runtime opens is defined above with its type.
#define SPOTLIGHT_CU_PFN(member, symbol, params)                               \
  static_assert(std::is_same_v<decltype(&symbol), CUresult(*) params>,         \
                #symbol " differs from runtime/lib/cuda/DriverSymbols.def");
#include "DriverSymbols.def"
