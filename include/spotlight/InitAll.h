//===- InitAll.h - Registration for spotlight tools -------------*- C++ -*-===//

#ifndef SPOTLIGHT_INITALL_H
#define SPOTLIGHT_INITALL_H

namespace mlir {
class DialectRegistry;
namespace spotlight {

/// Every upstream dialect and extension, the LLVM IR translations and the
/// spotlight dialect: what a tool needs to parse, lower and translate a
/// decode module.
void registerSpotlightToolDialects(DialectRegistry &registry);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_INITALL_H
