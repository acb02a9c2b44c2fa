//===- AsanDefaults.cpp - ASan options of the sanitizer build -------------===//
//
// Linked into every binary of a SPOTLIGHT_ENABLE_SANITIZERS build. LLVM and
// MLIR come uninstrumented from Debian, but their allocators' inline code
// (llvm/Support/Allocator.h) is compiled into our instrumented code, which
// poisons slabs that libMLIR.so then fills without unpoisoning: a false
// use-after-poison. Manual poisoning is therefore off. Allocations beyond
// memory return null (the runtime must report them as a status).
//
//===----------------------------------------------------------------------===//

extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0:allocator_may_return_null=1";
}
