#include "process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

namespace aitbc::testing {
namespace {

TEST(ProcessTest, KillNineReportsTheSignal) {
  auto p = Process::Start({"/bin/sleep", "30"});
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_TRUE(p->Running());
  p->Signal(SIGKILL);
  EXPECT_EQ(*p->Wait(5'000), 128 + SIGKILL);
  EXPECT_FALSE(p->Running());
}

TEST(ProcessTest, RunCommandCapturesOutputAndExitCode) {
  auto r = RunCommand({"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_NE(r->output.find("hello"), std::string::npos);
  EXPECT_NE(r->output.find("oops"), std::string::npos);
}

TEST(ProcessTest, WaitTimesOutOnARunningProcess) {
  auto p = Process::Start({"/bin/sleep", "30"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Wait(50).error().code(), core::ErrorCode::kTimeout);
  EXPECT_EQ(p->Stop(), 128 + SIGTERM);
}

TEST(ProcessTest, ReadyFileAppearsOrProcessDies) {
  TempDir dir;
  std::string ready = dir.path() + "/ready.json";
  auto writer = Process::Start(
      {"/bin/sh", "-c", "sleep 0.1; echo '{\"port\": 5}' > " + ready + "; sleep 30"});
  ASSERT_TRUE(writer.ok());
  auto json = WaitForReadyFile(ready, 5'000, &*writer);
  ASSERT_TRUE(json.ok()) << json.error().ToString();
  EXPECT_EQ((*json)["port"], 5);

  auto dies = Process::Start({"/bin/sh", "-c", "echo failing; exit 1"});
  ASSERT_TRUE(dies.ok());
  auto never = WaitForReadyFile(dir.path() + "/never.json", 5'000, &*dies);
  ASSERT_FALSE(never.ok());
  EXPECT_NE(never.error().message().find("failing"), std::string::npos);
}

}  // namespace
}  // namespace aitbc::testing
