//===- OutputFile.h - Write a file without losing data on failure -*- C++ -*-=//
//
// Every writer of the I/O library goes through writeFileSafely, so that a
// failed write (a full disk, a quota, a killed process) never destroys the
// file that was there before, and never removes anything it did not create.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_SUPPORT_IO_OUTPUTFILE_H
#define SPOTLIGHT_SUPPORT_IO_OUTPUTFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace spotlight::io {

/// Writes `path` with the bytes `write` streams:
///  - a regular file (new, or existing, also through a symbolic link) is
///    written to a temporary file in the same directory that is renamed over
///    it only once complete; on failure the temporary file is removed and
///    `path` is left as it was;
///  - "-" is standard output;
///  - anything else that exists (a device such as /dev/null or /dev/full, a
///    FIFO) is written in place, and never removed or replaced.
/// Returns false and sets `error` on failure (write errors included).
bool writeFileSafely(const std::string &path,
                     llvm::function_ref<void(llvm::raw_ostream &)> write,
                     std::string &error);

} // namespace spotlight::io

#endif // SPOTLIGHT_SUPPORT_IO_OUTPUTFILE_H
