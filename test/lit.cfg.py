# -*- Python -*-
import os
import platform
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SPOTLIGHT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.spotlight_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%spotlight_src_root", config.spotlight_src_root))
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# `not` and FileCheck may start a RUN line.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.spotlight_tools_dir, config.llvm_tools_dir]
tools = ["spotlight-opt", "spotlight-compile", "spotlight-run",
         "spotlight-testgen", "spotlight-npy-compare", "spotlight-train",
         "spotlight-eval", "mlir-runner", "llvm-nm"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
config.substitutions.append(
    ("%mlir_lib_dir", os.path.join(config.llvm_tools_dir, "..", "lib")))

# A libcuda stand-in that runs no kernels but checks how it is driven
# (test/lib/fake-cuda-driver): the CUDA paths of the tools without a GPU.
config.substitutions.append(
    ("%fake_cuda_driver",
     os.path.join(config.spotlight_obj_root, "lib",
                  "libspotlight-fake-cuda-driver.so")))

config.substitutions.append(
    ("%spotlight_runtime_lib",
     os.path.join(config.spotlight_obj_root, "lib", "libspotlight_runtime.so")))

# An ASan/UBSan build (SPOTLIGHT_ENABLE_SANITIZERS): its libraries cannot be
# loaded into an uninstrumented host process such as python.
if config.spotlight_sanitizers.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")

# x86-64 hosts: tests of CPU names and features of that architecture.
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64")

# `ptxas` validates emitted PTX where the CUDA toolkit is installed.
cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
ptxas = shutil.which("ptxas") or os.path.join(cuda_home, "bin", "ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
