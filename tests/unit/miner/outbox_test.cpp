// The outbox: durable final reports, removal, rejection, corrupt files, ordering.
#include "miner/outbox.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "process.h"

namespace aitbc::miner {
namespace {

OutboxEntry Entry(std::string job_id, ReportKind kind, int64_t created_ms) {
  nlohmann::json body = kind == ReportKind::kComplete
                            ? nlohmann::json{{"job_id", job_id}, {"result", "text"}}
                            : nlohmann::json{{"code", "timeout"}, {"reason", "slow"}};
  return OutboxEntry{std::move(job_id), kind, std::move(body), created_ms};
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(outbox_.Init().ok()); }
  aitbc::testing::TempDir dir_;
  Outbox outbox_{dir_.path() + "/outbox"};
};

TEST_F(OutboxTest, EntriesSurviveAndComeBackOldestFirst) {
  ASSERT_TRUE(outbox_.Put(Entry("job_b", ReportKind::kFail, 20)).ok());
  ASSERT_TRUE(outbox_.Put(Entry("job_a", ReportKind::kComplete, 30)).ok());
  ASSERT_TRUE(outbox_.Put(Entry("job_c", ReportKind::kComplete, 10)).ok());
  EXPECT_TRUE(core::FileExists(outbox_.PathFor("job_a")));

  Outbox reopened(dir_.path() + "/outbox");
  auto entries = reopened.LoadAll();
  ASSERT_TRUE(entries.ok()) << entries.error().ToString();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].job_id, "job_c");
  EXPECT_EQ((*entries)[1].job_id, "job_b");
  EXPECT_EQ((*entries)[1].kind, ReportKind::kFail);
  EXPECT_EQ((*entries)[1].body["code"], "timeout");
  EXPECT_EQ((*entries)[2].job_id, "job_a");
  EXPECT_EQ((*entries)[2].body["result"], "text");
}

TEST_F(OutboxTest, RemoveDeletesTheFileAndIsIdempotent) {
  ASSERT_TRUE(outbox_.Put(Entry("job_1", ReportKind::kComplete, 1)).ok());
  ASSERT_TRUE(outbox_.Remove("job_1").ok());
  EXPECT_FALSE(core::FileExists(outbox_.PathFor("job_1")));
  EXPECT_TRUE(outbox_.Remove("job_1").ok());
  EXPECT_TRUE(outbox_.LoadAll()->empty());
}

TEST_F(OutboxTest, RejectedReportsAreKeptAsideWithTheReason) {
  ASSERT_TRUE(outbox_.Put(Entry("job_1", ReportKind::kComplete, 1)).ok());
  ASSERT_TRUE(outbox_.Reject("job_1", "HTTP 400: bad proof").ok());
  EXPECT_FALSE(core::FileExists(outbox_.PathFor("job_1")));
  EXPECT_TRUE(core::FileExists(outbox_.dir() + "/rejected/job_1.json"));
  auto why = core::ReadFile(outbox_.dir() + "/rejected/job_1.why.txt");
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("bad proof"), std::string::npos);
  EXPECT_TRUE(outbox_.LoadAll()->empty());
}

TEST_F(OutboxTest, UnreadableFilesAreMovedAsideNotResent) {
  ASSERT_TRUE(outbox_.Put(Entry("job_ok", ReportKind::kComplete, 1)).ok());
  ASSERT_TRUE(core::WriteFileAtomic(outbox_.dir() + "/job_bad.json", "{not json").ok());
  ASSERT_TRUE(
      core::WriteFileAtomic(outbox_.dir() + "/job_kind.json",
                            R"({"job_id":"job_kind","kind":"maybe","body":{},"created_ms":1})")
          .ok());
  ASSERT_TRUE(core::WriteFileAtomic(outbox_.dir() + "/other_name.json",
                                    Entry("job_x", ReportKind::kFail, 1).ToJson().dump())
                  .ok());
  ASSERT_TRUE(core::WriteFileAtomic(outbox_.dir() + "/job_t.json.tmp.abc123", "partial").ok());
  auto entries = outbox_.LoadAll();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].job_id, "job_ok");
  EXPECT_TRUE(core::FileExists(outbox_.dir() + "/corrupt/job_bad.json"));
  EXPECT_TRUE(core::FileExists(outbox_.dir() + "/corrupt/job_kind.json"));
  EXPECT_TRUE(core::FileExists(outbox_.dir() + "/corrupt/other_name.json"));
  EXPECT_FALSE(core::FileExists(outbox_.dir() + "/job_t.json.tmp.abc123"));
}

TEST_F(OutboxTest, JobIdsThatCouldEscapeTheDirectoryAreRefused) {
  EXPECT_FALSE(outbox_.Put(Entry("../evil", ReportKind::kComplete, 1)).ok());
  EXPECT_FALSE(outbox_.Put(Entry("", ReportKind::kComplete, 1)).ok());
  EXPECT_FALSE(outbox_.Remove("a/b").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/evil.json"));
}

}  // namespace
}  // namespace aitbc::miner
