#include "core/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <string>

#include "core/file_util.h"
#include "test_util.h"

namespace aitbc::core {
namespace {

using testing::TempDir;

// Leaves a stderr-only default logger behind so no test keeps a file of a removed directory.
class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { ASSERT_TRUE(InitLogging({.component = "test"}).ok()); }
};

std::string ReadLog(const std::string& path) {
  spdlog::default_logger()->flush();
  auto text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.error().ToString();
  return text.value_or("");
}

TEST_F(LogTest, WritesFormattedLinesToTheFile) {
  TempDir dir;
  std::string path = dir.path() + "/logs/nested/node.log";  // parents are created
  ASSERT_TRUE(InitLogging({.component = "node", .file = path, .level = "info"}).ok());
  spdlog::info("hello {}", 42);
  spdlog::debug("not shown at info");
  spdlog::error("bad thing");
  std::string text = ReadLog(path);
  EXPECT_TRUE(std::regex_search(
      text, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info \[node\] hello 42\n)")))
      << text;
  EXPECT_NE(text.find("error [node] bad thing\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("not shown"), std::string::npos);
  EXPECT_EQ(spdlog::default_logger()->name(), "node");
}

TEST_F(LogTest, WarningsAreFlushedAtOnce) {
  TempDir dir;
  std::string path = dir.path() + "/miner.log";
  ASSERT_TRUE(InitLogging({.component = "miner", .file = path}).ok());
  spdlog::warn("disk almost full");
  // No explicit flush: flush_on(warn) wrote it synchronously.
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("warning [miner] disk almost full"), std::string::npos) << *text;
}

TEST_F(LogTest, LevelIsCaseInsensitiveAndFilters) {
  TempDir dir;
  std::string path = dir.path() + "/c.log";
  ASSERT_TRUE(InitLogging({.component = "coordinator", .file = path, .level = "DEBUG"}).ok());
  spdlog::debug("debug line");
  spdlog::trace("trace line");
  std::string text = ReadLog(path);
  EXPECT_NE(text.find("debug [coordinator] debug line"), std::string::npos) << text;
  EXPECT_EQ(text.find("trace line"), std::string::npos);

  ASSERT_TRUE(InitLogging({.component = "coordinator", .file = path, .level = "off"}).ok());
  spdlog::critical("silenced");
  EXPECT_EQ(ReadLog(path).find("silenced"), std::string::npos);
}

TEST_F(LogTest, AppendsToAnExistingFile) {
  TempDir dir;
  std::string path = dir.path() + "/a.log";
  ASSERT_TRUE(InitLogging({.component = "one", .file = path}).ok());
  spdlog::info("first");
  ReadLog(path);
  ASSERT_TRUE(InitLogging({.component = "two", .file = path}).ok());
  spdlog::info("second");
  std::string text = ReadLog(path);
  EXPECT_NE(text.find("[one] first"), std::string::npos) << text;
  EXPECT_NE(text.find("[two] second"), std::string::npos) << text;
}

TEST_F(LogTest, InvalidLevelIsRejectedAndKeepsTheLogger) {
  ASSERT_TRUE(InitLogging({.component = "keep"}).ok());
  Status status = InitLogging({.component = "other", .level = "verbose"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message().find("\"verbose\""), std::string::npos);
  EXPECT_NE(status.error().message().find("trace, debug, info"), std::string::npos);
  EXPECT_EQ(spdlog::default_logger()->name(), "keep");
  EXPECT_FALSE(InitLogging({.level = ""}).ok());
}

TEST_F(LogTest, UnopenableFileIsAnError) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/plain", "x").ok());
  Status below_file = InitLogging({.component = "n", .file = dir.path() + "/plain/node.log"});
  ASSERT_FALSE(below_file.ok());
  EXPECT_EQ(below_file.error().code(), ErrorCode::kIOError);
  EXPECT_NE(below_file.error().message().find("plain/node.log"), std::string::npos);

  Status is_dir = InitLogging({.component = "n", .file = dir.path()});
  ASSERT_FALSE(is_dir.ok());
  EXPECT_EQ(is_dir.error().code(), ErrorCode::kIOError);
}

TEST_F(LogTest, EmptyComponentGetsADefaultName) {
  ASSERT_TRUE(InitLogging({}).ok());
  EXPECT_EQ(spdlog::default_logger()->name(), "aitbc");
}

}  // namespace
}  // namespace aitbc::core
