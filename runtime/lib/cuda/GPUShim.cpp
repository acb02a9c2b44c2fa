//===- GPUShim.cpp - The mgpu* functions CUDA artifacts call --------------===//

#include "GPUShim.h"

#include "spotlight/ABI/GPUSymbols.h"

#include <algorithm>
#include <dlfcn.h>
#include <mutex>
#include <unordered_map>

namespace spotlight::runtime::cuda {
namespace {
/// A kernel image registered by an artifact, loaded into the driver lazily.
/// Its own mutex guards loading and lookups, so a long PTX JIT of one
/// module never holds the registry, which dlopen/dlclose (artifact
/// constructors and destructors, under the loader's lock) also take.
struct LazyModule {
  const void *image;
  bool isPTX;
  const void *objectBase; ///< the shared object embedding the image
  std::mutex mutex;
  CUmodule module = nullptr;
  std::unordered_map<const char *, CUfunction> functions;
};

/// The registered kernel images. Never destroyed: an artifact left loaded
/// at exit unregisters its image from a destructor that runs after this
/// library's static objects are gone.
struct Registry {
  std::mutex mutex; ///< guards `modules` only
  std::vector<LazyModule *> modules;
};
Registry &registry() {
  static Registry *instance = new Registry;
  return *instance;
}

thread_local const Binding *bound = nullptr;
thread_local CUresult failureResult = CUDA_SUCCESS;
thread_local std::string failureMessage;

void recordFailure(CUresult result, const std::string &what) {
  if (failureResult != CUDA_SUCCESS)
    return; // the first failure explains the rest
  failureResult = result;
  failureMessage = what;
}

bool failed() { return failureResult != CUDA_SUCCESS; }

/// The driver: the bound one, else loaded on demand (for callers outside
/// the runtime's work items).
const Driver *driver() {
  if (bound)
    return bound->driver;
  std::string error;
  const Driver *d = loadDriver(error);
  if (!d)
    recordFailure(-1, error);
  else
    d->makeCurrent();
  return d;
}

/// Runs a driver call, recording a failure as "<what>: <CUDA error>".
bool check(const Driver &d, CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  recordFailure(result, std::string(what) + " failed: " + d.describe(result));
  return false;
}

/// Loads `m` into the driver if it is not yet; `m.mutex` must be held.
CUresult ensureLoaded(LazyModule &m, const Driver &d) {
  if (m.module)
    return CUDA_SUCCESS;
  CUmodule loaded = nullptr;
  CUresult result = d.cuModuleLoadData(&loaded, m.image);
  if (result == CUDA_SUCCESS)
    m.module = loaded;
  return result;
}

const char *loadingWhat(const LazyModule &m) {
  return m.isPTX ? "loading the kernels (JIT-compiling their PTX)"
                 : "loading the kernels (fatbin: cubin + PTX)";
}

LazyModule *registerModule(const void *image, bool isPTX) {
  Dl_info info{};
  const void *base = dladdr(image, &info) ? info.dli_fbase : nullptr;
  auto *m = new LazyModule{image, isPTX, base};
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().modules.push_back(m);
  return m;
}
} // namespace

Arena::~Arena() {
  reset();
  if (block)
    driver.cuMemFree(block);
}

CUdeviceptr Arena::allocate(size_t bytes, CUresult &result) {
  bytes = std::max<size_t>((bytes + 255) & ~size_t(255), 256);
  wanted += bytes;
  result = CUDA_SUCCESS;
  if (used + bytes <= capacity) {
    CUdeviceptr p = block + used;
    used += bytes;
    return p;
  }
  CUdeviceptr p = 0;
  result = driver.cuMemAlloc(&p, bytes);
  if (result != CUDA_SUCCESS)
    return 0;
  overflow.push_back(p);
  return p;
}

void Arena::reset() {
  for (CUdeviceptr p : overflow)
    driver.cuMemFree(p);
  overflow.clear();
  if (wanted > capacity) {
    if (block)
      driver.cuMemFree(block);
    block = 0;
    capacity = 0;
    if (driver.cuMemAlloc(&block, wanted) == CUDA_SUCCESS)
      capacity = wanted;
    else
      block = 0; // later steps fall back to one allocation per buffer
  }
  used = 0;
  wanted = 0;
}

void bindThread(const Binding *binding) { bound = binding; }

bool takeFailure(CUresult &result, std::string &message) {
  if (!failed())
    return false;
  result = failureResult;
  message = failureMessage;
  failureResult = CUDA_SUCCESS;
  failureMessage.clear();
  return true;
}

bool loadModulesOf(const void *objectBase, const Driver &driver,
                   std::string &error) {
  if (!objectBase) {
    error = "the artifact's address is unknown";
    return false;
  }
  std::vector<LazyModule *> mine;
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    for (LazyModule *m : registry().modules)
      if (m->objectBase == objectBase)
        mine.push_back(m);
  }
  if (mine.empty()) {
    error = "the artifact registered no kernel image";
    return false;
  }
  for (LazyModule *m : mine) {
    std::lock_guard<std::mutex> lock(m->mutex);
    if (CUresult result = ensureLoaded(*m, driver)) {
      error =
          std::string(loadingWhat(*m)) + " failed: " + driver.describe(result);
      return false;
    }
  }
  return true;
}

} // namespace spotlight::runtime::cuda

using namespace spotlight::runtime::cuda;

// The signatures are those MLIR 22's gpu-to-llvm lowering and the
// gpu.binary translation emit for mgpu* (see the `declare` lines of a CUDA
// artifact's LLVM IR: `spotlight-compile --target=cuda -emit=llvm`); the
// artifact calls them as spotlight_mgpu* (spotlight/ABI/GPUSymbols.def).
extern "C" {

void *SPOTLIGHT_GPU_SYMBOL_NAME(ModuleLoad)(void *data, size_t /*size*/) {
  return registerModule(data, /*isPTX=*/false);
}

void *SPOTLIGHT_GPU_SYMBOL_NAME(ModuleLoadJIT)(void *data, int /*optLevel*/) {
  return registerModule(data, /*isPTX=*/true);
}

void SPOTLIGHT_GPU_SYMBOL_NAME(ModuleUnload)(void *handle) {
  auto *m = static_cast<LazyModule *>(handle);
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    auto &modules = registry().modules;
    modules.erase(std::remove(modules.begin(), modules.end(), m),
                  modules.end());
  }
  std::string error;
  if (m->module)
    if (const Driver *d = loadDriver(error)) {
      d->makeCurrent();
      d->cuModuleUnload(m->module);
    }
  delete m;
}

void *SPOTLIGHT_GPU_SYMBOL_NAME(ModuleGetFunction)(void *handle,
                                                   const char *name) {
  const Driver *d = driver();
  if (!d || failed())
    return nullptr;
  auto *m = static_cast<LazyModule *>(handle);
  std::lock_guard<std::mutex> lock(m->mutex);
  auto it = m->functions.find(name);
  if (it != m->functions.end())
    return it->second;
  CUfunction function = nullptr;
  if (!check(*d, ensureLoaded(*m, *d), loadingWhat(*m)) ||
      !check(*d, d->cuModuleGetFunction(&function, m->module, name),
             "looking up a kernel"))
    return nullptr;
  m->functions.emplace(name, function);
  return function;
}

void SPOTLIGHT_GPU_SYMBOL_NAME(LaunchKernel)(
    void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
    intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t sharedBytes,
    void *stream, void **params, void **extra, size_t /*paramCount*/) {
  const Driver *d = driver();
  if (!d || failed() || !function)
    return;
  check(*d,
        d->cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                          gridZ, blockX, blockY, blockZ, sharedBytes,
                          static_cast<CUstream>(stream), params, extra),
        "launching a kernel");
}

void *SPOTLIGHT_GPU_SYMBOL_NAME(StreamCreate)() {
  if (bound)
    return bound->stream;
  const Driver *d = driver();
  CUstream stream = nullptr;
  if (d)
    check(*d, d->cuStreamCreate(&stream, 0), "creating a stream");
  return stream;
}

void SPOTLIGHT_GPU_SYMBOL_NAME(StreamSynchronize)(void *stream) {
  if (bound && stream == bound->stream)
    return; // the runtime waits for all of its streams after the step
  if (const Driver *d = driver())
    check(*d, d->cuStreamSynchronize(static_cast<CUstream>(stream)),
          "synchronizing a stream");
}

void SPOTLIGHT_GPU_SYMBOL_NAME(StreamDestroy)(void *stream) {
  if (bound && stream == bound->stream)
    return;
  if (const Driver *d = driver())
    d->cuStreamDestroy(static_cast<CUstream>(stream));
}

void *SPOTLIGHT_GPU_SYMBOL_NAME(MemAlloc)(uint64_t bytes, void * /*stream*/,
                                          bool hostShared) {
  const Driver *d = driver();
  if (!d || failed())
    return nullptr;
  if (hostShared) {
    recordFailure(-1, "host-shared GPU allocations are not supported");
    return nullptr;
  }
  CUresult result = CUDA_SUCCESS;
  CUdeviceptr p = 0;
  if (bound)
    p = bound->arena->allocate(bytes, result);
  else
    result = d->cuMemAlloc(&p, bytes);
  check(*d, result, "allocating GPU scratch memory");
  return reinterpret_cast<void *>(p);
}

void SPOTLIGHT_GPU_SYMBOL_NAME(MemFree)(void *memory, void * /*stream*/) {
  if (bound || !memory)
    return; // arena memory is released after the step
  if (const Driver *d = driver())
    d->cuMemFree(reinterpret_cast<CUdeviceptr>(memory));
}

void SPOTLIGHT_GPU_SYMBOL_NAME(Memcpy)(void *dst, void *src, size_t bytes,
                                       void *stream) {
  const Driver *d = driver();
  if (!d || failed())
    return;
  check(*d,
        d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                         reinterpret_cast<CUdeviceptr>(src), bytes,
                         static_cast<CUstream>(stream)),
        "copying GPU memory");
}

} // extern "C"

/// Fails to compile when a function of the ABI's table is not defined above.
[[maybe_unused]] static void *const definedGPUSymbols[] = {
#define SPOTLIGHT_GPU_SYMBOL(name)                                             \
  reinterpret_cast<void *>(&SPOTLIGHT_GPU_SYMBOL_NAME(name)),
#include "spotlight/ABI/GPUSymbols.def"
};
