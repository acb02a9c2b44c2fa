// The paged step's kernels (query hash, score, select, attend; dense;
// cache_write), through NVVM to PTX, are accepted by ptxas for sm_80 and
// sm_90 with no local-memory spills; the pools (K and V rows) are read
// with 16-byte loads, and the last split block orders its count with fences.
// REQUIRES: ptxas

// RUN: spotlight-compile %S/paged.mlir --target=cuda --chip=sm_80 -emit=ptx -o %t.sm80.ptx
// RUN: FileCheck %s --check-prefix=PTX80 < %t.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sm80.ptx -o %t.sm80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS80
// RUN: spotlight-compile %S/paged.mlir --target=cuda --chip=sm_90 -emit=ptx -o %t.sm90.ptx
// RUN: FileCheck %s --check-prefix=PTX90 < %t.sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.sm90.ptx -o %t.sm90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS

// PTX80: .target sm_80
// PTX80: .global .align 4 .b8 __spotlight_split_counters_16[64];
// PTX80: ld.global.v4.b32
// PTX80: fence.acq_rel.sys
// PTX80: atom.global.add.u32
// PTX90: .target sm_90
// PTX90: ld.global.v4.b32
// PTX90: st.global.v4.b32

// sm_80: six kernels, no spills (the attention kernel keeps its value
// accumulators in registers across the split, 4 heads x 8 columns).
// PTXAS80-NOT: error
// PTXAS80-COUNT-6: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS80-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS80-NOT: error

// sm_90: six kernels (the step's four, dense, cache_write), no spills.
// PTXAS-NOT: error
// PTXAS-COUNT-6: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
// PTXAS-NOT: error
