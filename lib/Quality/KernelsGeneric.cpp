//===- KernelsGeneric.cpp - Kernels.h for any CPU -------------------------===//
#define SPOTLIGHT_KERNEL_NS generic
#include "KernelsImpl.inc"
