//===- OutputFileTest.cpp - A failed write loses no data ------------------===//
//
// Write failures are provoked with RLIMIT_FSIZE (SIGXFSZ ignored, so writes
// past the limit fail with EFBIG) and with /dev/full.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Support/IO/OutputFile.h"
#include "spotlight/Support/IO/ArrayFile.h"
#include "spotlight/Support/IO/SafetensorsWriter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace spotlight::io;

namespace {

/// A fresh, empty directory per test.
std::string tempDir() {
  const ::testing::TestInfo *info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = ::testing::TempDir() + "outputfile_" +
                    info->test_suite_name() + "_" + info->name();
  llvm::sys::fs::remove_directories(dir);
  llvm::sys::fs::create_directories(dir);
  return dir;
}

std::string readText(const std::string &path) {
  std::ifstream stream(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(stream),
                     std::istreambuf_iterator<char>());
}

void writeText(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// Names in `dir`, to see that no temporary file is left behind.
std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec))
    names.push_back(llvm::sys::path::filename(it->path()).str());
  std::sort(names.begin(), names.end());
  return names;
}

Array bigArray() {
  Array a;
  a.dtype = DType::F32;
  a.shape = {4096};
  a.bytes.assign(4096 * 4, 0x3f);
  return a;
}

/// Makes writes beyond `bytes` fail (EFBIG) while alive.
class FileSizeLimit {
public:
  explicit FileSizeLimit(rlim_t bytes) {
    oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit limit = old;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, oldHandler);
  }

private:
  rlimit old;
  void (*oldHandler)(int);
};

TEST(OutputFile, ReplacesAnExistingFileWhole) {
  const std::string dir = tempDir(), path = dir + "/a.npy";
  writeText(path, "old contents");
  chmod(path.c_str(), 0640);
  std::string error;
  ASSERT_TRUE(writeNpy(path, bigArray(), error)) << error;
  Array back;
  ASSERT_TRUE(readNpy(path, back, error)) << error;
  EXPECT_EQ(back.bytes, bigArray().bytes);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "permissions of the replaced file";
  EXPECT_EQ(listDir(dir), std::vector<std::string>{"a.npy"});
}

TEST(OutputFile, FailedWriteKeepsTheOldFile) {
  const std::string dir = tempDir();
  const std::string npy = dir + "/a.npy", st = dir + "/w.safetensors";
  writeText(npy, "precious npy");
  writeText(st, "precious safetensors");
  std::string error;
  {
    FileSizeLimit limit(1024);
    EXPECT_FALSE(writeNpy(npy, bigArray(), error));
    EXPECT_NE(error.find("error writing"), std::string::npos) << error;
    EXPECT_FALSE(writeSafetensors(st, {{"w", bigArray()}}, error));
    EXPECT_NE(error.find("error writing"), std::string::npos) << error;
  }
  EXPECT_EQ(readText(npy), "precious npy");
  EXPECT_EQ(readText(st), "precious safetensors");
  EXPECT_EQ(listDir(dir), (std::vector<std::string>{"a.npy", "w.safetensors"}))
      << "a temporary file was left behind";
}

TEST(OutputFile, DevicesAreWrittenInPlaceAndNeverRemoved) {
  std::string error;
  EXPECT_TRUE(writeNpy("/dev/null", bigArray(), error)) << error;
  struct stat st;
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  if (stat("/dev/full", &st) != 0)
    GTEST_SKIP() << "no /dev/full";
  EXPECT_FALSE(writeNpy("/dev/full", bigArray(), error));
  EXPECT_NE(error.find("/dev/full"), std::string::npos) << error;
  ASSERT_EQ(stat("/dev/full", &st), 0) << "/dev/full was removed";
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/full was replaced";
}

TEST(OutputFile, SymbolicLinksStayLinks) {
  const std::string dir = tempDir();
  const std::string target = dir + "/target.npy", link = dir + "/link.npy";
  writeText(target, "old");
  ASSERT_EQ(symlink("target.npy", link.c_str()), 0);
  std::string error;
  ASSERT_TRUE(writeNpy(link, bigArray(), error)) << error;
  EXPECT_TRUE(llvm::sys::fs::is_symlink_file(link));
  Array back;
  ASSERT_TRUE(readNpy(target, back, error)) << error;
  EXPECT_EQ(back.bytes, bigArray().bytes);
}

TEST(OutputFile, ReportsUnwritablePaths) {
  const std::string dir = tempDir();
  std::string error;
  EXPECT_FALSE(writeNpy(dir, bigArray(), error));
  EXPECT_NE(error.find("directory"), std::string::npos) << error;
  EXPECT_FALSE(writeNpy(dir + "/missing/a.npy", bigArray(), error));
  EXPECT_NE(error.find("missing/a.npy"), std::string::npos) << error;
  EXPECT_TRUE(llvm::sys::fs::is_directory(dir));
  EXPECT_TRUE(listDir(dir).empty());
}

TEST(OutputFile, ReportsStreamErrors) {
  const std::string dir = tempDir(), path = dir + "/text";
  std::string error;
  ASSERT_TRUE(writeFileSafely(
      path, [](llvm::raw_ostream &os) { os << "hello"; }, error))
      << error;
  EXPECT_EQ(readText(path), "hello");
  {
    FileSizeLimit limit(4);
    EXPECT_FALSE(writeFileSafely(
        path, [](llvm::raw_ostream &os) { os << "goodbye"; }, error));
  }
  EXPECT_EQ(readText(path), "hello");
}

} // namespace
