//===- KernelsAVX512.cpp - Kernels.h for AVX-512 CPUs ---------------------===//
#define SPOTLIGHT_KERNEL_NS avx512
#include "KernelsImpl.inc"
