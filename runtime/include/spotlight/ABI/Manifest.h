//===- Manifest.h - The manifest an artifact carries ------------*- C++ -*-===//
//
// An artifact exports its manifest as the NUL-terminated string
// `spotlight_manifest`: one `key = value` line per geometry field, the
// signature of every entry point, and a checksum of all lines before it.
// The runtime trusts nothing in an artifact it cannot check: a manifest
// edited after compilation fails its checksum, and one whose geometry
// disagrees with the recorded signatures is refused.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_ABI_MANIFEST_H
#define SPOTLIGHT_ABI_MANIFEST_H

#include "spotlight/ABI/Geometry.h"

#include <string>

namespace spotlight::abi {

/// The exported symbol holding the manifest.
constexpr const char *kManifestSymbol = "spotlight_manifest";
/// The first line of every manifest of this ABI version.
constexpr const char *kManifestFormat = "spotlight-artifact-7";
/// The module attribute that carries the manifest through the compiler.
constexpr const char *kManifestAttribute = "spotlight.manifest";

/// The geometry fields of a manifest (`key = value` lines), for messages
/// and for cache keys.
std::string describeGeometry(const DecodeGeometry &model);

/// The manifest of an artifact compiled for `model` (its target included).
std::string writeManifest(const DecodeGeometry &model);

/// Parses the geometry fields of a manifest (the checksum and signatures
/// are not checked: what the compiler reads from a module's attribute, and
/// checks against the module itself). False with a message on a bad field.
bool parseGeometry(const std::string &text, DecodeGeometry &model,
                   std::string &error);

/// Parses and checks an artifact's manifest: format, checksum, every field, the
/// geometry's consistency and the recorded entry-point signatures. False
/// with a message on the first problem.
bool parseManifest(const std::string &text, DecodeGeometry &model,
                   std::string &error);

} // namespace spotlight::abi

#endif // SPOTLIGHT_ABI_MANIFEST_H
