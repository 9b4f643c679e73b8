#include "core/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "test_util.h"

namespace aitbc::core {
namespace {

using testing::TempDir;

int ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// Sets the umask for the life of the object.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(FileUtilTest, WriteThenReadRoundTrips) {
  TempDir dir;
  std::string path = dir.path() + "/data.bin";
  std::string content("binary\0with nul", 15);
  ASSERT_TRUE(WriteFileAtomic(path, content).ok());
  auto read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(*read, content);
  EXPECT_EQ(EntriesIn(dir.path()), 1u);  // no temporary file left behind
}

TEST(FileUtilTest, ReadsLargeAndEmptyFiles) {
  TempDir dir;
  std::string big(300 * 1024 + 7, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>(i);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/big", big).ok());
  EXPECT_EQ(*ReadFile(dir.path() + "/big"), big);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/empty", "").ok());
  EXPECT_EQ(*ReadFile(dir.path() + "/empty"), "");
}

TEST(FileUtilTest, WriteReplacesExistingContent) {
  TempDir dir;
  std::string path = dir.path() + "/f";
  ASSERT_TRUE(WriteFileAtomic(path, "a much longer first version").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
  EXPECT_EQ(EntriesIn(dir.path()), 1u);
}

TEST(FileUtilTest, WriteAppliesModeRegardlessOfUmask) {
  TempDir dir;
  ScopedUmask mask(077);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/public", "x", 0644).ok());
  EXPECT_EQ(ModeOf(dir.path() + "/public"), 0644);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/secret", "x", 0600).ok());
  EXPECT_EQ(ModeOf(dir.path() + "/secret"), 0600);
  // Replacing a file gives the new mode, not the old one.
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/public", "y", 0600).ok());
  EXPECT_EQ(ModeOf(dir.path() + "/public"), 0600);
}

TEST(FileUtilTest, ReadMissingFileIsNotFound) {
  TempDir dir;
  std::string path = dir.path() + "/missing";
  auto read = ReadFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(read.error().message().find(path), std::string::npos);
  EXPECT_NE(read.error().message().find("No such file or directory"), std::string::npos);
}

TEST(FileUtilTest, ReadDirectoryIsIOError) {
  TempDir dir;
  auto read = ReadFile(dir.path());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kIOError);
  EXPECT_NE(read.error().message().find("Is a directory"), std::string::npos);
}

TEST(FileUtilTest, WriteIntoMissingDirectoryFails) {
  TempDir dir;
  std::string path = dir.path() + "/no/such/dir/file";
  Status written = WriteFileAtomic(path, "x");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(written.error().message().find(path), std::string::npos);
}

TEST(FileUtilTest, WriteIntoReadOnlyDirectoryFails) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::string locked = dir.path() + "/locked";
  ASSERT_TRUE(EnsureDirectory(locked).ok());
  ASSERT_EQ(::chmod(locked.c_str(), 0500), 0);
  Status written = WriteFileAtomic(locked + "/f", "x");
  ::chmod(locked.c_str(), 0700);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), ErrorCode::kIOError);
  EXPECT_NE(written.error().message().find("Permission denied"), std::string::npos);
}

TEST(FileUtilTest, WriteOverDirectoryFailsAndCleansUp) {
  TempDir dir;
  std::string target = dir.path() + "/sub";
  ASSERT_TRUE(EnsureDirectory(target + "/inner").ok());
  Status written = WriteFileAtomic(target, "x");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), ErrorCode::kIOError);
  EXPECT_EQ(EntriesIn(dir.path()), 1u);  // the temporary file was removed
}

TEST(FileUtilTest, NoReplaceRefusesExistingFile) {
  TempDir dir;
  std::string path = dir.path() + "/key.json";
  ASSERT_TRUE(WriteFileAtomicNoReplace(path, "first").ok());
  EXPECT_EQ(ModeOf(path), 0600);
  Status second = WriteFileAtomicNoReplace(path, "second");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(second.error().message().find(path), std::string::npos);
  EXPECT_EQ(*ReadFile(path), "first");
  EXPECT_EQ(EntriesIn(dir.path()), 1u);
}

TEST(FileUtilTest, EnsureDirectoryCreatesParents) {
  TempDir dir;
  std::string nested = dir.path() + "/a/b/c";
  ASSERT_TRUE(EnsureDirectory(nested).ok());
  EXPECT_TRUE(std::filesystem::is_directory(nested));
  EXPECT_TRUE(EnsureDirectory(nested).ok());        // exists: fine
  EXPECT_TRUE(EnsureDirectory(nested + "/").ok());  // trailing slash
  EXPECT_TRUE(EnsureDirectory(dir.path() + "/x//y").ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/x/y"));
}

TEST(FileUtilTest, EnsureDirectoryRelativePath) {
  TempDir dir;
  std::string old = std::filesystem::current_path().string();
  std::filesystem::current_path(dir.path());
  Status made = EnsureDirectory("rel/sub");
  std::filesystem::current_path(old);
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/rel/sub"));
}

TEST(FileUtilTest, EnsureDirectoryFailsOverAFile) {
  TempDir dir;
  std::string file = dir.path() + "/file";
  ASSERT_TRUE(WriteFileAtomic(file, "x").ok());
  Status same = EnsureDirectory(file);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code(), ErrorCode::kIOError);
  EXPECT_NE(same.error().message().find("not a directory"), std::string::npos);
  Status below = EnsureDirectory(file + "/sub");
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.error().code(), ErrorCode::kIOError);
  EXPECT_NE(below.error().message().find("Not a directory"), std::string::npos);
  EXPECT_EQ(EnsureDirectory("").error().code(), ErrorCode::kInvalidArgument);
}

TEST(FileUtilTest, FileExists) {
  TempDir dir;
  EXPECT_TRUE(FileExists(dir.path()));
  EXPECT_FALSE(FileExists(dir.path() + "/nope"));
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/yes", "").ok());
  EXPECT_TRUE(FileExists(dir.path() + "/yes"));
}

TEST(FileUtilTest, ParentDirectory) {
  EXPECT_EQ(ParentDirectory("a/b/c"), "a/b");
  EXPECT_EQ(ParentDirectory("c"), ".");
  EXPECT_EQ(ParentDirectory("/c"), "/");
  EXPECT_EQ(ParentDirectory("/var/log/aitbc/node.log"), "/var/log/aitbc");
}

}  // namespace
}  // namespace aitbc::core
