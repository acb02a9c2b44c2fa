//===- KernelsAVX2.cpp - Kernels.h for AVX2 + FMA CPUs --------------------===//
#define SPOTLIGHT_KERNEL_NS avx2
#include "KernelsImpl.inc"
