//===- ArtifactFile.cpp - Checking a file before dlopen maps it -----------===//

#include "ArtifactFile.h"

#include "Status.h"

#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace spotlight::runtime {
namespace {
/// Closes the descriptor on every path out.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// Reads exactly `size` bytes at `offset`; false on a short read.
bool readAt(int fd, void *to, size_t size, uint64_t offset) {
  auto *bytes = static_cast<char *>(to);
  while (size) {
    ssize_t got = ::pread(fd, bytes, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    bytes += got, size -= static_cast<size_t>(got), offset += got;
  }
  return true;
}

/// Whether [offset, offset + count * size) lies inside a file of `fileSize`
/// bytes, without overflowing.
bool inside(uint64_t offset, uint64_t count, uint64_t size, uint64_t fileSize) {
  if (count && size > fileSize / count)
    return false;
  return offset <= fileSize && count * size <= fileSize - offset;
}
} // namespace

spt_status checkArtifactFile(const char *path) {
  auto bad = [&](const std::string &why) {
    return fail(SPT_ERROR_ARTIFACT,
                std::string("cannot load artifact '") + path + "': " + why);
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  FileDescriptor file{::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0)
    return bad(std::strerror(errno));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0)
    return bad(std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return bad("not a regular file");
  const auto size = static_cast<uint64_t>(info.st_size);
  Elf64_Ehdr header{};
  if (size < sizeof(header) || !readAt(file.fd, &header, sizeof(header), 0))
    return bad("not an ELF shared object (too short)");
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return bad("not an ELF shared object");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB || header.e_type != ET_DYN ||
      header.e_machine != EM_X86_64)
    return bad("not a 64-bit x86-64 ELF shared object");
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 ||
      !inside(header.e_phoff, header.e_phnum, sizeof(Elf64_Phdr), size))
    return bad("truncated or corrupt (program headers)");
  if (header.e_shnum &&
      (header.e_shentsize != sizeof(Elf64_Shdr) ||
       !inside(header.e_shoff, header.e_shnum, sizeof(Elf64_Shdr), size)))
    return bad("truncated or corrupt (section headers)");
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  if (!readAt(file.fd, segments.data(), segments.size() * sizeof(Elf64_Phdr),
              header.e_phoff))
    return bad("truncated or corrupt (program headers)");
  for (const Elf64_Phdr &segment : segments)
    if (!inside(segment.p_offset, 1, segment.p_filesz, size))
      return bad("truncated (a segment ends past the end of the file)");
  return SPT_OK;
}

} // namespace spotlight::runtime
