//===- ArtifactFuzzer.cpp - Fuzz the artifact loader ----------------------===//
//
// spt_artifact_load, spt_artifact_geometry and spt_artifact_free on a file
// made from the input. The first byte picks how:
//
//   0  raw       the rest of the input is the file;
//   1  truncated the valid artifact ($SPOTLIGHT_FUZZ_ARTIFACT, compiled by
//                scripts/fuzz.sh) cut to a length the input picks;
//   2  manifest  the valid artifact whose manifest string is replaced by the
//                rest of the input (with a correct checksum line appended
//                unless the next byte is odd), NUL padded to its size;
//   3  headers   the valid artifact with bytes of its ELF header and program
//                and section header tables overwritten by the input.
//
// Why not dlopen anything: the loader cannot be made safe against a
// hostile but well-formed ELF file. dlopen trusts the file: its relocations
// write where they say, its constructors run, its DT_NEEDED entries load
// other libraries. The runtime validates the file's structure first
// (runtime/lib/ArtifactFile.cpp: regular, complete, headers inside the
// file), which is what can be checked. So the target runs that check
// (checkArtifactFile, exported by the runtime library) on every file; when
// the check refuses, spt_artifact_load must refuse too, with
// SPT_ERROR_ARTIFACT and a message and without calling dlopen; when it
// accepts, the file is handed to dlopen only if its code is the valid
// artifact's: in modes 1 (a prefix whose segments are all complete) and 2
// (only manifest bytes differ), and in mode 3 when the patch left the bytes
// unchanged. Raw or header-patched files that pass the check are not loaded.
//
//===----------------------------------------------------------------------===//

#include "ArtifactFile.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/runtime.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

[[noreturn]] void bug(const char *what) {
  std::fprintf(stderr, "fuzz-artifact: %s (last error: '%s')\n", what,
               spt_last_error());
  std::abort();
}

std::vector<unsigned char> valid;
/// Where the manifest string lies in `valid`, its NUL included.
size_t manifestOffset = 0, manifestSize = 0;
/// The end of the ELF header and the header tables in `valid`.
size_t headersEnd = 0;

/// FNV-1a of the runtime's manifest checksum (runtime/lib/ABI/Manifest.cpp).
std::string checksumLine(const std::string &text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text)
    hash = (hash ^ c) * 0x100000001b3ull;
  char line[64];
  std::snprintf(line, sizeof(line), "checksum = %016llx\n",
                static_cast<unsigned long long>(hash));
  return line;
}

/// The file under test, removed again when done: a fresh file (and inode)
/// for every input, so dlopen never confuses it with an earlier one.
struct TempFile {
  std::string path;
  explicit TempFile(const std::vector<unsigned char> &bytes) {
    const char *dir = std::getenv("TMPDIR");
    path = std::string(dir && *dir ? dir : "/tmp") + "/fuzz-artifact-XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0)
      bug("cannot create a temporary file");
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0)
        bug("cannot write a temporary file");
      done += static_cast<size_t>(n);
    }
    close(fd);
  }
  ~TempFile() { unlink(path.c_str()); }
};

/// Loads the file if the ELF check accepts it and `mayOpen`; checks that a
/// refusal is a clean one.
void load(const std::vector<unsigned char> &bytes, bool mayOpen) {
  TempFile file(bytes);
  const bool wellFormed =
      spotlight::runtime::checkArtifactFile(file.path.c_str()) == SPT_OK;
  if (wellFormed && !mayOpen)
    return;
  // Not null, so that a refusal is seen to reset it.
  static char sentinel;
  auto *artifact = reinterpret_cast<spt_artifact *>(&sentinel);
  spt_status status = spt_artifact_load(file.path.c_str(), &artifact);
  if (status != SPT_OK) {
    if (status != SPT_ERROR_ARTIFACT || artifact || !spt_last_error()[0])
      bug("a refused artifact without SPT_ERROR_ARTIFACT, a message and a "
          "null artifact");
    return;
  }
  if (!wellFormed)
    bug("spt_artifact_load accepted a file the ELF check refuses");
  spt_geometry geometry{};
  if (spt_artifact_geometry(artifact, &geometry) != SPT_OK)
    bug("spt_artifact_geometry failed on a loaded artifact");
  // What the runtime's consistency checks promise of a loaded artifact.
  if (geometry.query_heads <= 0 || geometry.kv_heads <= 0 ||
      geometry.head_dim <= 0 || geometry.query_heads % geometry.kv_heads ||
      geometry.selection_slots <= 0 || geometry.max_tokens <= 0)
    bug("a loaded artifact has an inconsistent geometry");
  spt_artifact_free(artifact);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *path = std::getenv("SPOTLIGHT_FUZZ_ARTIFACT");
  std::ifstream file(path ? path : "", std::ios::binary);
  valid.assign(std::istreambuf_iterator<char>(file),
               std::istreambuf_iterator<char>());
  const std::string format =
      std::string("format = ") + spotlight::abi::kManifestFormat + "\n";
  auto at = std::search(valid.begin(), valid.end(), format.begin(),
                        format.end());
  Elf64_Ehdr header{};
  if (valid.size() > sizeof(header))
    std::memcpy(&header, valid.data(), sizeof(header));
  if (at == valid.end() || header.e_phoff > valid.size()) {
    std::fprintf(stderr,
                 "fuzz-artifact: set SPOTLIGHT_FUZZ_ARTIFACT to a valid CPU "
                 "artifact (scripts/fuzz.sh compiles one)\n");
    std::exit(1);
  }
  manifestOffset = static_cast<size_t>(at - valid.begin());
  manifestSize = std::strlen(reinterpret_cast<const char *>(&*at)) + 1;
  headersEnd = std::min<size_t>(
      valid.size(),
      std::max<size_t>(sizeof(header), header.e_phoff + header.e_phnum *
                                                            sizeof(Elf64_Phdr)));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const uint8_t mode = data[0] % 4;
  FuzzedDataProvider in(data + 1, size - 1);
  switch (mode) {
  case 0:
    load(std::vector<unsigned char>(data + 1, data + size),
         /*mayOpen=*/false);
    break;
  case 1: {
    auto bytes = valid;
    bytes.resize(in.ConsumeIntegralInRange<size_t>(0, valid.size()));
    load(bytes, /*mayOpen=*/true);
    break;
  }
  case 2: {
    const bool withChecksum = !(in.ConsumeIntegral<uint8_t>() & 1);
    std::string text = in.ConsumeRemainingBytesAsString();
    if (withChecksum)
      text += checksumLine(text);
    auto bytes = valid;
    std::memset(&bytes[manifestOffset], 0, manifestSize);
    std::memcpy(&bytes[manifestOffset], text.data(),
                std::min(text.size(), manifestSize - 1));
    load(bytes, /*mayOpen=*/true);
    break;
  }
  case 3: {
    auto bytes = valid;
    Elf64_Ehdr header{};
    std::memcpy(&header, valid.data(), sizeof(header));
    const size_t sectionsEnd =
        header.e_shoff + size_t(header.e_shnum) * sizeof(Elf64_Shdr);
    while (in.remaining_bytes() >= 2) {
      // Mostly the ELF header and program headers, else the section table.
      size_t offset = in.ConsumeIntegralInRange<size_t>(0, headersEnd - 1);
      if (in.ConsumeBool() && sectionsEnd <= valid.size() &&
          header.e_shoff < sectionsEnd)
        offset = in.ConsumeIntegralInRange<size_t>(header.e_shoff,
                                                   sectionsEnd - 1);
      bytes[offset] = in.ConsumeIntegral<uint8_t>();
    }
    load(bytes, /*mayOpen=*/bytes == valid);
    break;
  }
  }
  return 0;
}
