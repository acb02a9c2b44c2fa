//===- OutputFile.cpp - Write a file without losing data on failure -------===//
//
// The temporary file is created here rather than with sys::fs::TempFile,
// whose name model turns every '%' of the output path into a random
// character (a path with '%' would land in another directory), and whose
// keep() falls back to copying when the rename fails.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/OutputFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

namespace spotlight::io {
namespace fs = llvm::sys::fs;

namespace {

bool fail(std::string &error, std::string message) {
  error = std::move(message);
  return false;
}

/// Takes the stream's error, if any, clearing it (raw_fd_ostream otherwise
/// aborts the process when destroyed with an error pending).
std::string takeError(llvm::raw_fd_ostream &os) {
  if (!os.has_error())
    return "";
  std::string message = os.error().message();
  os.clear_error();
  return message;
}

/// Devices and FIFOs: nothing can be renamed over them, and they must never
/// be removed (as root, removing /dev/full removes it for the whole system).
bool writeInPlace(const std::string &path,
                  llvm::function_ref<void(llvm::raw_ostream &)> write,
                  std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, fs::OF_None);
  if (ec)
    return fail(error,
                "cannot open '" + path + "' for writing: " + ec.message());
  write(os);
  os.close();
  std::string message = takeError(os);
  if (!message.empty())
    return fail(error, "error writing '" + path + "': " + message);
  return true;
}

} // namespace

bool writeFileSafely(const std::string &path,
                     llvm::function_ref<void(llvm::raw_ostream &)> write,
                     std::string &error) {
  if (path == "-") {
    llvm::outs().flush();
    write(llvm::outs());
    llvm::outs().flush();
    if (!llvm::outs().has_error())
      return true;
    llvm::outs().clear_error();
    return fail(error, "cannot write to standard output");
  }
  fs::file_status status;
  const bool exists = !fs::status(path, status);
  if (exists && fs::is_directory(status))
    return fail(error, "cannot write '" + path + "': it is a directory");
  if (exists && !fs::is_regular_file(status))
    return writeInPlace(path, write, error);

  // Through a symbolic link, replace the link's target and keep the link.
  llvm::SmallString<256> target(path);
  if (exists && fs::real_path(path, target))
    target = path;

  // A new name in the same directory, so that the rename stays on one file
  // system and is atomic.
  std::string temp;
  int fd = -1;
  std::error_code ec;
  for (int attempt = 0; attempt < 64; ++attempt) {
    temp = (llvm::Twine(target) + ".tmp-" +
            llvm::utohexstr(llvm::sys::Process::GetRandomNumber()))
               .str();
    ec = fs::openFileForWrite(temp, fd, fs::CD_CreateNew, fs::OF_None);
    if (ec != std::errc::file_exists)
      break;
  }
  if (ec)
    return fail(error, "cannot write '" + path +
                           "': cannot create a temporary file next to it: " +
                           ec.message());
  llvm::sys::RemoveFileOnSignal(temp);
  auto discard = [&](const std::string &message) {
    fs::remove(temp);
    llvm::sys::DontRemoveFileOnSignal(temp);
    return fail(error, message);
  };
  if (exists)
    (void)fs::setPermissions(fd, status.permissions());

  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  write(os);
  os.close();
  std::string message = takeError(os);
  if (!message.empty())
    return discard("error writing '" + path + "': " + message);
  if (std::error_code renameError = fs::rename(temp, target))
    return discard("cannot write '" + path + "': " + renameError.message());
  llvm::sys::DontRemoveFileOnSignal(temp);
  return true;
}

} // namespace spotlight::io
