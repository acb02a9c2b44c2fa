//===- CompiledArtifacts.h - Artifacts built by spotlight-compile -*- C++ -*-=//
//
// For the tests that drive the runtime: compiles the artifact of a geometry
// once per run with the spotlight-compile the build made (the SPOTLIGHT_COMPILE
// definition of the test target).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_SUPPORT_COMPILEDARTIFACTS_H
#define SPOTLIGHT_UNITTESTS_SUPPORT_COMPILEDARTIFACTS_H

#include "spotlight/ABI/Manifest.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <stdlib.h>
#include <string>

namespace spotlight::testing {

/// The path of the CPU artifact for `g`, compiled on first use.
inline std::string artifactFor(const DecodeGeometry &g) {
  static std::map<std::string, std::string> built;
  std::string key = abi::describeGeometry(g);
  auto it = built.find(key);
  if (it != built.end())
    return it->second;
  static std::string dir = [] {
    char tmpl[] = "/tmp/spotlight-runtime-test-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  std::string path = dir + "/a" + std::to_string(built.size()) + ".spt";
  std::string cmd =
      std::string(SPOTLIGHT_COMPILE) + " -o " + path + " --qh " +
      std::to_string(g.queryHeads) + " --kh " + std::to_string(g.kvHeads) +
      " --d " + std::to_string(g.headDim) + " --code-heads " +
      (g.codeHeads == g.queryHeads ? "qh" : "kh") + " --dtype " +
      elementTypeName(g.dtype) + " --mode " + (g.headMode ? "head" : "group") +
      " --sink " + std::to_string(g.sink) + " --window " +
      std::to_string(g.window) + " --max-tokens " +
      std::to_string(g.maxTokens) + " --page-size " +
      std::to_string(g.pageSize) + " --budget " +
      (g.budgetCount ? std::to_string(g.budgetCount) : std::string("0.02"));
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  built[key] = path;
  return path;
}

} // namespace spotlight::testing

#endif // SPOTLIGHT_UNITTESTS_SUPPORT_COMPILEDARTIFACTS_H
